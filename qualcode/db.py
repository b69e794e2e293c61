"""Opening a project: the engine, SQLite pragmas, transactions and migrations.

A project is a SQLite file (the default, one researcher) or a PostgreSQL database URL
(a team). Either way ``open_project`` brings the schema to the newest migration before
anything else touches it, so a project made by an older qualcode opens in a newer one.

For teams (docs/teams.md): writers take turns on both backends (``Project.transaction``),
``change_marker`` tells a screen that someone else changed something, and ``backup``
copies a live project into one verified SQLite file.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Table,
    cast,
    create_engine,
    event,
    func,
    insert,
    inspect,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, SQLModel, select

from qualcode import models
from qualcode.errors import ProjectError
from qualcode.progress import Progress, no_progress

DEFAULT_PROJECT = "project.qualcode"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a write waits for another writer (e.g. a big import) before it gives up with
# "database is locked"; ``Project.write`` may then try the whole work again.
SQLITE_WRITE_WAIT_S = 60.0
# PostgreSQL: every write transaction takes this transaction-level advisory lock first, so
# writers queue one at a time exactly as on SQLite (see docs/teams.md, "Concurrency").
PG_WRITE_LOCK_KEY = 0x5155414C  # "QUAL"
PG_LOCK_TIMEOUT = "60s"
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
                _begin_immediate(conn)
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _postgres_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # One writer at a time, like SQLite: check-then-insert code (a new coder, a unique
        # title, a quote's version) then cannot race with another coder's transaction.
        # READ COMMITTED takes a fresh snapshot per statement, so everything committed
        # before the lock was granted is visible to the statements after it.
        if conn.get_execution_options().get("qualcode_write"):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK_KEY})")

    return engine


def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
    """BEGIN IMMEDIATE, polled with a short, jittered, bounded backoff while another writer
    holds the lock.

    SQLite's own busy handler sleeps in steps of up to 100 ms, so with several coders
    writing at once most of the time goes to sleeping; polling every few milliseconds keeps
    the queue moving. The busy timeout is switched off only for the BEGIN itself.
    """
    deadline = time.monotonic() + SQLITE_WRITE_WAIT_S
    delay = 0.001
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 1.5, 0.05)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


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

        Writers take turns: on SQLite the write lock is taken at BEGIN (IMMEDIATE, polled
        for up to ``SQLITE_WRITE_WAIT_S``), on PostgreSQL a transaction-level advisory lock,
        so two writers queue instead of one failing half-way through, and "look, then
        insert" code inside cannot race. Every commit also counts one change for
        ``change_marker``.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(qualcode_write=True)
            session = Session(bind=conn, expire_on_commit=False)
            try:
                with session.begin():
                    yield session
                    _bump_change_counter(session)
            finally:
                session.close()

    def write(self, work: Callable[[Session], T], attempts: int = 8) -> T:
        """Run ``work`` in a transaction, retrying a bounded number of times when locked.

        Retried: SQLite "database is locked" after the wait ran out; PostgreSQL
        serialization failures, deadlocks and lock timeouts. ``work`` must be safe to run
        again: it sees a fresh session each attempt.
        """
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except DBAPIError as exc:
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
        """The project's settings (internal bookkeeping keys, starting with ``_``, left out)."""
        with self.session() as s:
            return {
                r.key: r.value
                for r in s.exec(select(models.ProjectSetting))
                if not r.key.startswith("_")
            }

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


CHANGE_COUNTER_KEY = "_change_counter"


def _bump_change_counter(session: Session) -> None:
    """Count committed write transactions: the exact half of ``change_marker``."""
    table = models.ProjectSetting.__table__
    key = table.c.key
    value = table.c.value
    bumped = session.execute(
        update(table)
        .where(key == CHANGE_COUNTER_KEY)
        .values(value=cast(cast(value, Integer) + 1, String))
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(table).values(key=CHANGE_COUNTER_KEY, value="1"))


def change_marker(project: Project) -> str:
    """A short string that changes whenever anyone commits a change to the project.

    Cheap enough to poll every couple of seconds (one small query): the TUI compares it with
    the last value it saw and reloads what it shows when it differs. It combines the count
    of write transactions (bumped by every ``Project.transaction``) with the size and
    newest id of the tables people look at, so writes made some other way show up too.
    """
    watched = [
        models.Document,
        models.Coding,
        models.Code,
        models.Quote,
        models.QuoteEvent,
        models.Memo,
        models.Participant,
        models.Suggestion,
        models.Packet,
    ]
    table = models.ProjectSetting.__table__
    columns = [select(table.c.value).where(table.c.key == CHANGE_COUNTER_KEY).scalar_subquery()]
    for model in watched:
        t = model.__table__  # type: ignore[attr-defined]
        columns.append(select(func.count()).select_from(t).scalar_subquery())
        columns.append(select(func.max(t.c.id)).scalar_subquery())
    columns.append(select(func.sum(models.Quote.__table__.c.version)).scalar_subquery())
    with project.engine.connect() as conn:
        row = conn.execute(sa_select(*columns)).one()
    return ".".join("-" if v is None else str(v) for v in row)


