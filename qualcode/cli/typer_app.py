"""The Typer application behind ``qualcode``: the root options, every command group, and
the error handling that turns exceptions into ``error:``/``hint:`` lines and exit codes.

Each command group lives in its own module, listed in ``COMMAND_MODULES``, and adds itself
to ``app`` in its ``register`` function. ``qualcode.cli.main`` comes here for everything but
help pages, which ``qualcode.cli.help`` prints without importing Typer (this module costs
about 100 ms to import: Typer, Click and every command module).
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

ROOT_HELP = "Qualitative interview research: import, code, quote, approve, synthesise."
_SETTINGS: dict[str, Any] = {
    "name": "qualcode",
    "help": ROOT_HELP,
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
        # The app paints its dashboard first and opens the project in a worker (and closes
        # it); a project it cannot open is raised by ``run``, printed as error + hint.
        from qualcode.tui.app import make_app, open_later

        make_app(open_later(ctx.obj.target())).run()


for _name in COMMAND_MODULES:
    importlib.import_module(f"qualcode.cli.{_name}").register(app)


def run_typer(args: list[str]) -> int:
    """Run ``qualcode ARGS`` through Typer (global options already hoisted); the exit code."""
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
