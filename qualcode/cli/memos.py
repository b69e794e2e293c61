"""Memo commands: read and write your memo on the project, a document, a code or a coding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, say
from qualcode.errors import QualcodeError

TARGETS = ("project", "document", "code", "coding")

if TYPE_CHECKING:  # the domain is imported by the commands that use it (start-up)
    from qualcode.db import Project


def _target(project: Project, kind: str, ref: str | None) -> int | None:
    from qualcode.codebook import resolve_code
    from qualcode.documents import resolve_document

    if kind not in TARGETS:
        raise QualcodeError(
            f"memos go on {', '.join(TARGETS)}, not {kind!r}", "e.g. memo show code 1.2"
        )
    if kind == "project":
        return None
    if ref is None:
        raise QualcodeError(f"which {kind}?", f"e.g. `qualcode memo show {kind} 1`.")
    with project.session() as s:
        if kind == "document":
            return resolve_document(s, ref).id
        if kind == "code":
            return resolve_code(s, ref).id
    if not ref.isdigit():
        raise QualcodeError(
            f"a coding is named by its id, not {ref!r}", "See `qualcode codings list`."
        )
    return int(ref)


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
        from qualcode.memos import read_memo
        from qualcode.models import Coding

        who = coder or default_coder_name()
        with open_from(ctx) as project:
            target = _target(project, kind, ref)
            if kind == "coding":
                with project.session() as s:
                    coding = s.get(Coding, target)
                if coding is None:
                    raise QualcodeError(f"no coding {ref}", "See `qualcode codings list`.")
                text = coding.memo
            else:
                text = read_memo(project, kind, target, who)
        if as_json:
            emit_json({"target": kind, "id": target, "coder": who, "text": text})
        else:
            say(text or f"(no memo by {who})")

    @memo_app.command("set")
    def set_(
        ctx: typer.Context,
        kind: str = typer.Argument(..., help="project | document | code | coding"),
        ref: str | None = typer.Argument(None, help="Document id/title, code key, coding id."),
        text: str = typer.Option(..., "--text", help="The memo ('' deletes it)."),
        coder: str | None = typer.Option(None, help="Whose memo (default: yours)."),
    ) -> None:
        """Write (or with --text '' delete) your memo; a coding's memo is undoable."""
        from qualcode.coding import default_coder_name, set_coding_memo
        from qualcode.memos import write_memo

        who = coder or default_coder_name()
        with open_from(ctx) as project:
            target = _target(project, kind, ref)
            if kind == "coding":
                assert target is not None
                set_coding_memo(project, target, text, who)
            else:
                write_memo(project, kind, target, text, who)
        say(f"memo on {kind} {ref or ''}".rstrip() + (" saved" if text.strip() else " deleted"))
