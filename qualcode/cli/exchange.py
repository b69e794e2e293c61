"""Exchange commands: export qdpx|csv (agreement is in ``cli/teams.py``)."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say
from qualcode.errors import QualcodeError

EXPORT_FORMATS = ("qdpx", "csv")


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str = typer.Argument(..., metavar="qdpx|csv", help="qdpx (REFI-QDA) or csv."),
        file: Path = typer.Argument(..., metavar="FILE", help="The file to write."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Export the project as REFI-QDA (.qdpx) or the codings as CSV; names as consent allows."""
        from qualcode.exchange import export_csv, export_qdpx

        kind = fmt.lower().lstrip(".")
        if kind not in EXPORT_FORMATS:
            raise QualcodeError(
                f"unknown export format {fmt!r}",
                "Use `qualcode export qdpx FILE` or `qualcode export csv FILE`.",
            )
        with open_from(ctx) as project:
            if kind == "qdpx":
                with progress_bar("exporting", enabled=not as_json) as progress:
                    result = export_qdpx(project, file, progress)
            else:
                result = export_csv(project, file)
        if as_json:
            emit_json({"format": kind, **result})
        elif kind == "qdpx":
            say(
                f"wrote {file}: {result['documents']} documents, {result['codes']} codes, "
                f"{result['codings']} codings, {result['cases']} cases, {result['notes']} notes"
            )
        else:
            say(f"wrote {file}: {result['rows']} codings")
