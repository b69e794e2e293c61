"""Team commands: a consistent backup of a project in use; moving a project to a server."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say


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
        from qualcode.db import backup as backup_project

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

    @app.command()
    def copy(
        ctx: typer.Context,
        target: str = typer.Argument(
            ..., metavar="TARGET", help="A new project file, or the URL of an empty database."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Copy the project, every row with its id, into a new file or an empty database.

        How a study that began as a file moves onto the team's PostgreSQL server:
        `qualcode -p study.qualcode copy postgresql+psycopg://ida@db.example.org/kraeftplan`.
        """
        from qualcode.db import copy_project

        with open_from(ctx) as project:
            with progress_bar("copying", enabled=not as_json) as progress:
                rows = copy_project(project, target, progress=progress)
        if as_json:
            emit_json({"target": target if "://" not in target else "database", "tables": rows})
        else:
            say(f"copied {sum(rows.values())} rows in {len(rows)} tables to the target")
