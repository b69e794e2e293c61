"""Blind coding (who sees whose codings) and the audit log (who did what when)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from store.helpers import CliRunner, participant_span, prepare

from qualcode import quotes
from qualcode.codebook import codebook_tree
from qualcode.codebook_edit import rename_code
from qualcode.coding import apply_code, list_codings
from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.history import undo
from qualcode.visibility import (
    open_review,
    read_settings,
    set_blind,
    set_lead,
    visible_coder_filter,
)


def _count(tree: list[dict[str, object]], key: str) -> int:
    for node in tree:
        if node["key"] == key:
            return int(str(node["codings"]))
        children = node.get("children", [])
        assert isinstance(children, list)
        found = _count(children, key)
        if found >= 0:
            return found
    return -1


def _coders(project: Project, viewer: str) -> list[str]:
    return sorted({c["coder"] for c in list_codings(project, viewer=viewer)})


def test_blind_coders_see_only_their_own_until_a_lead_opens_review(project: Project) -> None:
    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "bo")
    apply_code(project, 1, "1", 60, 80, "bo")
    assert visible_coder_filter(project, "anna") is None  # off: everyone sees everyone
    assert _coders(project, "anna") == ["anna", "bo"]

    set_blind(project, True)
    set_lead(project, "lise")
    assert _coders(project, "anna") == ["anna"]
    assert _coders(project, "bo") == ["bo"]
    assert _coders(project, "lise") == ["anna", "bo"]  # the lead sees everyone
    assert _count(codebook_tree(project, viewer="anna"), "1") == 1
    assert _count(codebook_tree(project, viewer="bo"), "1") == 2
    assert _count(codebook_tree(project, viewer="lise"), "1") == 3

    with pytest.raises(QualcodeError, match="not a lead"):
        open_review(project, "anna")
    assert read_settings(project).review_open is False
    open_review(project, "lise")
    assert _coders(project, "anna") == ["anna", "bo"]
    set_blind(project, True)  # a new blind round closes review again
    assert _coders(project, "anna") == ["anna"]


def test_blind_for_one_coder_only(project: Project) -> None:
    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "bo")
    set_blind(project, True, coder="ny")
    apply_code(project, 1, "1", 60, 80, "ny")
    assert _coders(project, "ny") == ["ny"]
    assert _coders(project, "anna") == ["anna", "bo", "ny"]
    set_blind(project, False, coder="ny")
    assert _coders(project, "ny") == ["anna", "bo", "ny"]


def test_reviewed_codings_are_seen_by_everyone(project: Project) -> None:
    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "lise", origin="review")
    set_blind(project, True)
    assert _coders(project, "bo") == ["lise"]


def test_the_blind_cli(cli: CliRunner, project: Project) -> None:
    prepare(project)
    code, out, _ = cli("blind", "on")
    assert code == 0 and "on for everyone" in out
    code, out, err = cli("blind", "review", "--as", "anna")
    assert code == 1 and "not a lead" in err and "hint:" in err
    assert cli("blind", "lead", "anna")[0] == 0
    code, out, _ = cli("blind", "review", "--as", "anna")
    assert code == 0 and "review open" in out
    code, out, _ = cli("blind", "status", "--json")
    assert json.loads(out) == {
        "project_wide": True,
        "coders": [],
        "leads": ["anna"],
        "review_open": True,
    }


def test_the_log_says_who_did_what_when(project: Project, cli: CliRunner) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    prepare(project)  # codebook, participants, one import
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "bo")
    undo(project, "bo")
    rename_code(project, "1", label_da="Nyt navn")
    made = quotes.add_quote(project, 1, *participant_span(project), "1", "anna")
    quotes.respond(project, made["id"], "approve", "redaktør")

    code, out, err = cli("log", "--json")
    assert code == 0, err
    entries = json.loads(out)
    kinds = {e["kind"] for e in entries}
    assert {"coding", "codebook", "import", "quote"} <= kinds
    assert entries == sorted(entries, key=lambda e: e["at"], reverse=True)
    assert all(dt.datetime.fromisoformat(e["at"]) >= before for e in entries)
    bo = [e for e in entries if e["who"] == "bo"]
    assert [(e["kind"], e["state"]) for e in bo] == [("coding", "undone")]
    answers = [e for e in entries if e["kind"] == "quote" and e["who"] == "redaktør"]
    assert answers and "approved" in answers[0]["what"]

    code, out, _ = cli("log", "--coder", "anna", "--kind", "coding")
    assert code == 0 and "anna" in out and "bo" not in out
    code, out, _ = cli("log", "--since", "1h", "--json")
    assert len(json.loads(out)) == len(entries)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    code, out, _ = cli("log", "--since", tomorrow)
    assert code == 0 and "nothing logged" in out
    assert cli("log", "--since", "today")[0] == 0
    code, _, err = cli("log", "--since", "last tuesday")
    assert code == 1 and "hint:" in err
    # Logged entries are records only: undo never takes them.
    assert undo(project, "tester") is None


def test_the_synthesis_counts_reviewed_codings_when_blind(project: Project) -> None:
    from qualcode.synthesis import load_snapshot

    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "bo")
    settled = apply_code(project, 1, "1", 0, 20, "lise", origin="review")
    assert len(load_snapshot(project).codings) == 3  # blind off: every coding
    set_blind(project, True)
    assert [c.id for c in load_snapshot(project).codings] == [settled["id"]]


def test_cli_counts_and_reports_follow_blind_coding(
    project: Project, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``codebook show`` and ``codings report`` count what the coder running them may see."""
    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "bo")
    apply_code(project, 1, "1", 60, 80, "bo")
    set_blind(project, True)
    set_lead(project, "lise")

    def shown(*extra: str) -> int:
        code, out, err = cli("codebook", "show", "--json", *extra)
        assert code == 0, err
        return _count(json.loads(out), "1")

    monkeypatch.setenv("QUALCODE_CODER", "anna")
    assert shown() == 1  # anna's own coding only
    assert shown("--as", "bo") == 2
    assert shown("--as", "lise") == 3  # the lead counts everyone's
    code, out, err = cli("codings", "report", "--code", "1", "--only", "--json")
    assert code == 0, err
    assert json.loads(out)["passages"] == 1
    monkeypatch.setenv("QUALCODE_CODER", "lise")
    assert shown() == 3


def test_dashboard_and_document_list_count_what_the_viewer_may_see(project: Project) -> None:
    from qualcode.dashboard import dashboard_figures
    from qualcode.documents import list_documents

    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1.1", 30, 50, "bo")
    apply_code(project, 1, "1", 60, 80, "bo")
    set_blind(project, True)
    set_lead(project, "lise")

    def area_one(viewer: str) -> int:
        figures = dashboard_figures(project, viewer=viewer)
        return next(a.codings for a in figures.areas if a.key == "1")

    def document_one(viewer: str) -> int:
        return next(d["codings"] for d in list_documents(project, viewer=viewer) if d["id"] == 1)

    assert (area_one("anna"), area_one("bo"), area_one("lise")) == (1, 2, 3)
    assert dashboard_figures(project, viewer="anna").codings == 1
    assert dashboard_figures(project, viewer="lise").codings == 3
    assert (document_one("anna"), document_one("bo"), document_one("lise")) == (1, 2, 3)
    set_blind(project, False)
    assert area_one("anna") == 3 and document_one("anna") == 3
