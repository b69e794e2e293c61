"""Coding commands: code a span, list, change and delete codings, a code's report, undo/redo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.bulk import FROM_HELP, click_exceptions, code_from
from qualcode.cli.common import JSON_OPTION, emit_json, open_from, say
from qualcode.cli.words import plural
from qualcode.errors import QualcodeError

CODER_OPTION = typer.Option(None, "--coder", help="Coder name (default: $QUALCODE_CODER or you).")

if TYPE_CHECKING:  # the domain is imported by the commands that use it (start-up)
    from qualcode.coding import CodingRow


def _line(r: CodingRow) -> str:
    text = r["text"].replace("\n", " ")
    return (
        f"{r['id']:>5}  {r['document'][:30]:<30} {r['start']:>6}-{r['end']:<6} "
        f"{r['code']:<10} {(r['coder'] or '')[:10]:<10} {text[:60]}"
    )


HEADER = f"{'id':>5}  {'document':<30} {'span':>13} {'code':<10} {'coder':<10} text"


def _register_code(app: typer.Typer) -> None:
    @app.command()
    def code(
        ctx: typer.Context,
        doc: str | None = typer.Argument(None, metavar="DOC", help="Document id or title."),
        code_name: str | None = typer.Option(None, "--code", help="Code key or label."),
        start: int | None = typer.Option(None, help="Start offset (characters)."),
        end: int | None = typer.Option(None, help="End offset (exclusive)."),
        match: str | None = typer.Option(None, help="Exact text to code (must occur once)."),
        coder: str | None = CODER_OPTION,
        memo: str = typer.Option("", help="A memo on the coding."),
        from_file: Path | None = typer.Option(None, "--from", metavar="FILE", help=FROM_HELP),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Apply a code to a span given by offsets or by its exact text."""
        from qualcode.coding import apply_code, code_match, default_coder_name

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
                    raise QualcodeError(
                        "give either --match or --start/--end, not both", "Drop one of them."
                    )
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


def _register_codings(app: typer.Typer) -> None:
    codings_app = typer.Typer(help="List, change, delete and report codings.", no_args_is_help=True)
    app.add_typer(codings_app, name="codings")
    _register_changes(codings_app)

    @codings_app.command("list")
    def codings_list(
        ctx: typer.Context,
        code_name: str | None = typer.Option(
            None, "--code", help="This code and the codes below it (an area with its points)."
        ),
        only: bool = typer.Option(False, "--only", help="With --code: that code alone."),
        document: str | None = typer.Option(None, "--document", help="Only this document."),
        coder: str | None = typer.Option(None, help="Only this coder."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Codings with document, participant, code, offsets, text, coder and memo."""
        from qualcode.coding import list_codings

        with open_from(ctx) as project:
            rows = list_codings(project, code=code_name, document=document, coder=coder, only=only)
        if as_json:
            emit_json(rows)
            return
        if not rows:
            say("no codings" + (f" with code {code_name}" if code_name else ""))
            return
        say(HEADER)
        for r in rows:
            say(_line(r))
        say(plural(len(rows), "coding", "codings"))


def _register_changes(codings_app: typer.Typer) -> None:
    @codings_app.command("edit")
    def codings_edit(
        ctx: typer.Context,
        coding_id: int = typer.Argument(..., metavar="ID", help="The coding's id."),
        code_name: str | None = typer.Option(None, "--code", help="Give it another code."),
        start: int | None = typer.Option(None, help="New start offset."),
        end: int | None = typer.Option(None, help="New end offset (exclusive)."),
        memo: str | None = typer.Option(None, help="New memo ('' clears it)."),
        coder: str | None = CODER_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Change a coding's code, span or memo (one undoable action)."""
        from qualcode.coding import default_coder_name, edit_coding

        if code_name is None and start is None and end is None and memo is None:
            raise QualcodeError("say what to change", "Give --code, --start/--end or --memo.")
        with open_from(ctx) as project:
            row = edit_coding(
                project,
                coding_id,
                coder or default_coder_name(),
                code=code_name,
                start=start,
                end=end,
                memo=memo,
            )
        if as_json:
            emit_json(row)
        else:
            say(
                f"coding {row['id']}: {row['code']} at {row['start']}-{row['end']} "
                "(undo: qualcode undo)"
            )

    @codings_app.command("delete")
    def codings_delete(
        ctx: typer.Context,
        coding_ids: list[int] = typer.Argument(..., metavar="ID...", help="Coding ids."),
        coder: str | None = CODER_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Delete codings (each one undoable action)."""
        from qualcode.coding import default_coder_name, remove_coding

        who = coder or default_coder_name()
        removed = []
        with open_from(ctx) as project:
            for coding_id in coding_ids:
                removed.append(remove_coding(project, coding_id, who))
        if as_json:
            emit_json(removed)
            return
        for r in removed:
            say(f"deleted coding {r['id']} ({r['code']} in {r['document']!r})")

    @codings_app.command("report")
    def codings_report(
        ctx: typer.Context,
        code_name: str = typer.Option(..., "--code", help="A code or an area (key or label)."),
        only: bool = typer.Option(False, "--only", help="The code alone, not the codes below."),
        fmt: str | None = typer.Option(
            None, "--format", help="md | docx (default: from --out's extension, else md)."
        ),
        out: Path | None = typer.Option(None, "--out", help="Write here (default: stdout, md)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Every passage of a code (or area) across documents, with speaker and memo."""
        from qualcode.code_report import (
            build_code_report,
            format_for,
            report_summary,
            write_code_report,
        )
        from qualcode.formats.code_report import render_markdown

        chosen = format_for(out, fmt)
        if out is None and chosen == "docx":
            raise QualcodeError("a Word report needs a file", "Add --out report.docx.")
        with open_from(ctx) as project:
            report = build_code_report(project, code_name, only)
        if out is not None:
            write_code_report(report, chosen, out)
        if as_json:
            emit_json(report_summary(report, out, chosen))
        elif out is None:
            sys.stdout.write(render_markdown(report))
        else:
            say(
                f"wrote {out}: {plural(len(report.passages), 'passage', 'passages')} in "
                f"{plural(len(report.documents), 'document', 'documents')}"
            )


def _register_history(app: typer.Typer) -> None:
    @app.command("undo")
    def undo_cmd(
        ctx: typer.Context, coder: str | None = CODER_OPTION, as_json: bool = JSON_OPTION
    ) -> None:
        """Undo your last action (coding, code merge/delete, document delete) — the TUI's ctrl+z."""
        from qualcode.coding import default_coder_name
        from qualcode.history import undo

        with open_from(ctx) as project:
            label = undo(project, coder or default_coder_name())
        _report_step("undid", label, as_json)

    @app.command("redo")
    def redo_cmd(
        ctx: typer.Context, coder: str | None = CODER_OPTION, as_json: bool = JSON_OPTION
    ) -> None:
        """Redo the action you undid last — the TUI's ctrl+y."""
        from qualcode.coding import default_coder_name
        from qualcode.history import redo

        with open_from(ctx) as project:
            label = redo(project, coder or default_coder_name())
        _report_step("redid", label, as_json)


def register(app: typer.Typer) -> None:
    _register_code(app)
    _register_codings(app)
    _register_history(app)


def _report_step(verb: str, label: str | None, as_json: bool) -> None:
    from qualcode.history import step_dict

    if as_json:
        emit_json(step_dict(label))
    elif label is None:
        say("nothing to undo" if verb == "undid" else "nothing to redo")
    else:
        say(f"{verb}: {label}")
