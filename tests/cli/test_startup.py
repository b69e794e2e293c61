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
CLI_FRAMEWORK = {"typer", "click", "pydantic"}
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


def _loaded_qualcode_modules(args: list[str], cwd: Path) -> set[str]:
    probe = _PROBE.replace("m.split('.')[0] for m", "m for m")
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=cwd
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {m for m in report["modules"] if m.startswith("qualcode")}


@pytest.mark.parametrize("args", [["--help"], ["documents", "--help"], ["import", "--help"]])
def test_help_loads_no_cli_framework_database_nlp_ui_or_format_library(
    args: list[str], tmp_path: Path
) -> None:
    loaded = _loaded(args, tmp_path)
    assert "json" in loaded  # the probe really ran
    assert loaded & (CLI_FRAMEWORK | UI_AND_FORMATS | NLP | DATABASE) == set()
    assert _loaded_qualcode_modules(args, tmp_path) == {
        "qualcode",
        "qualcode.cli",
        "qualcode.cli.help",
    }


def test_a_group_without_a_command_prints_its_help_without_typer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "documents"], capture_output=True, text=True, cwd=tmp_path
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 2
    assert "Usage: qualcode documents [OPTIONS] COMMAND" in done.stderr
    assert set(report["modules"]) & CLI_FRAMEWORK == set()


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


def test_export_csv_on_a_sqlite_project_loads_no_database_library(project_path: Path) -> None:
    _coded_project(project_path)
    out = project_path.parent / "codings.csv"
    args = ["-p", str(project_path), "export", "csv", str(out), "--json"]
    loaded = _loaded(args, project_path.parent)
    assert loaded & (UI_AND_FORMATS | NLP | DATABASE) == set()
    assert "sqlite3" in loaded and "csv" in loaded  # the probe really wrote the export
    assert ",Ventetide," in out.read_text(encoding="utf-8-sig")  # the coded 0-9


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
    checked = paths_checked = 0
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
                Path: ["a.csv", "", "~/x", "æøå/ø 2.txt", Path("b.txt")],
                list[Path]: [("a.txt", "b/c.txt"), [], ["x"]],
                list[str]: [("a", "æ b"), (), ["x"], ("-p",)],
            }
            for value in samples.get(annotation, []) + [None]:
                ours = param.get_runtime_param().coerce(value, param=param, ctx=None)
                theirs = _typer_coerced(param, value)
                assert ours == theirs and type(ours) is type(theirs), (command.name, param.name)
                checked += 1
            if annotation in (Path, list[Path]):  # pydantic refuses a NUL: so must we
                value = "a\x00b" if annotation is Path else ("ok", "a\x00b")
                assert _same(param, value), (command.name, param.name, value)
                paths_checked += 1
            if annotation in (int, float):
                for text in ("12", "-3", "007", "85.5", "1e3", " 4", "1_000", "+2", "x"):
                    assert _same(param, text), (command.name, param.name, text)
                    checked += 1
    assert checked > 200 and paths_checked >= 10


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


# ----- the help pages printed without Typer (qualcode/cli/help.py) ---------------------


def _all_paths() -> list[list[str]]:
    from qualcode.cli.help_gen import all_pages

    return [page["path"] for page in all_pages()]


def test_the_stored_help_pages_are_what_typer_has_now() -> None:
    from qualcode.cli.help import load_pages
    from qualcode.cli.help_gen import all_pages

    stored = list(load_pages().values())
    assert stored == all_pages(), (
        "qualcode/cli/help_pages.json is out of date: run `python -m qualcode.cli.help_gen`"
    )


@pytest.mark.parametrize("columns", ["60", "80", "120", "30"])
def test_fast_help_is_typers_help_word_for_word_at_every_width(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer.main

    from qualcode.cli import app, main

    monkeypatch.setenv("COLUMNS", columns)
    eager = typer.main.get_command(app)
    paths = _all_paths()
    assert len(paths) > 40  # the root, every group and every command
    for path in paths:
        capsys.readouterr()
        assert main([*path, "--help"]) == 0
        fast = capsys.readouterr().out
        assert fast == _help(eager, [*path, "--help"]), path
    root = _help(eager, ["--help"])
    for name, command in eager.commands.items():  # type: ignore[attr-defined]
        assert (f"\n  {name} " in root) is not command.hidden, name


def test_every_command_is_on_the_fast_help_page(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer.main

    from qualcode.cli import app, main

    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    listed = [line.split()[0] for line in text.split("Commands:\n", 1)[1].splitlines()]
    eager = typer.main.get_command(app)
    assert listed == [n for n, c in eager.commands.items() if not c.hidden]  # type: ignore[attr-defined]
    assert {"import", "documents", "search", "code", "quotes"} <= set(listed)


@pytest.mark.parametrize("group", ["documents", "codebook", "quotes", "memo"])
def test_a_group_alone_prints_typers_help_on_stderr_and_exits_2(
    group: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main, run_typer  # type: ignore[attr-defined]

    assert main([group]) == 2
    fast = capsys.readouterr()
    assert run_typer([group]) == 2
    assert fast == capsys.readouterr()
    assert fast.out == "" and f"Usage: qualcode {group} " in fast.err


@pytest.mark.parametrize(
    "args",
    [["--help", "documents"], ["-p", "x", "--help"], ["documentz", "--help"], ["documents", "-h"]],
)
def test_anything_but_a_plain_help_request_goes_to_typer(args: list[str]) -> None:
    from qualcode.cli.help import fast_help

    assert fast_help(args) is None


_WORDS = st.sampled_from(
    ["a", "qualcode", "--db-url", "re-anchor", "x" * 40, "e.g.", "end.", "æøå", "\b", "—", "ok"]
)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.tuples(_WORDS, st.sampled_from([" ", "  ", "\n", "\n\n", "\n  ", "\t"]))),
    width=st.integers(min_value=10, max_value=100),
    indent=st.sampled_from(["", "  ", "    "]),
)
def test_the_layout_wraps_and_shortens_text_as_click_does(
    words: list[tuple[str, str]], width: int, indent: str
) -> None:
    from typer._click.formatting import wrap_text
    from typer._click.utils import make_default_short_help

    from qualcode.cli.help import short_help, wrap

    text = "".join(word + gap for word, gap in words)
    for paragraphs in (False, True):
        ours = wrap(text, width, indent, indent, paragraphs=paragraphs)
        assert ours == wrap_text(text, width, indent, indent, preserve_paragraphs=paragraphs)
    assert short_help(text, width) == make_default_short_help(text, width)
