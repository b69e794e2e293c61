"""Settings are reachable and checked; every user-facing error carries a hint and leaves
the project as it was."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from builders import ProjectBuilder
from cli.study import Cli, assert_error, make_study, run_json
from qualcode_testutil import file_digest

from qualcode.settings import letter_settings, list_settings, set_setting

pytestmark = pytest.mark.usefixtures("created_project")  # the project `cli` uses exists

ROOT = Path(__file__).resolve().parents[2]


def test_settings_show_set_and_the_letter(cli: Cli, project) -> None:  # type: ignore[no-untyped-def]
    rows = {r["key"]: r for r in run_json(cli, "settings", "show")}
    assert rows["silence_as_consent"]["value"] == "false" and not rows["silence_as_consent"]["set"]
    assert run_json(cli, "settings", "set", "silence_as_consent", "ja")["value"] == "true"
    assert run_json(cli, "settings", "set", "name", "Kræftplan V forstudie")["value"]
    assert run_json(cli, "settings", "set", "packet-due-days", "21")["key"] == "packet_due_days"
    cli("settings", "set", "sender_name", "Mads Krog")
    letter = letter_settings(project)
    assert (letter.project_name, letter.sender_name, letter.due_days) == (
        "Kræftplan V forstudie",
        "Mads Krog",
        21,
    )
    assert project.name == "Kræftplan V forstudie"  # what the packet letter prints
    assert run_json(cli, "quotes", "sweep", "--today", "2025-01-01")["silence_as_consent"] is True
    assert_error(cli("settings", "set", "silense_as_consent", "true"), "silence_as_consent")
    assert_error(cli("settings", "set", "silence_as_consent", "måske"), "true or false")
    assert_error(cli("settings", "set", "language", "de"), "da or en")
    assert_error(cli("settings", "set", "packet_due_days", "0"), "days")
    assert_error(cli("settings", "set", "name", "  "), "empty")
    assert {s.key: s.value for s in list_settings(project)}["language"] == "da"
    with pytest.raises(Exception, match="not"):
        set_setting(project, "silence_as_consent", "perhaps")


@pytest.mark.sqlite_only
def test_init_name(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "ny.qualcode"
    assert cli("init", str(target), "--name", "Studie 2", project=None)[0] == 0
    code, out, _ = cli("settings", "show", project=target)
    assert code == 0 and "Studie 2" in out


BAD_INPUTS = [
    (("code", "1", "--match", "ressourcesvage venter længst!", "--code", "1.2"), "Closest passage"),
    (("code", "1", "--match", "De ressourcesvage venter længst", "--code", "9.9"), "9.9"),
    (("code", "1", "--start", "5", "--end", "3", "--code", "1.2"), "span"),
    (("code", "1", "--code", "1.2"), "say what"),
    (("codings", "list", "--code", "9.9"), "9.9"),
    (("codings", "list", "--coder", "nobody"), "nobody"),
    (("codebook", "load", "codebooks/ukendt.toml"), "no such file"),
    (("codebook", "load", "kraeftplanx"), "kraeftplan"),
    (("codebook", "export", "--out", "bog.pdf"), "format"),
    (("documents", "edit", "1", "--kind", "film"), "film"),
    (("documents", "link-speaker", "2", "Nobody", "Ida Holm"), "Ekspert"),
    (("documents", "delete", "7"), "7"),
    (("memo", "set", "coding", "abc", "--text", "x"), "abc"),
    (("settings", "set", "colour", "red"), "colour"),
    (("import", "missing.txt"), "no such file"),
]


@pytest.mark.sqlite_only
def test_bad_input_one_error_with_hint_project_unchanged(
    cli: Cli, tmp_path: Path, project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.db import open_project

    with open_project(project_path, create=True) as made:
        make_study(ProjectBuilder(made, tmp_path))
    monkeypatch.chdir(tmp_path)
    before = file_digest(project_path)
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('[[code]]\nkey = "1"\nlabel_da = "x\n', encoding="utf-8")
    cases = [*BAD_INPUTS, (("codebook", "load", str(bad_toml)), "line")]
    for args, word in cases:
        code, out, err = cli(*args, project=project_path)
        assert code == 1, (args, err)
        lines = err.strip().splitlines()
        assert lines[0].startswith("error: ") and word in err, (args, err)
        assert any(line.startswith("hint: ") for line in lines), (args, err)
        assert file_digest(project_path) == before, args


# Errors raised in the modules this helper owns must say what to do about them.
OWN_MODULES = [
    "coding.py",
    "codebook.py",
    "codebook_edit.py",
    "documents.py",
    "document_text.py",
    "settings.py",
    "code_report.py",
    "cli/coding.py",
    "cli/codebook.py",
    "cli/documents.py",
    "cli/settings.py",
    "cli/memos.py",
    "cli/sources.py",
]


def test_every_error_raised_in_the_daily_modules_has_a_hint() -> None:
    missing = []
    for name in OWN_MODULES:
        tree = ast.parse((ROOT / "qualcode" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if not called.endswith("Error") or called in ("AssertionError", "ValueError"):
                continue
            hinted = len(node.exc.args) >= 2 or any(k.arg == "hint" for k in node.exc.keywords)
            if not hinted:
                missing.append(f"{name}:{node.lineno} {called}")
    assert not missing, f"errors without a hint: {missing}"
