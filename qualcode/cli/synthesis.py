"""The synthesis command: per-theme summaries as Markdown, HTML, Word or JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, progress_bar, say, warn


def register(app: typer.Typer) -> None:
    @app.command("synthesis")
    def synthesis(
        ctx: typer.Context,
        fmt: str | None = typer.Option(
            None, "--format", help="md | html | docx | json (default: from --out's extension)"
        ),
        out: Path = typer.Option(..., "--out", help="The file to write."),
        area: str | None = typer.Option(
            None, "--area", help="Only this development area (key or label, e.g. 6)."
        ),
        final: bool = typer.Option(
            False,
            "--final",
            help="Only approved quotes; refuse while any quote it would use is not approved.",
        ),
        language: str | None = typer.Option(
            None,
            "--language",
            help="da | en (default: the codebook's language, setting codebook_language).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Write the per-theme synthesis: counts, quotes, coverage, saturation, desk review.

        A draft marks quotes that are not approved yet as pending; --final refuses, and
        lists them, until every quote it would use is approved.
        """
        from qualcode.synthesis import export_synthesis

        with (
            open_from(ctx) as project,
            progress_bar("synthesis", enabled=not as_json and sys.stderr.isatty()) as progress,
        ):
            result = export_synthesis(
                project, fmt, out, area=area, final=final, language=language, progress=progress
            )
        if as_json:
            emit_json(result)
            return
        kind = "final" if final else "draft"
        say(
            f"wrote {out} ({kind}, {result['format']}, areas {', '.join(result['areas'])}, "
            f"{result['quotes']} quotes, {result['redactions']['total']} redaction(s))"
        )
        if result["pending_quotes"]:
            warn(f"{result['pending_quotes']} quotes are pending approval (marked in the draft)")
