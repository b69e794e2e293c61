"""Memo commands: read and write your memo on the project, a document, a code or a coding."""

from __future__ import annotations

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, say


def register(app: typer.Typer) -> None:
    memo_app = typer.Typer(
        help="Memos on the project, documents, codes and codings.", no_args_is_help=True
    )
    app.add_typer(memo_app, name="memo")

    @memo_app.command("show")
    def show(
        ctx: typer.Context,
        kind: str = typer.Argument(..., help="project | document | code | coding"),
        ref: str | None = typer.Argument(None, help="Document id/title, code key, coding id."),
        coder: str | None = typer.Option(None, help="Whose memo (default: yours)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Your memo on something ('' when there is none)."""
        from qualcode.coding import default_coder_name
        from qualcode.memos import show_memo

        with open_from(ctx) as project:
            memo = show_memo(project, kind, ref, coder or default_coder_name())
        if as_json:
            emit_json(memo)
        else:
            say(memo["text"] or f"(no memo by {memo['coder']})")

    @memo_app.command("set")
    def set_(
        ctx: typer.Context,
        kind: str = typer.Argument(..., help="project | document | code | coding"),
        ref: str | None = typer.Argument(None, help="Document id/title, code key, coding id."),
        text: str = typer.Option(..., "--text", help="The memo ('' deletes it)."),
        coder: str | None = typer.Option(None, help="Whose memo (default: yours)."),
    ) -> None:
        """Write (or with --text '' delete) your memo; a coding's memo is undoable."""
        from qualcode.coding import default_coder_name
        from qualcode.memos import set_memo

        with open_from(ctx) as project:
            set_memo(project, kind, ref, text, coder or default_coder_name())
        say(f"memo on {kind} {ref or ''}".rstrip() + (" saved" if text.strip() else " deleted"))
