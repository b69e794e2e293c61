"""The engine, ``Project`` and its write transactions: what each write locks.

Writes lock only what they touch (docs/teams.md, "Working at the same time"):

* SQLite has one writer at a time by design; a write transaction takes the write lock at
  BEGIN (IMMEDIATE, polled), so a transaction never fails half-way with "database is
  locked". Transactions are short: long work (parsing, NLP) runs before they open.
* PostgreSQL has row locks, and there is no project-wide lock. A write names its *scope*:

  - ``"rows"`` (codings, undo, memos on codings): no lock of its own. The work locks the
    rows it hangs from (``lock_parents``: the document and code ``FOR KEY SHARE``, so they
    are neither merged nor deleted under it) and its coder's row (``lock_coder``: ``FOR
    UPDATE``, so one coder's check-then-insert and undo are serialised while different
    coders write in parallel).
  - ``"import"``: a keyed lock only other imports wait for (unique titles); also for
    storing an annotation (tokens and sentences of documents that exist already).
  - ``"structure"`` (the default: codebook edits, document deletes, bulk coding, quotes,
    participants, settings, anything that looks and then inserts): structure writers queue
    on one advisory lock among themselves, and the transaction locks the ``code`` and
    ``document`` tables ``EXCLUSIVE`` — plain reads go on, but no coding can be attached to
    a code or document while a merge or delete moves it (codings are deleted with their
    code or document, so a coding slipped in would be lost).

  ``lock_key`` serialises a check-then-insert on one named thing (a new coder's name).

Every commit counts one change for ``qualcode.store.changes`` (a counter row picked from a
few slots, so concurrent writers do not queue on one row) and, on PostgreSQL, sends a
``NOTIFY`` that open screens listen for — both in one statement.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    or_,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlmodel import Session, col, select

from qualcode import models
from qualcode.store import sqlite_setup
from qualcode.store.announcer import NOTIFY_CHANNEL, Announcer
from qualcode.store.sqlite_setup import CHANGE_COUNTER_KEY as CHANGE_COUNTER_KEY
from qualcode.store.sqlite_setup import SQLITE_BUSY_TIMEOUT_MS, change_slot_key
from qualcode.store.sqlite_setup import SQLITE_COUNT as _SQLITE_COUNT

# PostgreSQL: the project lock (an advisory lock, shared or exclusive by scope).
PG_WRITE_LOCK_KEY = 0x5155414C  # "QUAL": structure writers queue on it
PG_MIGRATE_LOCK_KEY = 0x5155414D  # schema upgrades and copies queue on it
PG_LOCK_TIMEOUT = "60s"
# A pooled PostgreSQL connection idle longer than this is pinged before it is used again.
PG_PING_AFTER_IDLE_S = 5.0
# Commits are counted in CHANGE_SLOTS rows; the first keeps the historical key. A commit
# picks one at random: with 4 coders writing flat out, one in 20 finds its row locked by
# another (with 16 rows it was one in 5, waiting on a colleague's commit each time).
CHANGE_SLOTS = 64


def _key_number(key: str) -> int:
    """A stable 32-bit number for a keyed advisory lock (never the project lock's)."""
    return (zlib.crc32(key.encode("utf-8")) & 0x7FFFFFFF) | 0x1


WriteScope = Literal["structure", "rows", "import"]
# What each scope runs at BEGIN on PostgreSQL (see the module's docstring). "migrate" is
# the store's own (schema upgrades and copies): the one project-wide exclusive lock left.
_SCOPES: dict[str, tuple[str, ...]] = {
    "migrate": (f"SELECT pg_advisory_xact_lock({PG_MIGRATE_LOCK_KEY})",),
    "structure": (
        f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK_KEY})",
        "LOCK TABLE code, document IN EXCLUSIVE MODE",
    ),
    "rows": (),
    "import": (f"SELECT pg_advisory_xact_lock({_key_number('import')})",),
}

T = TypeVar("T")


