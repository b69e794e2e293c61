"""Coding from the CLI: offsets, exact matches, listing with speaker, undo and redo."""

from __future__ import annotations

import json

import pytest

from qualcode import history
from qualcode.coding import apply_code, list_codings, remove_coding, set_coding_memo
from qualcode.db import open_project
from qualcode.demo import demo_codebook, demo_corpus_dir

CORPUS = demo_corpus_dir()


@pytest.fixture
def coded_project(cli, project_path):  # type: ignore[no-untyped-def]
    cli("init", str(project_path), project=None)
    cli("participants", "import", str(CORPUS / "participants.csv"))
    cli("codebook", "load", str(demo_codebook()))
    code, _out, err = cli("import", str(CORPUS / "05_moelgaard_dalsgaard.txt"),
                          "--participant", "Peter Mølgaard", "--participant", "Rikke Dalsgaard")
    assert code == 0, err
    return project_path


def doc_text(path) -> str:  # type: ignore[no-untyped-def]
    from qualcode.models import Document

    with open_project(path) as p, p.session() as s:
        return s.get(Document, 1).text


def test_code_by_match_lists_offsets_speaker_and_coder(cli, coded_project):  # type: ignore[no-untyped-def]
    text = doc_text(coded_project)
    start = text.index("Rikke Dalsgaard:") + len("Rikke Dalsgaard: ")
    passage = text[start : start + 40]
    code, out, err = cli("code", "1", "--match", passage, "--code", "6.2", "--coder", "ida",
                         "--memo", "vigtig", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert (made["start"], made["end"]) == (start, start + 40)
    code, out, _ = cli("codings", "list", "--json")
    [row] = json.loads(out)
    assert row["text"] == passage
    assert row["participant"] == "Rikke Dalsgaard"
    assert row["code"] == "6.2" and row["coder"] == "ida" and row["memo"] == "vigtig"
    assert row["document"].startswith("05_moelgaard") or row["document_id"] == 1


def test_code_by_offsets_and_by_label(cli, coded_project):  # type: ignore[no-untyped-def]
    code, out, err = cli("code", "1", "--start", "10", "--end", "20", "--code", "Basal palliation")
    assert code == 0, err
    assert "as 6 Basal palliation" in out
    code, out, _ = cli("codings", "list", "--code", "6", "--json")
    assert [(r["start"], r["end"], r["coder"]) for r in json.loads(out)] == [(10, 20, "tester")]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--start", "20", "--end", "10"], "not inside document"),
        (["--start", "0", "--end", "99999999"], "not inside document"),
        (["--match", "dette står ikke i teksten overhovedet"], "not found"),
        (["--match", "I:"], "occurs"),
        ([], "say what to code"),
    ],
)
def test_bad_coding_requests_are_clear_errors(cli, coded_project, args, needle):  # type: ignore[no-untyped-def]
    code, _out, err = cli("code", "1", "--code", "6.2", *args)
    assert code == 1
    assert needle in err
    assert json.loads(cli("codings", "list", "--json")[1]) == []


def test_unknown_document_and_code_suggest_candidates(cli, coded_project):  # type: ignore[no-untyped-def]
    code, _out, err = cli("code", "Dobbeltinterviw", "--start", "1", "--end", "5", "--code", "6")
    assert code == 1 and "no document" in err
    code, _out, err = cli("code", "1", "--start", "1", "--end", "5", "--code", "palliaton")
    assert code == 1 and "unknown code" in err and "Did you mean" in err


def test_undo_redo_survive_reopening(coded_project):  # type: ignore[no-untyped-def]
    with open_project(coded_project) as p:
        made = apply_code(p, 1, "6.1", 5, 25, "ida")
        set_coding_memo(p, made["id"], "første memo", "ida")
    with open_project(coded_project) as p:  # a restart
        assert history.undo(p, "ida") == f"memo on coding {made['id']}"
        assert list_codings(p)[0]["memo"] == ""
        assert history.undo(p, "ida") is not None
        assert list_codings(p) == []
        assert history.undo(p, "ida") is None
    with open_project(coded_project) as p:
        assert history.redo(p, "ida") is not None
        [row] = list_codings(p)
        assert (row["id"], row["start"], row["end"], row["code"]) == (made["id"], 5, 25, "6.1")
        assert history.redo(p, "ida") is not None
        assert list_codings(p)[0]["memo"] == "første memo"
        remove_coding(p, made["id"], "ida")
        assert list_codings(p) == []
        # another coder's undo does not touch ida's actions
        assert history.undo(p, "mads") is None
        assert history.undo(p, "ida") == f"remove coding {made['id']}"
        assert list_codings(p)[0]["memo"] == "første memo"
