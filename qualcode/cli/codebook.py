"""Codebook commands: load, show, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, say


def register(app: typer.Typer) -> None:
    codebook_app = typer.Typer(help="Load, show and export the codebook.", no_args_is_help=True)
    app.add_typer(codebook_app, name="codebook")

    @codebook_app.command("load")
    def load(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="A .toml codebook or a REFI-QDA .qdc file."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Load (or update) the codebook; codes are matched by key, none is deleted."""
        from qualcode.codebook import load_codebook

        if file.suffix.lower() == ".qdc":
            from qualcode.exchange import load_qdc

            with open_from(ctx) as project:
                qdc = load_qdc(project, file)
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
            say(f"{len(result.created)} codes created, {len(result.updated)} updated from {file}")

    @codebook_app.command("show")
    def show(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
        """The codebook as a tree with codings per code."""
        from qualcode.codebook import codebook_tree

        with open_from(ctx) as project:
            tree = codebook_tree(project)
        if as_json:
            emit_json(tree)
            return

        def emit(node: dict[str, Any], depth: int) -> None:
            label = node["label_da"] + (f" / {node['label_en']}" if node["label_en"] else "")
            say(f"{'  ' * depth}{node['key']:<14} {label}  ({node['codings']})")
            for child in node["children"]:
                emit(child, depth + 1)

        for node in tree:
            emit(node, 0)

    @codebook_app.command("export")
    def export(
        ctx: typer.Context,
        fmt: str = typer.Option(..., "--format", help="qdc | toml | md"),
        out: Path = typer.Option(..., "--out", help="The file to write."),
    ) -> None:
        """Write the codebook as REFI-QDA .qdc, TOML or Markdown."""
        from qualcode.codebook import export_codebook

        with open_from(ctx) as project:
            if fmt.lower() == "qdc":
                from qualcode.exchange import export_qdc
                from qualcode.exchange.redact import describe_redactions

                result = export_qdc(project, out)
                say(f"wrote {out}: {result['codes']} codes, "
                    f"{describe_redactions(result['redactions'])}")  # fmt: skip
                return
            export_codebook(project, fmt, out)
        say(f"wrote {out}")
