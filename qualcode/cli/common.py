"""What every CLI command shares: the open project, JSON output, progress bars.

Start-up matters here (a script may call ``qualcode`` thousands of times): this module and
every command module import only Typer and the standard library at module level; a
command imports the domain modules it uses in its body, so ``qualcode --help`` never loads
SQLAlchemy, spaCy, Textual or the file-format libraries. ``tests/cli/test_startup.py`` pins
which heavy modules each fast path may load.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qualcode.progress import Progress

if TYPE_CHECKING:
    from qualcode.db import Project
    from qualcode.store.light import LightProject

JSON_OPTION = typer.Option(
    False, "--json", help="Print one JSON document on stdout and nothing else."
)


@dataclass
class CliState:
    """The global options: which project (a file path or a database URL)."""

    project: str | None = None
    db_url: str | None = None

    def target(self) -> str | None:
        return self.db_url or self.project


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def open_from(ctx: typer.Context, create: bool = False) -> Project:
    """Open the project the global options name (migrating it if it is older)."""
    from qualcode.db import open_project

    return open_project(state(ctx).target(), create=create)


def open_light_from(ctx: typer.Context) -> LightProject | None:
    """The project read-only without SQLAlchemy (``store.light``), or None when only the
    full path (``open_from``) may open it: a read-only command tries this first."""
    from qualcode.store.light import open_light

    return open_light(state(ctx).target())


def default_coder_name() -> str:
    """``$QUALCODE_CODER``, else the operating-system user name (``naming.default_coder_name``,
    imported when a command needs it rather than when the CLI starts)."""
    from qualcode.naming import default_coder_name as from_base

    return from_base()


def emit_json(data: Any) -> None:
    """The one way a command prints JSON: a single document, UTF-8, nothing else."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def say(message: str) -> None:
    """A line for the person at the terminal (stdout)."""
    typer.echo(message)


def warn(message: str) -> None:
    """A line on stderr that is not an error (the command goes on)."""
    typer.echo(message, err=True)


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr fed by a domain ``progress`` callback."""
    if not enabled:
        yield lambda done, total, current: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    console = Console(stderr=True)
    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
        transient=not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None, current="")

        def update(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total or None, current=current[:40])

        yield update
