"""Opening a project: the one public face of the store.

A project is a SQLite file (the default, one researcher) or a PostgreSQL database URL
(a team). ``open_project`` refuses a file that is not purely a qualcode project (see
``qualcode.store.schema``), then brings the schema to the newest migration before anything
else touches it, so a project made by an older qualcode opens in a newer one.

The parts live in ``qualcode.store``: ``engine`` (``Project``, write transactions and
their locks), ``schema`` (revisions, migrations, what a project may contain), ``copying``
(backup, copy) and ``changes`` (``change_marker``, ``ChangeFeed``). Import them from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from qualcode.errors import ProjectError
from qualcode.store.changes import ChangeFeed, Marker, change_marker, read_marker
from qualcode.store.copying import (
    BackupResult,
    backup,
    backup_before_migration,
    backup_sqlite,
    copy_database,
    copy_project,
    integrity_problems,
    redact,
)
from qualcode.store.engine import (
    CHANGE_COUNTER_KEY,
    Project,
    WriteScope,
    is_database_url,
    lock_coder,
    lock_key,
    make_engine,
    sqlite_url,
)
from qualcode.store.light import resolve_target
from qualcode.store.schema import (
    alembic_config,
    check_contents,
    current_revision,
    head_revision,
    server_contents,
    sqlite_contents,
    upgrade,
    upgrade_on,
)

__all__ = [
    "CHANGE_COUNTER_KEY",
    "DEFAULT_PROJECT",
    "BackupResult",
    "ChangeFeed",
    "Marker",
    "Project",
    "WriteScope",
    "backup",
    "backup_sqlite",
    "change_marker",
    "command_upgrade_on",
    "copy_database",
    "copy_project",
    "current_revision",
    "head_revision",
    "integrity_problems",
    "is_database_url",
    "lock_coder",
    "lock_key",
    "open_project",
    "read_marker",
    "upgrade",
]

DEFAULT_PROJECT = "project.qualcode"
NOT_A_PROJECT_HINT = "Give the path of a .qualcode file, or create one with `qualcode init PATH`."

# Older names, kept for callers and tests that use them.
_make_engine = make_engine
_alembic_config = alembic_config
command_upgrade_on = upgrade_on


def _check_file(path: Path, where: str, create: bool) -> str | None:
    """A project file's revision, read without changing a byte; or a clear refusal."""
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
        return None
    if path.stat().st_size == 0:
        return None
    try:
        contents = sqlite_contents(path)
    except Exception as exc:  # noqa: BLE001 - whatever SQLite says, the answer is "not ours"
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise ProjectError(
                f"{where} is not a qualcode project (not a SQLite database)", NOT_A_PROJECT_HINT
            ) from exc
        raise ProjectError(f"cannot open {where}: {exc}", NOT_A_PROJECT_HINT) from exc
    return check_contents(contents, where)


def _check_server(engine: Engine, where: str) -> str | None:
    try:
        with engine.connect() as conn:
            return check_contents(server_contents(conn), where)
    except ProjectError:
        raise
    except OperationalError:
        raise
    except DBAPIError as exc:
        raise ProjectError(
            f"{where} is not a qualcode project: {exc.orig}", NOT_A_PROJECT_HINT
        ) from exc


def open_project(target: str | os.PathLike[str] | None = None, *, create: bool = False) -> Project:
    """Open (or with ``create=True`` make) a project and migrate it to the newest schema.

    ``target`` is a file path or a database URL; None means ``$QUALCODE_DATABASE_URL``,
    then ``$QUALCODE_PROJECT``, then ``./project.qualcode``. Everything that can refuse
    the project (not a project, made by a newer qualcode, carries triggers or views) is
    checked before anything is written; a migration backs the file up first.
    """
    target = resolve_target(target)
    path: Path | None = None
    rev: str | None = None
    if is_database_url(target):
        url = str(target)
        where = redact(url)
    else:
        path = Path(target).expanduser().resolve()
        where = str(target)
        rev = _check_file(path, where, create)
        url = sqlite_url(path)
    try:
        engine = make_engine(url)
    except Exception as exc:
        raise ProjectError(f"cannot open database {where}: {exc}") from exc
    try:
        if path is None:
            rev = _check_server(engine, where)
        if rev is None and not create:
            raise ProjectError(
                f"{where} has no qualcode schema yet",
                "Create it with `qualcode init` (add --db-url for a database server).",
            )
        if rev != head_revision():
            if rev is not None and path is not None:
                backup_before_migration(path, engine, rev)
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
