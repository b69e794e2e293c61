"""When the coding hot path sends its ``NOTIFY`` (PostgreSQL): ``Announcer``.

A ``NOTIFY`` takes one database-wide lock at commit, so one per coding queued every
coder's commits behind each other; a project's commits are announced at most once per
``NOTIFY_GAP_S``, and every commit is still followed by a notification.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Any

from sqlalchemy import Engine

# The channel every commit notifies on; the payload is the writer's ``Project.token``.
NOTIFY_CHANNEL = "qualcode_changes"
# The coding hot path announces an open project's commits at most once per gap (see
# ``Announcer``): a NOTIFY takes one database-wide lock at commit, so one per coding
# queued every coder's commits behind each other.
NOTIFY_GAP_S = 0.05


class Announcer:
    """When the coding hot path sends a ``NOTIFY`` (PostgreSQL): with its commit if none
    went out in the last ``gap_s``, else once that gap is over, for all the commits it held
    back (a timer; ``flush`` sends a pending one at once, ``Project.close`` does).

    Every commit is followed by a notification sent after it, at most the gap later, so a
    screen still sees each colleague's last change (docs/teams.md, "Live refresh"); four
    coders writing flat out send about 20 a second each instead of one per coding.
    """

    def __init__(self, engine: Engine, token: str, gap_s: float = NOTIFY_GAP_S) -> None:
        self._engine = engine
        self._token = token
        self.gap_s = gap_s
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        self._last = -math.inf
        self._timer: threading.Timer | None = None

    def due(self) -> bool:
        """True: notify with the commit about to be sent (and count it as sent now)."""
        with self._lock:
            now = time.monotonic()
            if self._timer is None and now - self._last >= self.gap_s:
                self._last = now
                return True
            return False

    def held_back(self) -> None:
        """A commit went out without its notification: make sure one follows it."""
        with self._lock:
            if self._timer is not None:
                return  # the pending one is sent after this commit
            delay = max(0.0, self._last + self.gap_s - time.monotonic())
            # Not a daemon: a program that ends without closing the project still sends
            # it (the interpreter waits for it, at most the gap).
            self._timer = threading.Timer(delay, self._send)
            self._timer.start()

    def flush(self) -> None:
        """Send a pending notification now (closing the project: nothing held back)."""
        with self._lock:
            timer = self._timer
        if timer is not None:
            timer.cancel()
            self._send()
        with self._sending:  # one the timer is sending right now has gone out
            pass

    def _send(self) -> None:
        with self._sending:
            with self._lock:
                if self._timer is None:
                    return  # sent by the other of flush and the timer
                self._timer = None
                self._last = time.monotonic()
            self._notify()

    def _notify(self) -> None:
        try:
            pooled = self._engine.raw_connection()
        except Exception:  # noqa: BLE001 - server gone: a screen's listener reconnects and polls
            return
        # The driver is loaded already (this is a PostgreSQL project open on it).
        import psycopg

        raw: Any = pooled.driver_connection
        try:
            raw.autocommit = True  # the message carries its own BEGIN and COMMIT
            psycopg.ClientCursor(raw).execute(
                _PG_ANNOUNCE, {"channel": NOTIFY_CHANNEL, "token": self._token}
            )
        except Exception:  # noqa: BLE001 - as above
            with contextlib.suppress(Exception):
                if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    raw.execute("ROLLBACK")
        finally:
            with contextlib.suppress(Exception):
                raw.autocommit = False
            pooled.close()


# A held-back notification: one round trip, and its commit does not wait for the disk.
# It writes no data (``pg_notify`` alone), so there is nothing to make durable, yet the
# server gives it a transaction id, and a commit with one waits for the log to be flushed
# (``synchronous_commit``): one more disk flush per notification, beside the coders'.
# Off for this transaction only; every coding's own commit waits for the disk as before.
_PG_ANNOUNCE = (
    "BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_notify(%(channel)s, %(token)s); COMMIT"
)
