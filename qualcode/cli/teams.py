"""Team commands: a consistent backup of a project that others may be working on."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say
from qualcode.db import backup as backup_project


def register(app: typer.Typer) -> None:
    @app.command()
    def backup(
        ctx: typer.Context,
        file: Path = typer.Argument(..., metavar="FILE", help="The backup file to write."),
        force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Copy the whole project to FILE (a SQLite project file), safely while in use.

        Works on a SQLite project and on a PostgreSQL database (--db-url) alike; open the
        copy with `qualcode --project FILE`.
        """
        with open_from(ctx) as project:
            with progress_bar("backing up", enabled=not as_json) as progress:
                result = backup_project(project, file, overwrite=force, progress=progress)
        if as_json:
            emit_json(result.as_dict())
        else:
            rows = sum(result.tables.values())
            say(
                f"backed up {result.backend} project to {result.path} "
                f"({result.bytes / 1_000_000:.1f} MB, {rows} rows, {result.seconds:.1f} s)"
            )
