"""Codebook commands: load (a file or a bundled codebook by name), show, export, and edit."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.common import JSON_OPTION, default_coder_name, emit_json, open_from, say
from qualcode.cli.words import plural
from qualcode.errors import CodebookError

EXPORT_FORMATS = ("qdc", "toml", "md")


def register(app: typer.Typer) -> None:
    codebook_app = typer.Typer(
        help="Load, show, export and edit the codebook.", no_args_is_help=True
    )
    app.add_typer(codebook_app, name="codebook")

    @codebook_app.command("load")
    def load(
        ctx: typer.Context,
        file: str | None = typer.Argument(
            None, metavar="FILE|NAME", help="A .toml or .qdc file, or a bundled codebook's name."
        ),
        list_bundled: bool = typer.Option(False, "--list", help="Show the bundled codebooks."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Load (or update) the codebook; codes are matched by key, none is deleted."""
        from qualcode.codebook import bundled_codebooks, load_codebook

        if list_bundled:
            books = bundled_codebooks()
            if as_json:
                emit_json([b.as_dict() for b in books])
            else:
                for b in books:
                    say(f"{b.name:<16} {b.title} ({plural(b.codes, 'code', 'codes')})")
            return
        if file is None:
            raise CodebookError(
                "give a codebook file or name", "e.g. `qualcode codebook load kraeftplan`."
            )
        if file.lower().endswith(".qdc"):
            from qualcode.exchange import load_qdc

            with open_from(ctx) as project:
                qdc = load_qdc(project, Path(file))
            if as_json:
                emit_json(qdc.as_dict())
            else:
                say(qdc.message())
            return
        with open_from(ctx) as project:
            result = load_codebook(project, file)
        if as_json:
            emit_json(result.as_dict())
        else:
            say(result.message(file))

    _register_show(codebook_app)
    _register_edits(codebook_app)


def _register_show(codebook_app: typer.Typer) -> None:
    @codebook_app.command("show")
    def show(
        ctx: typer.Context,
        as_json: bool = JSON_OPTION,
        viewer: str = typer.Option(
            "", "--as", help="Count as this coder sees (default: $QUALCODE_CODER)."
        ),
    ) -> None:
        """The codebook as a tree with codings per code (own / with the codes below).

        With blind coding on, the counts are of the codings you may see: your own and the
        reviewed ones (a lead sees everyone's)."""
        from qualcode.codebook import CodeNode, codebook_tree

        with open_from(ctx) as project:
            tree = codebook_tree(project, viewer=viewer or default_coder_name())
        if as_json:
            emit_json(tree)
            return
        if not tree:
            say("no codebook yet (load one: qualcode codebook load kraeftplan)")
            return
        say(f"{'key':<14} label  (codings; with the codes below)")

        def emit(node: CodeNode, depth: int) -> None:
            label = node["label_da"] + (f" / {node['label_en']}" if node["label_en"] else "")
            counts = f"{node['codings']}"
            if node["children"]:
                counts += f"; {node['codings_with_descendants']}"
            say(f"{'  ' * depth}{node['key']:<14} {label}  ({counts})")
            for child in node["children"]:
                emit(child, depth + 1)

        for node in tree:
            emit(node, 0)

    @codebook_app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str | None = typer.Option(
            None, "--format", help="qdc | toml | md (default: from --out's extension)."
        ),
        out: Path = typer.Option(..., "--out", help="The file to write."),
    ) -> None:
        """Write the codebook as REFI-QDA .qdc, TOML or Markdown."""
        from qualcode.codebook import export_codebook

        chosen = fmt or out.suffix.lower().lstrip(".")
        if chosen not in EXPORT_FORMATS:
            raise CodebookError(
                f"cannot tell the format of {out.name!r}",
                "Give --format qdc|toml|md, or an --out ending in .qdc, .toml or .md.",
            )
        with open_from(ctx) as project:
            if chosen == "qdc":
                from qualcode.exchange import export_qdc
                from qualcode.exchange.redact import describe_redactions

                result = export_qdc(project, out)
                say(f"wrote {out}: {result['codes']} codes, "
                    f"{describe_redactions(result['redactions'])}")  # fmt: skip
                return
            export_codebook(project, chosen, out)
        say(f"wrote {out}")