def is_database_url(target: str | os.PathLike[str]) -> bool:
    """True for ``postgresql+psycopg://...`` or ``sqlite:///...``, false for a file path."""
    return "://" in str(target)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    """An engine with qualcode's connection set-up (pragmas; write transactions)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url)

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: object) -> None:
        # A connection that sat in the pool may have been dropped (server restart, idle
        # timeout): ping it before use, but only then, not before every write (a round
        # trip each); a dead one is replaced by a fresh one (DisconnectionError).
        if time.monotonic() - record.info.get("returned", math.inf) < PG_PING_AFTER_IDLE_S:
            return
        try:
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "connect")
    def _postgres_connect(dbapi_conn: Any, record: Any) -> None:
        record.info["returned"] = time.monotonic()  # fresh: no ping needed
        # A lock wait ends in an error (retried by ``Project.write``), never hangs.
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = '{PG_LOCK_TIMEOUT}'")
        dbapi_conn.commit()

    @event.listens_for(engine, "begin")
    def _postgres_begin(conn: Connection) -> None:
        scope = conn.get_execution_options().get("qualcode_write")
        if scope:
            for statement in _SCOPES[str(scope)]:
                conn.exec_driver_sql(statement)

    return engine


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        sqlite_setup.set_up(dbapi_conn, memory=":memory:" in url)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("qualcode_write"):
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def lock_key(session: Session, *parts: object) -> None:
    """Serialise with every other transaction that locks the same key, until commit.

    For "look, then insert" on one named thing (a new coder's name) in a ``"rows"``
    transaction. PostgreSQL: a transaction-level advisory lock; SQLite: nothing to do,
    a write transaction there is alone already.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    key = "\x1f".join(str(p) for p in parts)
    session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_key_number(key)})")


def _begin_immediate(conn: Connection) -> None:
    """BEGIN IMMEDIATE, polled with a short, jittered, bounded backoff while another writer
    holds the lock.

    SQLite's own busy handler sleeps in steps of up to 100 ms, so with several coders
    writing at once most of the time goes to sleeping; polling every few milliseconds keeps
    the queue moving. The busy timeout is switched off only for the BEGIN itself (on the
    driver's connection: no round trip, nothing for SQLAlchemy to track).
    """
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    begin_immediate(raw)


def begin_immediate(raw: sqlite3.Connection) -> None:
    """``_begin_immediate`` on the driver's own connection (``sqlite_setup.begin_immediate``,
    its error as SQLAlchemy's ``OperationalError``, which ``Project.write`` retries)."""
    try:
        sqlite_setup.begin_immediate(raw)
    except sqlite3.OperationalError as exc:
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc


# SQLSTATEs worth another try: serialization failure, deadlock, lock not available.
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}


def is_lock_error(exc: DBAPIError) -> bool:
    """A lock or transient conflict that the same work may pass on another attempt."""
    state = getattr(exc.orig, "sqlstate", None)
    if state in _PG_RETRY_STATES:
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


def _ping_kept(pooled: Any) -> None:
    """``SELECT 1`` on a kept connection that sat unused; a dead one is closed (and then
    thrown away by ``Project._give_back_kept``)."""
    raw = pooled.driver_connection
    try:
        raw.execute("SELECT 1")
        raw.rollback()
    except Exception:  # noqa: BLE001 - any failure: the connection is not to be trusted
        with contextlib.suppress(Exception):
            raw.close()


