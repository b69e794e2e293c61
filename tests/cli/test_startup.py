"""Start-up stays fast: pin which heavy libraries the quick commands may load.

Each case runs the command in a fresh interpreter and reads ``sys.modules`` afterwards, so
a module-level import added anywhere under ``qualcode/cli`` (or in a domain module the
command uses) fails here instead of quietly costing every script call. Timings themselves
are measured in ``benchmarks/cli.py``, never asserted here.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert loaded & (UI_AND_FORMATS | NLP | DATABASE) == set()


def _coded_project(path: Path) -> None:
    from qualcode.documents import list_documents

    project = open_project(path, create=True)
    with project.transaction() as s:
        from qualcode.models import Code, Coder, Coding, Document

        doc = Document(title="Samtale", text="Ventetiden på en henvisning.", sha256="a" * 64)
        code, coder = Code(key="1", label_da="Adgang"), Coder(name="ida")
        s.add_all([doc, code, coder])
        s.flush()
        s.add(Coding(document_id=doc.id, code_id=code.id, coder_id=coder.id, start=0, end=9))
    assert list_documents(project)[0]["codings"] == 1
    project.close()


def test_documents_list_on_a_sqlite_project_loads_no_database_library(project_path: Path) -> None:
    _coded_project(project_path)
    args = ["-p", str(project_path), "documents", "list", "--json"]
    loaded = _loaded(args, project_path.parent)
    assert loaded & (UI_AND_FORMATS | NLP | DATABASE) == set()
    assert "sqlite3" in loaded  # the probe really read the project


def test_documents_list_of_a_file_with_foreign_tables_gets_the_full_paths_refusal(
    project_path: Path,
) -> None:
    _coded_project(project_path)
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("CREATE TABLE notes_of_someone_else (x)")
    conn.close()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "-p", str(project_path), "documents", "list"],
        capture_output=True,
        text=True,
    )
    assert "holds things qualcode's schema does not have" in done.stderr


def _typer_coerced(param: Any, value: Any) -> Any:
    from typer._coercion import build_runtime_param

    return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=None)


def _outcome(coerce: Any, value: Any) -> Any:
    try:
        got = coerce(value)
    except Exception as exc:  # noqa: BLE001 - both must refuse alike
        return type(exc).__name__
    return got, type(got)


def _same(param: Any, value: Any) -> bool:
    """Our coercion and Typer's give the same value of the same type, or both refuse."""
    ours = _outcome(lambda v: param.get_runtime_param().coerce(v, param=param, ctx=None), value)
    return ours == _outcome(lambda v: _typer_coerced(param, v), value)


def _number_params() -> list[Any]:
    from qualcode.cli import _SETTINGS, app, root
    from qualcode.cli.lazy import lazy_root

    lazy = lazy_root(app, _SETTINGS, root)
    search = lazy.get_command(None, "search")
    by_name = {p.name: p for p in search.params}
    return [by_name["limit"], by_name["fuzzy"]]  # an int and a float option


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.-+e_ x", max_size=12) | st.integers().map(str))
def test_number_text_is_read_as_typer_reads_it(text: str) -> None:
    for param in _number_params():
        assert _same(param, text), (param.name, text)


def test_plain_values_are_what_typers_own_coercion_makes_of_them() -> None:
    from qualcode.cli import _SETTINGS, app, root
    from qualcode.cli.lazy import lazy_root

    lazy = lazy_root(app, _SETTINGS, root)
    checked = 0
    commands = [lazy] + [lazy.get_command(None, n) for n in lazy.list_commands(None)]
    while commands:
        command = commands.pop()
        commands += list(getattr(command, "commands", {}).values())
        for param in [*command.params, command.get_help_option(lazy.context_class(command))]:
            annotation = param.type_descriptor.annotation
            samples = {
                str: ["", "æøå – 12", "-p"],
                bool: [True, False],
                int: [0, 7, -3],
                float: [85.0, 0.5],
            }
            for value in samples.get(annotation, []) + [None]:
                ours = param.get_runtime_param().coerce(value, param=param, ctx=None)
                theirs = _typer_coerced(param, value)
                assert ours == theirs and type(ours) is type(theirs), (command.name, param.name)
                checked += 1
            if annotation in (int, float):
                for text in ("12", "-3", "007", "85.5", "1e3", " 4", "1_000", "+2", "x"):
                    assert _same(param, text), (command.name, param.name, text)
                    checked += 1
    assert checked > 200


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