def _register_edits(codebook_app: typer.Typer) -> None:
    @codebook_app.command("add")
    def add(
        ctx: typer.Context,
        key: str = typer.Argument(..., help="The new code's key (1.5, ventetid, ...)."),
        label: str = typer.Argument(..., help="Its Danish label."),
        parent: str | None = typer.Option(None, help="Put it under this code."),
        label_en: str = typer.Option("", "--label-en", help="English label."),
        colour: str | None = typer.Option(None, help="Hex colour (default: from a palette)."),
        kind: str = typer.Option("code", help="area | attention_point | cross_cutting | code"),
        description: str = typer.Option("", help="What the code means."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Add a code."""
        from qualcode import codebook_edit

        with open_from(ctx) as project:
            code_id = codebook_edit.add_code(
                project, key, label, parent, label_en, colour, kind, description
            )
        if as_json:
            emit_json(codebook_edit.added_code(code_id, key))
        else:
            say(
                f"added code {key.strip()} {label.strip()}" + (f" under {parent}" if parent else "")
            )

    @codebook_app.command("rename")
    def rename(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="Code key or label."),
        label: str | None = typer.Option(None, help="New Danish label."),
        label_en: str | None = typer.Option(None, "--label-en", help="New English label."),
        key: str | None = typer.Option(None, help="New key (codings follow)."),
    ) -> None:
        """Change a code's labels or key."""
        from qualcode import codebook_edit

        if label is None and label_en is None and key is None:
            raise CodebookError("say what to rename", "Give --label, --label-en or --key.")
        with open_from(ctx) as project:
            codebook_edit.rename_code(project, code, label, label_en, key)
        say(f"renamed {code}")

    @codebook_app.command("move")
    def move(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="Code key or label."),
        parent: str | None = typer.Option(None, help="The new parent."),
        top: bool = typer.Option(False, "--top", help="Move it to the top level."),
    ) -> None:
        """Put a code under another parent (or at the top level)."""
        from qualcode import codebook_edit

        if (parent is None) == (not top):
            raise CodebookError("say where to", "Give --parent CODE or --top.")
        with open_from(ctx) as project:
            codebook_edit.move_code(project, code, parent)
        say(f"moved {code} " + (f"under {parent}" if parent else "to the top level"))

    @codebook_app.command("recolour")
    def recolour(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="Code key or label."),
        colour: str = typer.Argument(..., help="Hex colour, e.g. #3cb44b."),
    ) -> None:
        """Give a code another colour."""
        from qualcode import codebook_edit

        with open_from(ctx) as project:
            value = codebook_edit.recolour_code(project, code, colour)
        say(f"{code} is now {value}")

    @codebook_app.command("merge")
    def merge(
        ctx: typer.Context,
        source: str = typer.Argument(..., help="The code that goes."),
        target: str = typer.Argument(..., help="The code that takes its codings."),
        coder: str | None = typer.Option(None, help="Coder (for undo)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Merge one code into another (codings, children, quotes, memos move; undoable)."""
        from qualcode import codebook_edit
        from qualcode.coding import default_coder_name

        with open_from(ctx) as project:
            moved = codebook_edit.merge_codes(
                project, source, target, coder or default_coder_name()
            )
        if as_json:
            emit_json(codebook_edit.merged_codes(source, target, moved))
        else:
            say(f"merged {source} into {target}: {plural(moved, 'coding', 'codings')} moved")

    @codebook_app.command("delete")
    def delete(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="Code key or label."),
        force: bool = typer.Option(False, "--force", help="Also delete its codings."),
        coder: str | None = typer.Option(None, help="Coder (for undo)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Delete a code (with codings only with --force; undoable)."""
        from qualcode import codebook_edit
        from qualcode.coding import default_coder_name

        with open_from(ctx) as project:
            gone = codebook_edit.delete_code(project, code, coder or default_coder_name(), force)
        if as_json:
            emit_json(codebook_edit.deleted_code(code, gone))
        else:
            say(f"deleted {code} and {plural(gone, 'coding', 'codings')} (undo: qualcode undo)")