class Project:
    """An open project: the engine plus the few things every layer needs from it."""

    def __init__(self, engine: Engine, url: str, path: Path | None) -> None:
        self.engine = engine
        self.url = url
        self.path = path
        # Who "we" are in change notifications, and how many commits we made: a screen
        # reloads for other people's changes, never misses one because it wrote itself.
        self.token = uuid.uuid4().hex
        self.own_commits = 0
        self.commit_lock = threading.Lock()
        self.announcer = Announcer(engine, self.token)
        # The pooled connection the coding hot path keeps between codings (PostgreSQL).
        self._kept: Any = None
        self._kept_lock = threading.Lock()
        self._kept_used = -math.inf

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def name(self) -> str:
        """A human name: the setting ``name``, else the file's stem, else the database."""
        stored = self.get_setting("name")
        if stored:
            return stored
        if self.path is not None:
            return self.path.stem
        return self.engine.url.database or "project"

    def session(self) -> Session:
        """A session for reading; use ``transaction`` for anything that writes."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, scope: WriteScope = "structure") -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error.

        ``scope`` says what the work may touch (see the module's docstring): ``"rows"``
        for work that only writes its own rows (codings), ``"import"`` for storing a new
        document, ``"structure"`` (the default) for everything else. On SQLite every
        write transaction takes the one write lock at BEGIN (polled for up to
        ``SQLITE_WRITE_WAIT_S``), so writers queue instead of one failing half-way.
        """
        if scope not in _SCOPES or scope == "migrate":
            raise ValueError(f"unknown write scope {scope!r}")
        with self.engine.connect() as conn:
            conn = conn.execution_options(qualcode_write=scope)
            session = Session(bind=conn, expire_on_commit=False)
            try:
                session.begin()
                yield session
                _count_change(session, self.token)
                with self.commit_lock:
                    session.commit()
                    self.own_commits += 1
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def driver_connection(self) -> Iterator[Any]:
        """The driver's own connection from the pool (``sqlite3`` or ``psycopg``), in no
        transaction; rolled back if left in one, and returned to the pool."""
        pooled = self.engine.raw_connection()
        try:
            yield pooled.driver_connection
        finally:
            pooled.close()

    @contextmanager
    def coding_connection(self) -> Iterator[Any]:
        """The driver's connection for the coding hot path (``store.fastpath``), in no
        transaction: kept checked out of the pool from one coding to the next (a checkout
        and check-in cost a fifth of the client's CPU per coding). One thread at a time
        uses it, another meanwhile takes one from the pool. Unused for
        ``PG_PING_AFTER_IDLE_S`` it is pinged first, as the pool pings its idle ones (a
        dead one is replaced); left in a transaction it goes back to the pool (which rolls
        it back); closed it is thrown away."""
        if not self._kept_lock.acquire(blocking=False):
            with self.driver_connection() as raw:
                yield raw
            return
        try:
            if self._kept is not None and time.monotonic() - self._kept_used > PG_PING_AFTER_IDLE_S:
                _ping_kept(self._kept)
                self._give_back_kept(keep_if_idle=True)
            self._kept = self._kept or self.engine.raw_connection()
            try:
                yield self._kept.driver_connection
            finally:
                self._kept_used = time.monotonic()
                self._give_back_kept(keep_if_idle=True)
        finally:
            self._kept_lock.release()

    def _give_back_kept(self, keep_if_idle: bool = False) -> None:
        """Return the kept connection to the pool (``keep_if_idle``: only if it is closed,
        thrown away, or in a transaction)."""
        kept = self._kept
        if kept is None or (keep_if_idle and kept.driver_connection.info.transaction_status == 0):
            return  # psycopg's TransactionStatus.IDLE is 0: kept for the next coding
        self._kept = None
        if kept.driver_connection.closed:
            kept.invalidate()
        else:
            kept.close()

    @contextmanager
    def driver_transaction(self) -> Iterator[Any]:
        """A write transaction on the driver's own connection (``sqlite3`` or
        ``psycopg``), for the hottest write (``store.fastpath``; on PostgreSQL it sends
        its own transaction in one message): no session and no ORM, but begun, counted
        and committed as ``transaction`` does it (SQLite: ``BEGIN IMMEDIATE``, polled).
        """
        pooled = self.engine.raw_connection()
        raw: Any = pooled.driver_connection
        postgres = not isinstance(raw, sqlite3.Connection)
        try:
            if not postgres:
                begin_immediate(raw)
            yield raw
            if postgres:
                raw.execute(_PG_COUNT, change_params(self.token))
                with self.commit_lock:
                    raw.commit()
                    self.own_commits += 1
            else:
                raw.execute(_SQLITE_COUNT, (change_slot_key(0),))
                with self.commit_lock:
                    raw.execute("COMMIT")
                    self.own_commits += 1
        except BaseException:
            raw.rollback()
            raise
        finally:
            pooled.close()

    def write(
        self, work: Callable[[Session], T], attempts: int = 8, scope: WriteScope = "structure"
    ) -> T:
        """Run ``work`` in a transaction, retrying a bounded number of times when locked.

        Retried: SQLite "database is locked" after the wait ran out; PostgreSQL
        serialization failures, deadlocks and lock timeouts. ``work`` must be safe to run
        again: it sees a fresh session each attempt.
        """
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(scope) as session:
                    return work(session)
            except DBAPIError as exc:
                if not is_lock_error(exc) or attempt == attempts:
                    raise
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
            row = s.get(models.ProjectSetting, key)
            return row.value if row is not None else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as s:
            row = s.get(models.ProjectSetting, key)
            if row is None:
                s.add(models.ProjectSetting(key=key, value=value))
            else:
                row.value = value

    def settings(self) -> dict[str, str]:
        """The project's settings (internal bookkeeping keys, starting with ``_``, left out)."""
        with self.session() as s:
            return {
                r.key: r.value
                for r in s.exec(select(models.ProjectSetting))
                if not r.key.startswith("_")
            }

    def close(self) -> None:
        self.announcer.flush()
        with self._kept_lock:
            self._give_back_kept()
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _count_change(session: Session, token: str) -> None:
    """Count this commit (the exact half of ``change_marker``) and notify listeners.

    One statement: an upsert of a counter row (SQLite: the one row, it has one writer at a
    time; PostgreSQL: a random one of ``CHANGE_SLOTS`` rows, so concurrent coders do not
    queue on one row lock) which on PostgreSQL also sends the ``NOTIFY``.
    """
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(_SQLITE_COUNT, (change_slot_key(0),))
        return
    conn.exec_driver_sql(_PG_COUNT, change_params(token))


