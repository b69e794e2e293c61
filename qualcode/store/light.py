"""The light read path: a SQLite project read with the standard library alone.

A listing on the command line (``documents list --json``, a lemma search) should answer in
a fraction of a second, and importing SQLAlchemy and SQLModel alone takes longer than
that. So a read-only command on a SQLite file first tries ``open_light``: it opens the file
with ``sqlite3`` alone, for reading only (``PRAGMA query_only``), and goes ahead only if
the file is, without doubt, a qualcode project at the one schema revision this path was
written for (``HEAD_REVISION``, ``TABLES``) holding nothing else — no trigger, view or
unknown table. Anything else (a
database URL, a missing or empty file, an older or newer schema, a foreign object, a file
SQLite cannot read) gives None, and the command takes the full path through
``db.open_project``, which migrates, refuses or explains exactly as it always has. The
light path never writes.

The queries are written once, as plain SQL with ``:name`` parameters, against a
``Reader``: a ``LightProject`` here, or ``store.reader.SessionReader`` over an ORM session
on the full path (either backend), so both paths run the same statements.
``tests/store/test_light.py`` holds ``HEAD_REVISION`` and ``TABLES`` to Alembic's head and
the models, and the two paths' answers to each other.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

#: The schema revision the light path reads (Alembic's head; a test keeps them equal).
HEAD_REVISION = "restored_ids_never_reused"
#: Every table of the schema at ``HEAD_REVISION`` (``models.py``; a test keeps them equal).
TABLES = frozenset(
    {
        "action_log", "alembic_version", "code", "coder", "coding", "document",
        "document_participant", "memo", "packet", "participant", "posting", "project_setting",
        "quote", "quote_event", "sentence", "suggestion", "term", "trained_model", "turn",
    }
)  # fmt: skip
DEFAULT_PROJECT = "project.qualcode"
# Tables SQLite keeps for itself (AUTOINCREMENT counters, ANALYZE statistics).
SQLITE_OWN = frozenset(
    {"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}
)


class Reader(Protocol):
    """Runs one read-only statement (``:name`` parameters) and returns its rows."""

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """All rows of ``sql`` as tuples."""
        ...


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """``:name_0, :name_1, ...`` for an ``IN (...)`` and the parameters that go with it
    (plain named parameters, so the same text runs on sqlite3 and through SQLAlchemy)."""
    params = {f"{name}_{i}": v for i, v in enumerate(values)}
    return ", ".join(f":{key}" for key in params) or "NULL", params


IN_CHUNK = 900  # values in one SQL ``IN (...)``: below SQLite's old limit of 999 parameters


def chunked(values: Iterable[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size``, one ``IN (...)`` each."""
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rows_in(
    reader: Reader, sql: str, values: Iterable[Any], params: Mapping[str, Any] | None = None
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` whose ``{values}`` is an ``IN`` list of ``values``, read a chunk
    (``IN_CHUNK``) at a time; ``params``: its other parameters."""
    for chunk in chunked(values):
        marks, named = in_list("v", chunk)
        yield from reader.rows(sql.format(values=marks), {**(params or {}), **named})


@dataclass
class Contents:
    """What a database holds, as far as opening it as a project is concerned."""

    tables: set[str]
    views: list[str]
    triggers: list[str]
    rules: list[str]
    revisions: list[str]


def sqlite_contents_with(run: Callable[[str], Any]) -> Contents:
    """A SQLite database's objects and revision, read through ``run(sql) -> cursor``."""
    objects = [(str(t), str(n)) for t, n in run("SELECT type, name FROM sqlite_master").fetchall()]
    tables = {n for t, n in objects if t == "table"} - SQLITE_OWN
    revisions = (
        [str(r[0]) for r in run("SELECT version_num FROM alembic_version").fetchall()]
        if "alembic_version" in tables
        else []
    )
    return Contents(
        tables=tables,
        views=sorted(n for t, n in objects if t == "view"),
        triggers=sorted(n for t, n in objects if t == "trigger"),
        rules=[],
        revisions=revisions,
    )


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def sqlite_contents(path: Path) -> Contents:
    """Read a SQLite file's objects and revision read-only: the file is not touched."""
    conn = _read_only(path)
    try:
        return sqlite_contents_with(conn.execute)
    finally:
        conn.close()


def is_current(contents: Contents) -> bool:
    """A project at ``HEAD_REVISION`` with nothing in it that qualcode's schema lacks."""
    return (
        contents.revisions == [HEAD_REVISION]
        and contents.tables <= TABLES
        and not (contents.views or contents.triggers or contents.rules)
    )


def resolve_target(target: str | os.PathLike[str] | None) -> str | os.PathLike[str]:
    """The project the options name: ``target``, else ``$QUALCODE_DATABASE_URL``, else
    ``$QUALCODE_PROJECT``, else ``./project.qualcode`` (as ``db.open_project`` reads it)."""
    if target is not None:
        return target
    return (
        os.environ.get("QUALCODE_DATABASE_URL")
        or os.environ.get("QUALCODE_PROJECT")
        or DEFAULT_PROJECT
    )


class LightProject:
    """A SQLite project opened read-only with ``sqlite3``: a ``Reader``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        # sqlite3's rows are tuples already (no row factory is set): no copy
        return self._conn.execute(sql, dict(params or {})).fetchall()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LightProject:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def connect_file(
    target: str | os.PathLike[str] | None, timeout: float = 5.0
) -> tuple[Path, sqlite3.Connection] | None:
    """The project file ``target`` names and a ``sqlite3`` connection to it (``mode=rw``:
    never created), or None for a database URL, a path that is not a non-empty file, or a
    file SQLite cannot open. Nothing is read yet."""
    resolved = resolve_target(target)
    if "://" in str(resolved):
        return None
    path = Path(resolved).expanduser().resolve()
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        # ``mode=rw`` even to read: ``mode=ro`` would leave empty -wal and -shm files
        # beside a WAL project, which only a read-write connection removes when it closes
        # last.
        return path, sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=timeout)
    except (OSError, sqlite3.Error):
        return None


def open_light(target: str | os.PathLike[str] | None) -> LightProject | None:
    """The project read-only through ``sqlite3``, or None: take the full path.

    None for a database URL, a path that is not a non-empty file, a file SQLite cannot
    read, and any file that ``is_current`` does not accept. The whole check and every
    later read run in one read transaction, so they see one state of the file.
    """
    opened = connect_file(target)
    if opened is None:
        return None
    path, conn = opened
    try:
        conn.execute("PRAGMA query_only = ON")  # SQLite refuses any change through it
        conn.execute("BEGIN")  # one snapshot for the check and the reads (never committed)
        if is_current(sqlite_contents_with(conn.execute)):
            return LightProject(path, conn)
    except sqlite3.Error:
        pass
    conn.close()
    return None
