"""The ``qualcode`` command line: a thin face over the domain modules.

Errors meant for people (``QualcodeError``) become one ``error: ...`` line plus a hint on
stderr and exit code 1; usage errors exit 2. Each command group lives in its own module,
listed in ``COMMAND_MODULES``, and adds itself to ``app`` in its ``register`` function.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from qualcode.cli.common import CliState
from qualcode.cli.lazy import lazy_root
from qualcode.errors import QualcodeError

try:  # Typer 0.2x vendors Click; older Typer uses Click itself.
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions

_SETTINGS: dict[str, Any] = {
    "name": "qualcode",
    "help": "Qualitative interview research: import, code, quote, approve, synthesise.",
    "add_completion": False,
    "no_args_is_help": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}
app = typer.Typer(**_SETTINGS)

COMMAND_MODULES = [
    "project",
    "sources",
    "documents",
    "codebook",
    "coding",
    "settings",
    "memos",
    "teams",
    "quotes",
    "exchange",
    "synthesis",
    "search",
]


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    project: str | None = typer.Option(
        None,
        "--project",
        "-p",
        envvar="QUALCODE_PROJECT",
        help="Project file (default ./project.qualcode).",
    ),
    db_url: str | None = typer.Option(
        None,
        "--db-url",
        envvar="QUALCODE_DATABASE_URL",
        help="Database URL, e.g. postgresql+psycopg://user@host/db (overrides --project).",
    ),
) -> None:
    """Qualitative interview research: import, code, quote, approve, synthesise.

    Without a command, opens the TUI on the project.
    """
    ctx.obj = CliState(project=project, db_url=db_url)
    if ctx.invoked_subcommand is None:
        from qualcode.cli.project import run_tui

        run_tui(ctx)


for _name in COMMAND_MODULES:
    importlib.import_module(f"qualcode.cli.{_name}").register(app)


GLOBAL_OPTIONS = ("--project", "-p", "--db-url")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move ``--project X``/``-p X``/``--db-url X`` given after the command to the front, so
    ``qualcode documents list --project study.qualcode`` works like the documented order."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and i > 0 and rest:
            if "=" in arg:
                front.append(arg)
            else:
                front += argv[i : i + 2]
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qualcode`` script and ``python -m qualcode``; returns the exit code."""
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    try:
        command = lazy_root(app, _SETTINGS, root)  # builds only the command that runs
        result = command.main(args=args, prog_name="qualcode", standalone_mode=False)
    except QualcodeError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        typer.echo(f"hint: {exc.hint or 'see `qualcode --help`'}", err=True)
        return 1
    except click_exceptions.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        return 2
    except click_exceptions.UsageError as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        command = exc.ctx.command_path if exc.ctx else "qualcode"
        typer.echo(f"hint: see `{command} --help`", err=True)
        return 2
    except click_exceptions.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        typer.echo("hint: see `qualcode --help`", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except Exception as exc:
        if not _is_database_refusal(exc):
            raise
        reason = getattr(exc, "orig", exc)  # OperationalError: the driver's own error
        typer.echo(f"error: the database refused the operation: {reason}", err=True)
        typer.echo("hint: another program may hold a lock on it; try again.", err=True)
        return 1
    return result if isinstance(result, int) else 0


def _is_database_refusal(exc: Exception) -> bool:
    """SQLAlchemy's ``OperationalError`` (a lock, a refused connection), checked without
    importing SQLAlchemy: a command that raised it has loaded it already."""
    exc_module = sys.modules.get("sqlalchemy.exc")
    return exc_module is not None and isinstance(exc, exc_module.OperationalError)


def run() -> None:
    sys.exit(main())