def change_params(token: str) -> dict[str, str]:
    """The parameters of one commit's count and notification (PostgreSQL): a random
    counter slot (``counter``), the channel and our token."""
    key = change_slot_key(random.randrange(CHANGE_SLOTS))
    return {"counter": key, "channel": NOTIFY_CHANNEL, "token": token}


_PG_COUNT = (
    "WITH bump AS (INSERT INTO project_setting (key, value) VALUES (%(counter)s, '1') "
    "ON CONFLICT (key) DO UPDATE "
    "SET value = CAST(CAST(project_setting.value AS INTEGER) + 1 AS VARCHAR) RETURNING 1) "
    "SELECT pg_notify(%(channel)s, %(token)s) FROM bump"
)


def lock_coding(session: Session, coding_id: int, editor: str) -> models.Coding | None:
    """A coding about to be changed, locked with its coders until commit (None: gone).

    A row-level write, like applying a code: the ``code`` and ``document`` tables are
    share-locked first (a merge or delete of either waits for us, or we for it), then the
    rows of the coder making the change (their undo steps change) and of the coder whose
    coding it is (a change of span or code must not race their own duplicate check), in
    id order so that two coders changing each other's codings never wait in a circle,
    then the coding itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE code, document IN ROW SHARE MODE")
    owner = select(models.Coding.coder_id).where(models.Coding.id == coding_id)
    coders = (
        select(models.Coder.id)
        .where(or_(col(models.Coder.name) == editor, col(models.Coder.id).in_(owner)))
        .order_by(col(models.Coder.id))
        .with_for_update()
    )
    session.exec(coders).all()
    query = select(models.Coding).where(models.Coding.id == coding_id).with_for_update()
    return session.exec(query).first()


def lock_coder(session: Session, name: str) -> int | None:
    """The id of the coder called ``name``, locked until commit (None: no such coder).

    One coder's writes queue on their own row (PostgreSQL ``FOR UPDATE``; SQLite's write
    transaction is alone anyway): "is this coding new?" and "which is my last action?"
    stay true until the transaction commits, while other coders write on. The code and
    document tables are share-locked first, as every coding write does before it locks
    its coder, so a structure write (which locks those tables, then maybe the coder) and
    a coder's undo never wait for each other in a circle.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE code, document IN ROW SHARE MODE")
    query = select(models.Coder.id).where(models.Coder.name == name).with_for_update()
    return session.exec(query).first()
