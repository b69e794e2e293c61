"""Exchange commands: export qdpx|csv|xlsx (agreement is in ``cli/teams.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say, warn
from qualcode.errors import QualcodeError

EXPORT_FORMATS = ("qdpx", "csv", "xlsx")


def _export_summary(kind: str, file: Path, result: Mapping[str, Any]) -> str:
    from qualcode.exchange.redact import describe_redactions

    redactions = describe_redactions(result["redactions"])
    if kind == "qdpx":
        return (
            f"wrote {file}: {result['documents']} documents, {result['codes']} codes, "
            f"{result['codings']} codings, {result['cases']} cases, {result['notes']} notes, "
            f"{result['quotes']} quotes; positions {result['positions']}; {redactions}"
        )
    return f"wrote {file}: {result['rows']} codings; {redactions}"


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str = typer.Argument(
            ..., metavar="qdpx|csv|xlsx", help="qdpx (REFI-QDA), csv or xlsx."
        ),
        file: Path = typer.Argument(..., metavar="FILE", help="The file to write."),
        full: bool = typer.Option(
            False, "--full", help="Real names in everything (the team's own copy; not for sharing)."
        ),
        positions: str = typer.Option(
            "codepoints", "--positions", help="qdpx positions: codepoints (standard) or utf16."
        ),
        for_tool: str = typer.Option(
            "", "--for", help="qdpx for a tool: nvivo (= --positions utf16, CRLF text)."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Export the project as REFI-QDA (.qdpx), or the codings as CSV or Excel; names are
        redacted as consent requires unless --full."""
        kind = fmt.lower().lstrip(".")
        from qualcode.exchange import EXPORT_UNITS, export_csv, export_qdpx, export_xlsx

        if kind not in EXPORT_FORMATS:
            raise QualcodeError(
                f"unknown export format {fmt!r}",
                "Use `qualcode export qdpx|csv|xlsx FILE`.",
            )
        if for_tool:
            if for_tool.lower() != "nvivo":
                raise QualcodeError(f"unknown tool {for_tool!r}", "Use --for nvivo.")
            positions = "utf16"
        if positions not in EXPORT_UNITS:
            raise QualcodeError(f"unknown position unit {positions!r}", "Use codepoints or utf16.")
        if full:
            warn(
                f"{file}: full export: real names of every participant are in this file, "
                "whatever their consent; keep it inside the team."
            )
        with open_from(ctx) as project:
            result: Mapping[str, Any]
            if kind == "qdpx":
                with progress_bar("exporting", enabled=not as_json) as progress:
                    result = export_qdpx(project, file, progress, full=full, positions=positions)
            elif kind == "xlsx":
                result = export_xlsx(project, file, full=full)
            else:
                result = export_csv(project, file, full=full)
        if as_json:
            emit_json({"format": kind, **result})
        else:
            say(_export_summary(kind, file, result))
