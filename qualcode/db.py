"""Opening a project: the engine, SQLite pragmas, transactions and migrations.

A project is a SQLite file (the default, one researcher) or a PostgreSQL database URL
(a team). Either way ``open_project`` brings the schema to the newest migration before
anything else touches it, so a project made by an older qualcode opens in a newer one.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from qualcode import models
from qualcode.errors import ProjectError

DEFAULT_PROJECT = "project.qualcode"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_MIGRATIONS = Path(__file__).parent / "migrations"

T = TypeVar("T")


def is_database_url(target: str | os.PathLike[str]) -> bool:
    """True for ``postgresql+psycopg://...`` or ``sqlite:///...``, false for a file path."""
    return "://" in str(target)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            # We issue BEGIN ourselves (below) so that write transactions take the write
            # lock up front instead of failing half-way with "database is locked".
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            if conn.get_execution_options().get("qualcode_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Project:
    """An open project: the engine plus the few things every layer needs from it."""

    def __init__(self, engine: Engine, url: str, path: Path | None) -> None:
        self.engine = engine
        self.url = url
        self.path = path

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
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error.

        On SQLite the write lock is taken at BEGIN (IMMEDIATE), so two writers queue on the
        busy timeout instead of one failing half-way through.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(qualcode_write=True)
            session = Session(bind=conn, expire_on_commit=False)
            try:
                with session.begin():
                    yield session
            finally:
                session.close()

    def write(self, work: Callable[[Session], T], attempts: int = 8) -> T:
        """Run ``work`` in a transaction, retrying a bounded number of times when locked.

        ``work`` must be safe to run again: it sees a fresh session each attempt.
        """
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except OperationalError as exc:
                if not _is_lock_error(exc) or attempt == attempts:
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
        with self.session() as s:
            return {r.key: r.value for r in s.exec(select(models.ProjectSetting))}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


def _alembic_config(connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this qualcode knows."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration a database is at, or None for a database qualcode never touched."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (used by open/create and by the migration tests)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def _backup_before_migration(path: Path, engine: Engine, from_rev: str) -> Path:
    """Copy the project aside before changing its schema; the copy is a working project."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.before-{from_rev}-{stamp}.bak")
    backup_sqlite(engine, target)
    return target


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent copy of a live SQLite project through the online backup API."""
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(target))
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    finally:
        raw.close()


def _check_is_qualcode(engine: Engine, where: str) -> str | None:
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception as exc:  # a file that is not a database at all
        raise ProjectError(
            f"{where} is not a qualcode project (cannot read it as a database: {exc})",
            "Give the path of a .qualcode file, or create one with `qualcode init PATH`.",
        ) from exc
    rev = current_revision(engine) if "alembic_version" in tables else None
    if rev is None and tables - {"alembic_version"}:
        raise ProjectError(
            f"{where} is a database but not a qualcode project",
            "Give the path of a .qualcode file, or create one with `qualcode init PATH`.",
        )
    return rev


def open_project(
    target: str | os.PathLike[str] | None = None, *, create: bool = False
) -> Project:
    """Open (or with ``create=True`` make) a project and migrate it to the newest schema.

    ``target`` is a file path or a database URL; None means ``$QUALCODE_DATABASE_URL``,
    then ``$QUALCODE_PROJECT``, then ``./project.qualcode``.
    """
    if target is None:
        target = (
            os.environ.get("QUALCODE_DATABASE_URL")
            or os.environ.get("QUALCODE_PROJECT")
            or DEFAULT_PROJECT
        )
    path: Path | None = None
    if is_database_url(target):
        url = str(target)
        where = _redact(url)
    else:
        path = Path(target).expanduser().resolve()
        where = str(target)
        if path.is_dir():
            raise ProjectError(f"{where} is a folder, not a project file")
        if not path.exists():
            if not create:
                raise ProjectError(
                    f"no project at {where}",
                    "Create one with `qualcode init PATH`, try `qualcode demo`, "
                    "or point --project / QUALCODE_PROJECT at an existing file.",
                )
            if not path.parent.exists():
                raise ProjectError(f"cannot create {where}: folder {path.parent} does not exist")
        elif path.stat().st_size > 0:
            with open(path, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise ProjectError(
                        f"{where} is not a qualcode project (not a SQLite database)",
                        "Give the path of a .qualcode file, or create one with `qualcode init`.",
                    )
        url = _sqlite_url(path)
    try:
        engine = _make_engine(url)
    except Exception as exc:
        raise ProjectError(f"cannot open database {where}: {exc}") from exc
    try:
        rev = _check_is_qualcode(engine, where)
        if rev is None and not create:
            if path is None or path.exists():
                raise ProjectError(
                    f"{where} has no qualcode schema yet",
                    "Create it with `qualcode init` (add --db-url for a database server).",
                )
        head = head_revision()
        if rev != head:
            if rev is not None and path is not None:
                _backup_before_migration(path, engine, rev)
            upgrade(engine)
    except ProjectError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise ProjectError(
            f"cannot open database {where}: {exc.orig}",
            "Check the path or URL, that the server runs, and your permissions.",
        ) from exc
    return Project(engine, url, path)


def _redact(url: str) -> str:
    """A URL fit for an error message: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database URL"