# SQLSTATEs worth another try: serialization failure, deadlock, lock not available.
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}


def _is_lock_error(exc: DBAPIError) -> bool:
    """A lock or transient conflict that the same work may pass on another attempt."""
    state = getattr(exc.orig, "sqlstate", None)
    if state in _PG_RETRY_STATES:
        return True
    if not isinstance(exc, OperationalError):
        return False
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

    # A write transaction (BEGIN IMMEDIATE / the advisory lock): two programs opening an
    # old project at once queue here, and the second finds nothing left to do.
    with engine.connect() as conn:
        conn = conn.execution_options(qualcode_write=True)
        with conn.begin():
            command.upgrade(_alembic_config(conn), revision)


def _backup_before_migration(path: Path, engine: Engine, from_rev: str) -> Path:
    """Copy the project aside before changing its schema; the copy is a working project.

    If the copy cannot be made the schema is not touched: no migration without a way back.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.before-{from_rev}-{stamp}.bak")
    try:
        backup_sqlite(engine, target)
    except (OSError, sqlite3.Error, DBAPIError) as exc:
        raise ProjectError(
            f"{path} needs a schema upgrade, but the backup before it failed: {exc}",
            f"Free some space or fix the permissions in {path.parent}, then open it again.",
        ) from exc
    return target


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent copy of a live SQLite project through the online backup API.

    The copy is written beside ``target`` and renamed into place, so a crash never leaves
    a half backup under the wanted name.
    """
    from qualcode.safe_write import temp_path_for

    tmp = temp_path_for(target)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dest.close()
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        raw.close()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def _is_sqlite_file(path: Path) -> bool:
    """Ask SQLite itself, read-only, whether ``path`` is a database.

    Never ``open()`` a live project file from Python: closing that descriptor drops every
    POSIX lock this process holds on the file, including those of its open SQLite
    connections — another process may then checkpoint and delete the WAL under them, and
    the database is corrupt (sqlite.org/howtocorrupt.html, 2.2). SQLite's own connections
    share their locks per file and do not have this problem.
    """
    try:
        probe = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        # "file is not a database" is the answer; anything else (a read-only folder, a
        # locked file) is left for the real open to report in its own words.
        return "not a database" not in str(exc)
    return True


def open_project(target: str | os.PathLike[str] | None = None, *, create: bool = False) -> Project:
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
        elif path.stat().st_size > 0 and not _is_sqlite_file(path):
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


