"""Exchange commands: export qdpx|csv|xlsx (agreement is in ``cli/teams.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from qualcode.cli.common import (
    JSON_OPTION,
    emit_json,
    open_from,
    open_light_from,
    progress_bar,
    say,
    warn,
)

EXPORT_FORMATS = "qdpx|qdc|csv|xlsx"  # as registered in formats.writers (kind "export")


def _export_summary(kind: str, file: Path, result: Mapping[str, Any]) -> str:
    from qualcode.consent import describe_redactions

    redactions = describe_redactions(result["redactions"])
    if kind == "qdpx":
        return (
            f"wrote {file}: {result['documents']} documents, {result['codes']} codes, "
            f"{result['codings']} codings, {result['cases']} cases, {result['notes']} notes, "
            f"{result['quotes']} quotes; positions {result['positions']}; {redactions}"
        )
    if kind == "qdc":
        return f"wrote {file}: {result['codes']} codes; {redactions}"
    return f"wrote {file}: {result['rows']} codings; {redactions}"


def _warn_full(file: Path) -> None:
    warn(
        f"{file}: full export: real names of every participant are in this file, "
        "whatever their consent; keep it inside the team."
    )


def _light_csv(ctx: typer.Context, file: Path, full: bool) -> Mapping[str, Any] | None:
    """``export csv`` through the light read path (no ORM loaded), or None when only the
    full path may open the project; both write the same bytes (``coding_table``)."""
    light = open_light_from(ctx)
    if light is None:
        return None
    from qualcode.coding_table import export_csv_with

    if full:
        _warn_full(file)
    with light:
        return {"format": "csv", **export_csv_with(light, file, full=full)}


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str = typer.Argument(
            ...,
            metavar=EXPORT_FORMATS,
            help="qdpx (REFI-QDA project), qdc (REFI-QDA codebook), csv or xlsx.",
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
        """Export the project as REFI-QDA (.qdpx), its codebook as .qdc, or the codings as CSV
        or Excel; names are redacted as consent requires unless --full."""
        plain_csv = fmt.lower().lstrip(".") == "csv" and positions == "codepoints" and not for_tool
        result = _light_csv(ctx, file, full) if plain_csv else None
        if result is None:
            from qualcode.exchange.exporters import choose_export_format, export_to, positions_for

            kind = choose_export_format(fmt)
            positions = positions_for(positions, for_tool)
            if full:
                _warn_full(file)
            with open_from(ctx) as project:
                with progress_bar("exporting", enabled=kind == "qdpx" and not as_json) as bar:
                    kind, result = export_to(
                        project, kind, file, bar, full=full, positions=positions
                    )
        else:
            kind = "csv"
        if as_json:
            emit_json(result)
        else:
            say(_export_summary(kind, file, result))
