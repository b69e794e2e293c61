"""Start-up stays fast: pin which heavy libraries the quick commands may load.

Each case runs the command in a fresh interpreter and reads ``sys.modules`` afterwards, so
a module-level import added anywhere under ``qualcode/cli`` (or in a domain module the
command uses) fails here instead of quietly costing every script call. Timings themselves
are measured in ``benchmarks/cli.py``, never asserted here.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from qualcode.db import open_project

# Top-level packages that cost tens to hundreds of milliseconds to import.
UI_AND_FORMATS = {"textual", "rich", "pypdf", "docx", "lxml", "jinja2"}
NLP = {"spacy", "thinc", "numpy", "srsly", "spacy_lookups_data"}
DATABASE = {"sqlalchemy", "sqlmodel", "pydantic", "alembic", "psycopg"}

_PROBE = """
import json, sys
from qualcode.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}))
"""


def _loaded(args: list[str], cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stdout
    return set(report["modules"])


def test_help_loads_no_database_nlp_ui_or_format_library(tmp_path: Path) -> None:
    loaded = _loaded(["--help"], tmp_path)
    assert loaded & (UI_AND_FORMATS | NLP | DATABASE) == set()


def test_subcommand_help_loads_no_database_library(tmp_path: Path) -> None:
    loaded = _loaded(["import", "--help"], tmp_path)
    # Typer (0.29) builds a command's parameter types with pydantic; nothing else heavy.
    assert loaded & (UI_AND_FORMATS | NLP | DATABASE) <= {"pydantic"}


def test_documents_list_loads_no_nlp_ui_or_format_library(project_path: Path) -> None:
    open_project(project_path, create=True).close()
    loaded = _loaded(["-p", str(project_path), "documents", "list", "--json"], project_path.parent)
    assert "sqlalchemy" in loaded  # the probe really reached the database
    assert loaded & (UI_AND_FORMATS | NLP) == set()


def _help(command: object, args: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            command.main(args=args, prog_name="qualcode", standalone_mode=False)  # type: ignore[attr-defined]
        except SystemExit:
            pass
    return out.getvalue()


def test_lazy_help_is_typers_help_word_for_word() -> None:
    import typer.main

    from qualcode.cli import _SETTINGS, app, root
    from qualcode.cli.lazy import lazy_root

    eager = typer.main.get_command(app)
    lazy = lazy_root(app, _SETTINGS, root)
    text = _help(lazy, ["--help"])
    assert text == _help(eager, ["--help"])
    for name in ("import", "documents", "search", "code", "quotes"):
        assert f"\n  {name} " in text


def test_every_listed_command_builds_and_has_help() -> None:
    from qualcode.cli import _SETTINGS, app, root
    from qualcode.cli.lazy import lazy_root

    lazy = lazy_root(app, _SETTINGS, root)
    names = lazy.list_commands(None)
    assert len(names) >= 15
    for name in names:
        command = lazy.get_command(None, name)
        assert command is not None and command.name == name
        assert (command.help or "").strip(), f"{name} has no help text"


@pytest.mark.parametrize("typo,suggestion", [("documentz", "documents"), ("serch", "search")])
def test_unknown_command_still_suggests_the_nearest(typo: str, suggestion: str) -> None:
    from qualcode.cli import main

    err = io.StringIO()
    from contextlib import redirect_stderr

    with redirect_stderr(err):
        assert main([typo]) == 2
    assert f"Did you mean '{suggestion}'" in err.getvalue()
