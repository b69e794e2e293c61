"""How qualcode sets up and writes a SQLite connection, with ``sqlite3`` alone.

One place for what the SQLAlchemy engine (``store.engine``) and the light write path
(``store.light_write``) both do to a SQLite connection: the pragmas at connect, the write
transaction that takes the lock at BEGIN (``BEGIN IMMEDIATE``, polled), and the commit
count ``store.changes`` reads (open screens reload when it moves).
"""

from __future__ import annotations

import random
import sqlite3
import time

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a write waits for another writer (e.g. a big import) before it gives up with
# "database is locked"; ``Project.write`` may then try the whole work again.
SQLITE_WRITE_WAIT_S = 60.0
CHANGE_COUNTER_KEY = "_change_counter"

# Counts one commit (``store.changes``): SQLite has one writer at a time, so one row.
SQLITE_COUNT = (
    "INSERT INTO project_setting (key, value) VALUES (?, '1') ON CONFLICT (key) "
    "DO UPDATE SET value = CAST(CAST(project_setting.value AS INTEGER) + 1 AS VARCHAR)"
)


def change_slot_key(slot: int) -> str:
    """The ``project_setting`` key of one commit counter (slot 0: the historical key)."""
    return CHANGE_COUNTER_KEY if slot == 0 else f"{CHANGE_COUNTER_KEY}:{slot}"


def set_up(conn: sqlite3.Connection, memory: bool = False) -> None:
    """qualcode's pragmas on a fresh connection; BEGIN is issued by us (autocommit mode),
    so that a write transaction takes the write lock up front (``begin_immediate``)."""
    conn.isolation_level = None
    cur = conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if not memory:
        cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit survives the program being killed or crashing; only an OS
    # crash or power cut may take back the last commits, never corrupting the file
    # (docs/teams.md, "Durability"). FULL would fsync every commit (~3-15 ms each).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def begin_immediate(raw: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, polled with a short, jittered, bounded backoff while another writer
    holds the lock (``sqlite3.OperationalError`` after ``SQLITE_WRITE_WAIT_S``).

    SQLite's own busy handler sleeps in steps of up to 100 ms, so with several coders
    writing at once most of the time goes to sleeping; polling every few milliseconds keeps
    the queue moving. The busy timeout is switched off only for the BEGIN itself.
    """
    deadline = time.monotonic() + SQLITE_WRITE_WAIT_S
    delay = 0.0005
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                locked = "locked" in text or "busy" in text
                if not locked or time.monotonic() > deadline:
                    raise
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 1.5, 0.02)
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def commit_counted(raw: sqlite3.Connection) -> None:
    """Count the commit (``store.changes``) and commit."""
    raw.execute(SQLITE_COUNT, (change_slot_key(0),))
    raw.execute("COMMIT")
