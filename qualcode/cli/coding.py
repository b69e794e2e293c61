"""Coding commands: code a span, list codings."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.bulk import FROM_HELP, click_exceptions, code_from
from qualcode.cli.common import JSON_OPTION, default_coder_name, emit_json, open_from, say
from qualcode.errors import QualcodeError


def register(app: typer.Typer) -> None:
    @app.command()
    def code(
        ctx: typer.Context,
        doc: str | None = typer.Argument(None, metavar="DOC", help="Document id or title."),
        code_name: str | None = typer.Option(None, "--code", help="Code key or label."),
        start: int | None = typer.Option(None, help="Start offset (characters)."),
        end: int | None = typer.Option(None, help="End offset (exclusive)."),
        match: str | None = typer.Option(None, help="Exact text to code (must occur once)."),
        coder: str | None = typer.Option(None, help="Coder name (default: your user name)."),
        memo: str = typer.Option("", help="A memo on the coding."),
        from_file: Path | None = typer.Option(None, "--from", metavar="FILE", help=FROM_HELP),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Apply a code to a span given by offsets or by its exact text."""
        from qualcode.coding import apply_code, code_match

        if from_file is not None:
            single = {"DOC": doc, "--code": code_name, "--start": start, "--end": end}
            return code_from(ctx, from_file, coder, as_json, {**single, "--match": match})
        if doc is None or code_name is None:
            raise click_exceptions.UsageError(
                "Missing argument 'DOC'." if doc is None else "Missing option '--code'.", ctx
            )
        who = coder or default_coder_name()
        with open_from(ctx) as project:
            if match is not None:
                if start is not None or end is not None:
                    raise QualcodeError("give either --match or --start/--end, not both")
                result = code_match(project, doc, match, code_name, who, memo)
            elif start is not None and end is not None:
                result = apply_code(project, doc, code_name, start, end, who, memo)
            else:
                raise QualcodeError(
                    "say what to code", "Give --start N --end N, or --match 'exact text'."
                )
        if as_json:
            emit_json(result)
        else:
            say(
                f"coded {result['start']}-{result['end']} of {result['document']!r} as "
                f"{result['code']} {result['code_label']} (coding {result['id']}, by {who})"
            )

    codings_app = typer.Typer(help="List codings.", no_args_is_help=True)
    app.add_typer(codings_app, name="codings")

    @codings_app.command("list")
    def codings_list(
        ctx: typer.Context,
        code_name: str | None = typer.Option(None, "--code", help="Only this code."),
        document: str | None = typer.Option(None, "--document", help="Only this document."),
        coder: str | None = typer.Option(None, help="Only this coder."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Codings with document, participant, code, offsets, text, coder and memo."""
        from qualcode.coding import list_codings

        with open_from(ctx) as project:
            rows = list_codings(project, code=code_name, document=document, coder=coder)
        if as_json:
            emit_json(rows)
            return
        for r in rows:
            text = r["text"].replace("\n", " ")
            say(
                f"{r['id']:>5}  {r['document'][:30]:<30} {r['start']:>6}-{r['end']:<6} "
                f"{r['code']:<12} {r['coder']:<8} {text[:60]}"
            )
