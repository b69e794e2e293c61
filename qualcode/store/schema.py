"""What a project file may contain, and which migration it is at.

A project file is data, not code: a file that carries triggers, views, rules or tables
that qualcode's schema does not have is refused before anything is written (a trigger
could silently flip every participant's consent to ``named``). The revision is read with
plain SQL; the migration files are read as text for their revision names, so Alembic is
imported only when a migration actually runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

from qualcode import models  # noqa: F401  (registers the tables on the metadata)
from qualcode.errors import ProjectError
from qualcode.store.light import Contents as Contents  # re-exported: ``db`` reads it here
from qualcode.store.light import sqlite_contents as sqlite_contents
from qualcode.store.light import sqlite_contents_with

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_REVISION = re.compile(r"^revision(?:\s*:\s*[\w\[\] |]+)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(
    r"^down_revision(?:\s*:\s*[\w\[\] |]+)?\s*=\s*(?:[\"']([^\"']+)[\"']|None)", re.M
)
_NOT_QUALCODE_HINT = "Give the path of a .qualcode file, or create one with `qualcode init PATH`."


@dataclass(frozen=True)
class Revisions:
    """The migrations this qualcode knows: every revision name, and the newest."""

    known: frozenset[str]
    head: str


@cache
def known_revisions() -> Revisions:
    """Read the revision names from the migration files (as text: no Alembic import)."""
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        down = _DOWN.search(source)
        parents[found.group(1)] = down.group(1) if down else None
    heads = set(parents) - {p for p in parents.values() if p}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return Revisions(frozenset(parents), heads.pop())


def head_revision() -> str:
    """The newest migration this qualcode knows."""
    return known_revisions().head


def alembic_config(connection: Connection | None) -> Config:
    """Alembic's configuration for qualcode's migrations, run on ``connection``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_on(conn: Connection, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on an open connection (inside its transaction)."""
    from alembic import command

    command.upgrade(alembic_config(conn), revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (used by open/create and by the migration tests)."""
    # A write transaction (BEGIN IMMEDIATE / the exclusive migration lock): two programs
    # opening an old project at once queue here, and the second finds nothing left to do.
    with engine.connect() as conn:
        conn = conn.execution_options(qualcode_write="migrate")
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            _sqlite_foreign_keys(conn, on=False)
        try:
            with conn.begin():
                before = _broken_references(conn) if sqlite else 0
                upgrade_on(conn, revision)
                if sqlite and _broken_references(conn) > before:
                    raise ProjectError(
                        "the schema upgrade would leave rows pointing at rows that do not "
                        "exist; nothing was changed",
                        "Keep using the qualcode that made the file, and report this with a "
                        "copy of it.",
                    )
        finally:
            if sqlite:
                _sqlite_foreign_keys(conn, on=True)


def _sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    """Foreign keys off while a migration rebuilds a table (SQLite's own procedure for a
    rebuild: dropping the old ``document`` with them on would cascade into every turn),
    set on the driver's connection so that no transaction is begun for it."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _broken_references(conn: Connection) -> int:
    """How many rows point at a row that does not exist (a file edited by another tool
    may hold some already; a migration must not add any)."""
    return len(conn.exec_driver_sql("PRAGMA foreign_key_check").all())


def revision_on(conn: Connection) -> str | None:
    """The revision a database is at (plain SQL), or None for one qualcode never touched."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = _revision_rows(list(conn.execute(text("SELECT version_num FROM alembic_version"))))
    return rows[0] if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The migration a database is at, or None for a database qualcode never touched."""
    with engine.connect() as conn:
        return revision_on(conn)


def expected_tables() -> set[str]:
    return {t.name for t in SQLModel.metadata.sorted_tables} | {"alembic_version"}


#: Tables an older schema had and a later migration removes (the 0003_tokens migration
#: converts ``token`` into ``term`` and ``posting``): allowed in a project not yet migrated.
RETIRED_TABLES = frozenset({"token"})


def _revision_rows(rows: list[Any]) -> list[str]:
    return [str(r[0]) for r in rows]


def server_contents(conn: Connection) -> Contents:
    """The same for a database behind a URL (on PostgreSQL: its current schema)."""
    if conn.dialect.name == "sqlite":
        return sqlite_contents_with(conn.exec_driver_sql)

    def names(sql: str) -> list[str]:
        return sorted(str(r[0]) for r in conn.execute(text(sql)))

    here = "current_schema()"
    tables = set(names(f"SELECT tablename FROM pg_tables WHERE schemaname = {here}"))
    views = names(f"SELECT viewname FROM pg_views WHERE schemaname = {here}")
    views += names(f"SELECT matviewname FROM pg_matviews WHERE schemaname = {here}")
    triggers = names(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal "
        f"AND n.nspname = {here}"
    )
    rules = names(f"SELECT rulename FROM pg_rules WHERE schemaname = {here}")
    revisions = (
        _revision_rows(list(conn.execute(text("SELECT version_num FROM alembic_version"))))
        if "alembic_version" in tables
        else []
    )
    return Contents(tables, views, triggers, rules, revisions)


def check_contents(contents: Contents, where: str) -> str | None:
    """The project's revision (None: no qualcode schema yet), or a clear refusal."""
    if not contents.revisions:
        if contents.tables - {"alembic_version"} or contents.views or contents.triggers:
            raise ProjectError(
                f"{where} is a database but not a qualcode project", _NOT_QUALCODE_HINT
            )
        return None
    if len(contents.revisions) > 1:
        raise ProjectError(
            f"{where} is damaged: it names {len(contents.revisions)} schema versions "
            f"({', '.join(contents.revisions)}) where a project has one",
            "Open a backup of the project; this file was changed by something other than qualcode.",
        )
    revision = contents.revisions[0]
    if revision not in known_revisions().known:
        raise ProjectError(
            f"{where} was made by a newer qualcode (schema version {revision!r}, "
            f"this qualcode knows up to {head_revision()!r})",
            "Update qualcode (pip install -U qualcode) to open it; the file was not changed.",
        )
    _refuse_foreign_objects(contents, where, old=revision != head_revision())
    return revision


def _refuse_foreign_objects(contents: Contents, where: str, old: bool = False) -> None:
    expected = expected_tables() | (RETIRED_TABLES if old else frozenset())
    found = [f"trigger {n!r}" for n in contents.triggers]
    found += [f"view {n!r}" for n in contents.views]
    found += [f"rule {n!r}" for n in contents.rules]
    found += [f"table {n!r}" for n in sorted(contents.tables - expected)]
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise ProjectError(
            f"{where} holds things qualcode's schema does not have ({shown}); "
            "a project file is data, and these could change it behind your back",
            "qualcode did not open or change it. Open a backup, or ask whoever gave you the "
            "file for one made by qualcode alone.",
        )
