"""Write ``help_pages.json`` from the Typer application: ``python -m qualcode.cli.help_gen``.

Run it after adding a command or changing a command's help or options;
``tests/cli/test_startup.py`` fails (and names this module) until the pages match Typer.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.main
from typer.core import TyperGroup

from qualcode.cli.help import PAGES_FILE
from qualcode.cli.typer_app import app

if TYPE_CHECKING:
    from qualcode.cli.help import CommandRowDict, PageDict


def _deprecated(command: Any) -> str:
    if not command.deprecated:
        return ""
    if isinstance(command.deprecated, str):
        return f"(DEPRECATED: {command.deprecated})"
    return "(DEPRECATED)"


def _rows(command: Any, ctx: Any, kind: str) -> list[list[str]]:
    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None and param.param_type_name == kind:
            rows.append([record[0], record[1]])
    return rows


def _command_rows(group: Any, ctx: Any) -> list[CommandRowDict]:
    rows: list[CommandRowDict] = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        short = bool(sub.short_help)
        text = inspect.cleandoc(sub.short_help) if short else (sub.help or "")
        rows.append({"name": name, "help": text, "short": short, "suffix": _deprecated(sub)})
    return rows


def page_of(command: Any, ctx: Any, path: list[str]) -> PageDict:
    """What Click puts on ``command``'s help page, before it is laid out at a width."""
    text = inspect.cleandoc(command.help).partition("\f")[0] if command.help else ""
    if command.deprecated:
        text = f"{text} {_deprecated(command)}"
    is_group = isinstance(command, TyperGroup)
    return {
        "path": path,
        "prog": ctx.command_path,
        "usage": " ".join(command.collect_usage_pieces(ctx)),
        "text": text,
        "arguments": _rows(command, ctx, "argument"),
        "options": _rows(command, ctx, "option"),
        "commands": _command_rows(command, ctx) if is_group else [],
        "epilog": inspect.cleandoc(command.epilog) if command.epilog else "",
        "no_args_is_help": bool(command.no_args_is_help),
    }


def _walk(command: Any, ctx: Any, path: list[str]) -> Iterator[PageDict]:
    yield page_of(command, ctx, path)
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, typer.Context(sub, info_name=name, parent=ctx), [*path, name])


def all_pages() -> list[PageDict]:
    """Every help page of ``qualcode``, the root first, in the order Typer lists them."""
    root = typer.main.get_command(app)
    return list(_walk(root, typer.Context(root, info_name="qualcode"), []))


def pages_json(pages: list[PageDict]) -> str:
    lines = ",\n".join(json.dumps(page, ensure_ascii=False) for page in pages)
    return f"[\n{lines}\n]\n"


def write_pages(path: Path = Path(PAGES_FILE)) -> Path:
    path.write_text(pages_json(all_pages()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_pages()}")
