"""How an open screen learns that someone else changed the project.

``change_marker`` is one cheap query whose answer changes with every commit. ``ChangeFeed``
turns it into a callback: on PostgreSQL it listens (``LISTEN``) for the ``NOTIFY`` every
commit sends, so other coders' work appears within a fraction of a second; on SQLite it
polls the marker. Either way it never calls back for the project's own commits, and never
misses someone else's because this program wrote at the same moment: the commits this
``Project`` made are counted under the same lock the feed reads them under.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import make_url

from qualcode import models
from qualcode.store.engine import CHANGE_COUNTER_KEY, NOTIFY_CHANNEL, Project
from qualcode.store.fastpath import table_of

# Tables people look at: a write made some other way than ``Project.transaction`` (an
# older qualcode, a hand-run SQL statement) still moves the marker through their sizes.
_WATCHED = (
    models.Document,
    models.Coding,
    models.Code,
    models.Quote,
    models.QuoteEvent,
    models.Memo,
    models.Participant,
    models.Suggestion,
    models.Packet,
)
# SQLite: how often an open screen polls the marker (one small query); PostgreSQL: how
# often the listener wakes to see whether it should stop.
POLL_S = 0.25
# On PostgreSQL, how long to gather a burst of notifications into one callback.
GATHER_S = 0.03


@dataclass(frozen=True)
class Marker:
    """The commits counted so far, and the shape of the watched tables."""

    commits: int
    shape: str

    def __str__(self) -> str:
        return f"{self.commits}.{self.shape}"


def read_marker(project: Project) -> Marker:
    """One small query: the commit count (all counter slots) and the watched tables' shape."""
    table = table_of(models.ProjectSetting)
    counted = (
        sa_select(func.coalesce(func.sum(cast(table.c.value, Integer)), 0))
        .where(table.c.key.like(f"{CHANGE_COUNTER_KEY}%"))
        .scalar_subquery()
    )
    columns = [counted]
    for model in _WATCHED:
        t = table_of(model)
        columns.append(sa_select(func.count()).select_from(t).scalar_subquery())
        columns.append(sa_select(func.max(t.c.id)).scalar_subquery())
    quote_table = table_of(models.Quote)
    columns.append(sa_select(func.sum(quote_table.c.version)).scalar_subquery())
    with project.engine.connect() as conn:
        row = conn.execute(sa_select(*columns)).one()
    return Marker(int(row[0] or 0), ".".join("-" if v is None else str(v) for v in row[1:]))


def change_marker(project: Project) -> str:
    """A short string that changes whenever anyone commits a change to the project."""
    return str(read_marker(project))


class ChangeFeed:
    """Calls ``on_change()`` (from its own thread) when someone else changes the project.

    ``start()`` begins listening (PostgreSQL) or polling every ``poll_s`` (SQLite);
    ``stop()`` ends it. ``check()`` is one poll, usable without the thread.
    """

    def __init__(
        self, project: Project, on_change: Callable[[], None], poll_s: float = POLL_S
    ) -> None:
        self.project = project
        self.on_change = on_change
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._check_lock = threading.Lock()
        self._others, self._shape, self._own = self._state()

    def _state(self) -> tuple[int, str, int]:
        with self.project.commit_lock:  # no own commit lands between the two readings
            marker = read_marker(self.project)
            own = self.project.own_commits
        return marker.commits - own, marker.shape, own

    def check(self) -> bool:
        """True when someone else committed since the last check (or the feed began)."""
        with self._check_lock:
            others, shape, own = self._state()
            changed = others != self._others or (shape != self._shape and own == self._own)
            self._others, self._shape, self._own = others, shape, own
            return changed

    @property
    def listening(self) -> threading.Event:
        """Set once the feed is ready: after it, no commit by someone else is missed."""
        return self._listening

    def start(self) -> None:
        if self._thread is not None:
            return
        target = self._poll if self.project.is_sqlite else self._listen
        self._thread = threading.Thread(target=target, name="qualcode-changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _poll(self) -> None:
        self._listening.set()
        while not self._stop.wait(self.poll_s):
            self._poll_once()

    def _poll_once(self) -> None:
        try:
            changed = self.check()
        except Exception:  # noqa: BLE001 - a busy or vanished database: try next time
            return
        if changed:
            self.on_change()

    def _listen(self) -> None:
        """LISTEN on a connection of its own; on trouble, poll and connect again."""
        import psycopg

        url = make_url(self.project.url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._listening.set()
                    self._poll_once()  # anything committed while we were connecting
                    self._serve(conn)
            except psycopg.Error:
                self._poll_once()
                self._stop.wait(self.poll_s * 4)

    def _serve(self, conn: object) -> None:
        import psycopg

        assert isinstance(conn, psycopg.Connection)
        while not self._stop.is_set():
            foreign = False
            for note in conn.notifies(timeout=self.poll_s, stop_after=1):
                foreign = foreign or note.payload != self.project.token
            if not foreign:
                continue
            for note in conn.notifies(timeout=GATHER_S):  # the rest of a burst, one callback
                del note
            self.check()  # keep the polled state in step with what was announced
            self.on_change()
