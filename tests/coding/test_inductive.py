"""Inductive coding: a new code and its coding are one undo step; quotes take codes."""

from __future__ import annotations

import pytest
from builders import ProjectBuilder
from cli.study import Cli, make_study, run_json

from qualcode.codebook import resolve_code
from qualcode.coding import apply_new_code, list_codings
from qualcode.errors import QualcodeError
from qualcode.history import redo, undo

pytestmark = pytest.mark.usefixtures("created_project")  # the project `cli` uses exists


def test_new_code_and_coding_undo_together(project, cli: Cli, build: ProjectBuilder) -> None:  # type: ignore[no-untyped-def]
    docs = make_study(build)
    made = apply_new_code(project, docs["holm"], 142, 173, "Ventetid", "1", "ida")
    assert made.key == "1.5"
    top = apply_new_code(project, docs["holm"], 10, 20, "Lange ventetider", None, "ida")
    assert top.key == "lange-ventetider"
    assert undo(project, "ida") == "new code lange-ventetider at 10-20"
    assert undo(project, "ida") == "new code 1.5 at 142-173"
    assert list_codings(project) == []
    with project.session() as s:
        try:
            resolve_code(s, "1.5")
            raise AssertionError("the code should be gone")
        except QualcodeError:
            pass
    assert redo(project, "ida") == "new code 1.5 at 142-173"
    [row] = list_codings(project)
    assert (row["code"], row["code_label"]) == ("1.5", "Ventetid")
    for bad in ("", "   "):
        try:
            apply_new_code(project, docs["holm"], 142, 173, bad, "1", "ida")
            raise AssertionError("an empty label must fail")
        except QualcodeError as exc:
            assert exc.hint


def test_quotes_list_by_area_and_quote_takes_code(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    holm = str(docs["holm"])
    cli("code", holm, "--match", "Patienter med vage symptomer venter for længe.", "--code", "1.2")
    quote = run_json(cli, "quotes", "add", holm, "--match", "vage symptomer venter for længe")
    assert quote["code"] == "1.2"
    assert [q["id"] for q in run_json(cli, "quotes", "list", "--code", "1")] == [quote["id"]]
    assert run_json(cli, "quotes", "list", "--code", "1", "--only") == []
    # Two codes cover the span: no guess.
    cli("code", holm, "--match", "Det kræver bedre samarbejde mellem sektorerne.", "--code", "2.3")
    cli("code", holm, "--match", "Det kræver bedre samarbejde mellem sektorerne.", "--code", "4.2")
    other = run_json(cli, "quotes", "add", holm, "--match", "bedre samarbejde mellem sektorerne")
    assert other["code"] is None
    code, out, _ = cli("search", "sektorerne")
    assert code == 0 and "1 hit in 1 document:" in out
