"""Copies of a project: a verified backup while others work on, and moving a project
from one database to another (a file onto the team's PostgreSQL server)."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from sqlalchemy import Connection, Engine, Integer, Table, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import SQLModel

from qualcode.errors import ProjectError
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import temp_path_for
from qualcode.store.engine import Project, is_database_url, make_engine, sqlite_url
from qualcode.store.schema import current_revision, revision_on, upgrade_on


def redact(url: str) -> str:
    """A URL fit for an error message: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database URL"


def backup_before_migration(path: Path, engine: Engine, from_rev: str) -> Path:
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
    tmp = temp_path_for(target)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            source.backup(dest)
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


class BackupDict(TypedDict):
    """`backup --json`."""

    path: str
    backend: str
    bytes: int
    tables: dict[str, int]
    seconds: float


@dataclass
class BackupResult:
    """What ``backup`` wrote: where, from which backend, how big, rows per table."""

    path: str
    backend: str
    bytes: int
    tables: dict[str, int]
    seconds: float

    def as_dict(self) -> BackupDict:
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
    dest = make_engine(sqlite_url(target))
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
            revision = revision_on(src)
            if revision is None:
                raise ProjectError("the source database has no qualcode schema to copy")
            if current_revision(dest) is not None:
                raise ProjectError(
                    "the target database already holds a qualcode project",
                    "Copy into an empty database (or a new file).",
                )
            with dest.connect() as conn:
                conn = conn.execution_options(qualcode_write="migrate")
                with conn.begin():
                    upgrade_on(conn, revision)
            tables = _copyable_tables()
            counts: dict[str, int] = {}
            with dest.connect() as conn:
                conn = conn.execution_options(qualcode_write="migrate")
                with conn.begin():
                    for n, table in enumerate(tables):
                        progress(n, len(tables), table.name)
                        counts[table.name] = _copy_table(src, conn, table, batch)
                    counters = _id_counters(src, tables)
                    if dest.dialect.name == "postgresql":
                        _reset_sequences(conn, tables, counters)
                    else:
                        _raise_counters(conn, counters)
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


def _serial_tables(tables: list[Table]) -> list[Table]:
    """The tables whose rows have an integer ``id`` a counter gives out."""
    return [t for t in tables if "id" in t.c and isinstance(t.c.id.type, Integer)]


def _id_counters(src: Connection, tables: list[Table]) -> dict[str, int]:
    """The last id the source gave out, per table, where it keeps one: SQLite's
    ``AUTOINCREMENT`` counters, PostgreSQL's sequences. It can lie above every stored id
    (a coding undone, its id kept for redo), and the copy must not give that id out again."""
    if src.dialect.name == "sqlite":
        found = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        if src.exec_driver_sql(found).first() is None:
            return {}
        rows = src.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all()
        return {str(name): int(seq) for name, seq in rows}
    counters: dict[str, int] = {}
    for table in _serial_tables(tables):
        given = src.exec_driver_sql(
            "SELECT s.last_value FROM pg_sequences s WHERE quote_ident(s.schemaname) || '.'"
            " || quote_ident(s.sequencename) = pg_get_serial_sequence(%(table)s, 'id')",
            {"table": f'"{table.name}"'},
        ).scalar()
        if given is not None:
            counters[table.name] = int(given)
    return counters


def _raise_counters(conn: Connection, counters: dict[str, int]) -> None:
    """SQLite's ``AUTOINCREMENT`` counters (set by the ids copied in) raised to the
    source's where it gave out more."""
    for name, given in counters.items():
        conn.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (given, name)
        )


def _reset_sequences(conn: Connection, tables: list[Table], counters: dict[str, int]) -> None:
    """After copying ids into PostgreSQL, the id sequences continue after the largest id
    stored or given out by the source (``counters``)."""
    for table in _serial_tables(tables):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'GREATEST(COALESCE((SELECT max(id) FROM "{table.name}"), 0), %(given)s) + 1,'
            " false)",
            {"given": counters.get(table.name, 0)},
        )


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
        url, where = str(target), redact(str(target))
    else:
        path = Path(target).expanduser().resolve()
        if path.exists():
            raise ProjectError(f"{target} already exists", "Give the name of a new file.")
        url, where = sqlite_url(path), str(target)
    try:
        dest = make_engine(url)
    except Exception as exc:
        raise ProjectError(f"cannot open database {where}: {exc}") from exc
    try:
        return copy_database(project.engine, dest, progress)
    except OperationalError as exc:
        raise ProjectError(f"cannot copy into {where}: {exc.orig}") from exc
    finally:
        dest.dispose()


class CopyDict(TypedDict):
    """`copy --json`: where the rows went (a file name, or "database" for a URL, so no
    password reaches the output) and rows per table."""

    target: str
    tables: dict[str, int]


def copy_report(target: str | os.PathLike[str], tables: dict[str, int]) -> CopyDict:
    """What ``copy_project`` did, as `copy --json` prints it."""
    where = "database" if is_database_url(target) else str(target)
    return CopyDict(target=where, tables=tables)
