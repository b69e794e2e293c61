"""The ``qualcode`` command line: a thin face over the domain modules.

Errors meant for people (``QualcodeError``) become one ``error: ...`` line plus a hint on
stderr and exit code 1; usage errors exit 2.

This module is the entry point of every call, so it imports nothing heavy: a help page
(``qualcode --help``, ``qualcode documents --help``, ``qualcode documents``) is printed by
``qualcode.cli.help`` from its pages alone, and everything else goes to the Typer
application in ``qualcode.cli.typer_app`` (loaded only then). ``app``, ``root`` and
``_SETTINGS`` are still importable from here; they load the Typer application on first use.
"""

from __future__ import annotations

import sys

from qualcode.cli.help import fast_help, print_fast_help

GLOBAL_OPTIONS = ("--project", "-p", "--db-url")
_FROM_TYPER_APP = ("app", "root", "_SETTINGS", "COMMAND_MODULES", "run_typer")


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
    page = fast_help(args)
    if page is not None:
        return print_fast_help(page)
    from qualcode.cli.typer_app import run_typer  # Typer and every command module: ~100 ms

    return run_typer(args)


def run() -> None:
    sys.exit(main())


def __getattr__(name: str) -> object:
    """``from qualcode.cli import app`` (and ``root``, ``_SETTINGS``): the Typer application,
    imported when first asked for."""
    if name in _FROM_TYPER_APP:
        from qualcode.cli import typer_app

        return getattr(typer_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
