"""The light write path: an import into a SQLite project with ``sqlite3`` alone.

SQLAlchemy and SQLModel cost an import some 40 MB of memory before it has read a byte,
and an import of plain files needs none of what they give. So ``qualcode import`` of
plain files first tries ``open_light_writer``: it opens a SQLite file with ``sqlite3``,
set up as the engine sets up its connections (``store.sqlite_setup``: pragmas, ``BEGIN
IMMEDIATE`` polled, the commit counted for ``store.changes``), and goes ahead only for a
file ``store.light`` would read (a qualcode project at ``HEAD_REVISION`` holding nothing
foreign); anything else gives None and the command takes the full path
(``db.open_project``), which migrates, refuses or explains as it always has.

The writes are written once, as plain SQL with ``:name`` parameters, against a
``Writer``: a ``SqliteWriter`` here, or ``store.writer.SessionWriter`` over an ORM
session on the full path (either backend). A ``WriteTarget`` is what the import and the
annotation need of a project — a write transaction and a read — and ``as_write_target``
makes one of a ``LightWriteProject`` or a full ``db.Project`` alike.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from qualcode.errors import ProjectError
from qualcode.store import sqlite_setup
from qualcode.store.light import (
    Reader,
    chunked,
    connect_file,
    in_list,
    is_current,
    sqlite_contents_with,
)

if TYPE_CHECKING:
    from qualcode.db import Project

Scope = Literal["structure", "rows", "import"]


class Writer(Reader, Protocol):
    """Runs statements (``:name`` parameters) inside one write transaction."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run one statement; dates, times and JSON values are stored as the ORM stores them."""
        ...

    def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        """Run one statement for each parameter set (plain values only)."""
        ...

    def insert_id(self, sql: str, params: Mapping[str, Any]) -> int:
        """Run one ``INSERT ... RETURNING id`` and return the id."""
        ...

    def insert_rows(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert many rows of plain values (numbers, text, bytes) into ``table``."""
        ...


@runtime_checkable
class WriteTarget(Protocol):
    """A project as the import and the annotation use it."""

    @property
    def url(self) -> str:
        """The project's address (a key for per-project caches)."""
        ...

    def writing(self, scope: Scope = "structure") -> AbstractContextManager[Writer]:
        """One write transaction: committed (and counted) on success, else rolled back."""
        ...

    def reading(self) -> AbstractContextManager[Reader]:
        """One read transaction (one state of the project)."""
        ...


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: a time as naive UTC text, a date as
    ISO text, a dict or list as JSON; anything else as it is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def execute_in(
    writer: Writer, sql: str, values: Iterable[Any], params: Mapping[str, Any] | None = None
) -> None:
    """``sql`` once per chunk of ``values`` (``store.light.rows_in``'s write twin): its
    ``{values}`` becomes the chunk's ``IN`` list."""
    for chunk in chunked(values):
        marks, named = in_list("v", chunk)
        writer.execute(sql.format(values=marks), {**(params or {}), **named})


def insert_sql(table: str, columns: tuple[str, ...], style: str = "?") -> str:
    """``INSERT INTO table ("a", "b") VALUES (?, ?)`` (names quoted: ``end`` is a keyword)."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(style for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


class SqliteWriter:
    """A ``Writer`` on a ``sqlite3`` connection in a write transaction."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, dict(params or {})).fetchall()

    @staticmethod
    def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
        return {k: sqlite_value(v) for k, v in (params or {}).items()}

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._conn.execute(sql, self._params(params))

    def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._conn.executemany(sql, rows)

    def insert_id(self, sql: str, params: Mapping[str, Any]) -> int:
        row = self._conn.execute(sql, self._params(params)).fetchone()
        assert row is not None, "INSERT ... RETURNING id returned no row"
        return int(row[0])

    def insert_rows(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        if rows:
            self._conn.executemany(insert_sql(table, columns), rows)


class LightWriteProject:
    """A SQLite project opened read-write with ``sqlite3``: a ``WriteTarget``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self._conn = conn

    @contextmanager
    def writing(self, scope: Scope = "structure") -> Iterator[Writer]:
        del scope  # SQLite has one writer at a time: every scope takes the write lock
        try:
            sqlite_setup.begin_immediate(self._conn)
        except sqlite3.OperationalError as exc:  # as the CLI words it on the full path
            raise ProjectError(
                f"the database refused the operation: {exc}",
                "Another program may hold a lock on it; try again.",
            ) from exc
        try:
            yield SqliteWriter(self._conn)
            sqlite_setup.commit_counted(self._conn)
        except BaseException:
            self._conn.rollback()
            raise

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        self._conn.execute("BEGIN")
        try:
            yield SqliteWriter(self._conn)
        finally:
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LightWriteProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_light_writer(target: str | os.PathLike[str] | None) -> LightWriteProject | None:
    """The project read-write through ``sqlite3``, or None: take the full path.

    None for a database URL, a path that is not a non-empty file, a file SQLite cannot
    open, and any file ``store.light.is_current`` does not accept (an older schema is
    migrated by the full path, a foreign one refused there).
    """
    opened = connect_file(target, timeout=sqlite_setup.SQLITE_BUSY_TIMEOUT_MS / 1000)
    if opened is None:
        return None
    path, conn = opened
    try:
        conn.isolation_level = None
        conn.execute("BEGIN")  # the check sees one state of the file
        current = is_current(sqlite_contents_with(conn.execute))
        conn.execute("ROLLBACK")
        if current:
            sqlite_setup.set_up(conn)
            return LightWriteProject(path, conn)
    except sqlite3.Error:
        pass
    conn.close()
    return None


def as_write_target(project: Project | WriteTarget) -> WriteTarget:
    """What the import and the annotation write through: the light project itself, or a
    full ``db.Project`` behind ``store.writer.ProjectWriter`` (either backend)."""
    if isinstance(project, WriteTarget):
        return project
    from qualcode.store.writer import ProjectWriter

    return ProjectWriter(project)