def integrity_problems(project: Project) -> list[str]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` find (SQLite); [] is clean.

    On PostgreSQL the server keeps its own files consistent; only the foreign keys of
    tables are checked there by the database itself, so nothing is reported.
    """
    if not project.is_sqlite:
        return []
    problems: list[str] = []
    with project.engine.connect() as conn:
        for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
            if line != "ok":
                problems.append(str(line))
        for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
            problems.append(f"foreign key: {tuple(row)}")
    return problems


@dataclass
class BackupResult:
    """What ``backup`` wrote: where, from which backend, how big, rows per table."""

    path: str
    backend: str
    bytes: int
    tables: dict[str, int]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "backend": self.backend,
            "bytes": self.bytes,
            "tables": self.tables,
            "seconds": round(self.seconds, 3),
        }


def backup(
    project: Project,
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Progress = no_progress,
) -> BackupResult:
    """A consistent copy of the project as a SQLite project file, while others work on.

    SQLite: the online backup API (a snapshot; writers are not stopped). PostgreSQL: every
    table copied through SQLAlchemy inside one REPEATABLE READ transaction (one snapshot),
    into a new SQLite file at the same schema revision — a portable file that opens with
    ``qualcode --project FILE`` anywhere. Either way the file appears under its name only
    when complete, and is checked (integrity and row counts) before it is.
    """
    from qualcode.safe_write import temp_path_for

    started = time.perf_counter()
    out = Path(target).expanduser().resolve()
    if out.is_dir():
        raise ProjectError(f"{target} is a folder", "Give the name of the backup file to write.")
    if not out.parent.is_dir():
        raise ProjectError(f"cannot write {target}: folder {out.parent} does not exist")
    if project.path is not None and out == project.path.resolve():
        raise ProjectError("the backup cannot replace the project itself", "Give another name.")
    if out.exists() and not overwrite:
        raise ProjectError(f"{target} already exists", "Choose another name, or add --force.")
    tmp = temp_path_for(out)
    try:
        if project.is_sqlite:
            progress(0, 1, "copying")
            backup_sqlite(project.engine, tmp)
            progress(1, 1, "")
        else:
            _copy_to_sqlite(project.engine, tmp, progress)
        tables = _verify_copy(tmp)
        _fsync_file(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise ProjectError(f"cannot write the backup {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(
        path=str(out),
        backend=project.engine.dialect.name,
        bytes=out.stat().st_size,
        tables=tables,
        seconds=time.perf_counter() - started,
    )


def _copyable_tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name != "alembic_version"]


def _copy_to_sqlite(source: Engine, target: Path, progress: Progress) -> None:
    """Copy every qualcode table from ``source`` into a new SQLite project at ``target``."""
    dest = _make_engine(_sqlite_url(target))
    try:
        copy_database(source, dest, progress)
    finally:
        dest.dispose()
    raw = sqlite3.connect(str(target))
    try:
        raw.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        raw.close()


def copy_database(
    source: Engine, dest: Engine, progress: Progress = no_progress, batch: int = 2000
) -> dict[str, int]:
    """Copy a whole project from one database into another, empty one (any backends).

    Reads in one REPEATABLE READ transaction (a consistent snapshot on PostgreSQL; SQLite
    reads are snapshots anyway), creates the same schema revision in ``dest`` through the
    migrations, and copies the rows with their ids. Also how a team moves a project that
    began as a file onto its PostgreSQL server (see docs/teams.md).
    """
    with source.connect() as src:
        if source.dialect.name != "sqlite":
            src = src.execution_options(isolation_level="REPEATABLE READ")
        with src.begin():
            revision = _revision_on(src)
            if revision is None:
                raise ProjectError("the source database has no qualcode schema to copy")
            if _check_is_qualcode(dest, "the target database") is not None:
                raise ProjectError(
                    "the target database already holds a qualcode project",
                    "Copy into an empty database (or a new file).",
                )
            with dest.connect() as conn:
                conn = conn.execution_options(qualcode_write=True)
                with conn.begin():
                    command_upgrade_on(conn, revision)
            tables = _copyable_tables()
            counts: dict[str, int] = {}
            with dest.connect() as conn:
                conn = conn.execution_options(qualcode_write=True)
                with conn.begin():
                    for n, table in enumerate(tables):
                        progress(n, len(tables), table.name)
                        counts[table.name] = _copy_table(src, conn, table, batch)
                    if dest.dialect.name == "postgresql":
                        _reset_sequences(conn, tables)
            progress(len(tables), len(tables), "")
    return counts


def _copy_table(src: Connection, dst: Connection, table: Table, batch: int) -> int:
    """Copy one table; a column pointing into the same table (a code's parent) is filled
    in afterwards, since a parent may come after its child."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    pk = list(table.primary_key.columns)
    copied = 0
    later: list[dict[str, object]] = []
    result = src.execution_options(yield_per=batch).execute(table.select().order_by(*pk))
    for chunk in result.mappings().partitions(batch):
        rows = [dict(r) for r in chunk]
        if self_refs:
            for row in rows:
                refs = {c: row[c] for c in self_refs if row[c] is not None}
                if refs:
                    later.append({**{c.name: row[c.name] for c in pk}, **refs})
                    for c in refs:
                        row[c] = None
        dst.execute(table.insert(), rows)
        copied += len(rows)
    for fix in later:
        where = [c == fix[c.name] for c in pk]
        dst.execute(update(table).where(*where).values({c: fix[c] for c in self_refs if c in fix}))
    return copied


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """After copying ids into PostgreSQL, the id sequences continue after the largest."""
    for table in tables:
        if "id" not in table.c or not isinstance(table.c.id.type, Integer):
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
        )


def _revision_on(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def command_upgrade_on(conn: Connection, revision: str) -> None:
    """Run the migrations up to ``revision`` on an open connection (inside its transaction)."""
    from alembic import command

    command.upgrade(_alembic_config(conn), revision)


def _verify_copy(path: Path) -> dict[str, int]:
    """Open the copy as a project would be opened; integrity and row counts, or an error."""
    raw = sqlite3.connect(str(path))
    try:
        problems = [r[0] for r in raw.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [str(r) for r in raw.execute("PRAGMA foreign_key_check")]
        if problems:
            raise ProjectError(
                "the backup copy failed its integrity check: " + "; ".join(problems[:5]),
                "Nothing was written under the backup's name. Try again; if it fails "
                "again, check the disk.",
            )
        names = [t.name for t in _copyable_tables()]
        have = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            name: raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names
            if name in have
        }
    finally:
        raw.close()


def copy_project(
    project: Project, target: str | os.PathLike[str], progress: Progress = no_progress
) -> dict[str, int]:
    """Copy an open project into a new file or an empty database (URL); rows per table.

    For a backup of a live project use ``backup`` (atomic, verified); this is the move
    from one place to another, e.g. a file onto the team's PostgreSQL server.
    """
    if is_database_url(target):
        url, where = str(target), _redact(str(target))
    else:
        path = Path(target).expanduser().resolve()
        if path.exists():
            raise ProjectError(f"{target} already exists", "Give the name of a new file.")
        url, where = _sqlite_url(path), str(target)
    try:
        dest = _make_engine(url)
    except Exception as exc:
        raise ProjectError(f"cannot open database {where}: {exc}") from exc
    try:
        return copy_database(project.engine, dest, progress)
    except OperationalError as exc:
        raise ProjectError(f"cannot copy into {where}: {exc.orig}") from exc
    finally:
        dest.dispose()
