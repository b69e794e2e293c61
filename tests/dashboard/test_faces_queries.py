"""The queries the TUI's screens show, as domain functions (no SQL left in qualcode/tui):
dashboard figures, the coding view's loader, the suggestion queue, memos, and deciding all
suggestions of one code. On both backends (the demo project)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qualcode import history
from qualcode.codebook import code_counts
from qualcode.dashboard import dashboard_figures
from qualcode.db import Project
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.memos import memo_counts, read_memo, write_memo
from qualcode.models import Code, Coding, Document, Suggestion
from qualcode.passages import (
    SuggestionPlace,
    document_titles,
    load_document_view,
    next_suggestion,
    open_suggestion_places,
)
from qualcode.suggestion_batch import decide_code_suggestions


def _ids(project: Project) -> tuple[int, int]:
    with project.session() as s:
        doc = s.exec(select(Document).order_by(Document.id)).first()
        area = s.exec(select(Code).where(Code.key == "6")).one()
        assert doc is not None and doc.id is not None and area.id is not None
        return doc.id, area.id


def test_dashboard_counts_an_area_with_its_attention_points(demo_project: Project) -> None:
    figures = dashboard_figures(demo_project)
    with demo_project.session() as s:
        counts = code_counts(s)
        total = len(s.exec(select(Coding)).all())
        area = s.exec(select(Code).where(Code.key == "6")).one()
    by_key = {a.key: a for a in figures.areas}
    assert figures.codings == total
    assert by_key["6"].codings == counts[area.id].with_descendants  # type: ignore[index]
    assert by_key["6"].codings > counts[area.id].own  # type: ignore[index]  # its points count
    assert sum(a.codings for a in figures.areas) == total
    assert sum(figures.quotes.values()) > 0 and figures.overdue == 0


def test_the_coding_view_loader(demo_project: Project) -> None:
    doc_id, _ = _ids(demo_project)
    view = load_document_view(demo_project, doc_id)
    with demo_project.session() as s:
        n = len(s.exec(select(Coding).where(Coding.document_id == doc_id)).all())
    assert len(view.spans) == n and view.turns
    assert all(view.text[t.start : t.label_end].rstrip(":") == t.speaker for t in view.turns)
    assert any(t.interviewer for t in view.turns)
    assert (doc_id, view.title) in document_titles(demo_project)
    with pytest.raises(NotFoundError) as err:
        load_document_view(demo_project, 99999)
    assert err.value.hint


def test_suggestion_queue_walks_across_documents_and_wraps() -> None:
    places = [SuggestionPlace(1, 1, 50, 60, 7), SuggestionPlace(2, 2, 10, 20, 7)]
    assert next_suggestion(places, 1, 0, 1) == places[0]
    assert next_suggestion(places, 1, 50, 1) == places[1]  # on to the next document
    assert next_suggestion(places, 2, 10, 1) == places[0]  # wraps round
    assert next_suggestion(places, 1, 50, -1) == places[1]  # and backwards
    assert next_suggestion([], 1, 0, 1) is None


def test_accept_all_of_a_code_is_one_undo(demo_project: Project) -> None:
    doc_id, area = _ids(demo_project)
    with demo_project.transaction() as s:
        for start in (0, 40, 80):
            s.add(Suggestion(document_id=doc_id, code_id=area, start=start, end=start + 20,
                             score=0.5, method="keywords"))  # fmt: skip
    assert len([p for p in open_suggestion_places(demo_project) if p.document_id == doc_id]) >= 3
    with demo_project.session() as s:
        before = len(s.exec(select(Coding)).all())
    done = decide_code_suggestions(demo_project, doc_id, area, True, "tester")
    assert done.decided == 3 and len(done.coding_ids) == 3
    with demo_project.session() as s:
        assert len(s.exec(select(Coding)).all()) == before + 3
    assert history.undo(demo_project, "tester") is not None
    with demo_project.session() as s:
        assert len(s.exec(select(Coding)).all()) == before
    # nothing open left for that code: a second call decides nothing
    assert decide_code_suggestions(demo_project, doc_id, area, False, "tester").decided == 0


def test_reject_all_and_bad_ids(demo_project: Project) -> None:
    doc_id, area = _ids(demo_project)
    with demo_project.transaction() as s:
        s.add(Suggestion(document_id=doc_id, code_id=area, start=5, end=9, score=0.5,
                         method="keywords"))  # fmt: skip
    assert decide_code_suggestions(demo_project, doc_id, area, False, "tester").decided == 1
    with demo_project.session() as s:
        row = s.exec(select(Suggestion).where(Suggestion.start == 5)).one()
        assert row.status == "rejected" and "tester" in row.reason
    with pytest.raises(NotFoundError):
        decide_code_suggestions(demo_project, 99999, area, True, "tester")


def test_memos_and_their_counts(demo_project: Project) -> None:
    _, area = _ids(demo_project)
    before = memo_counts(demo_project, "code").get(area, 0)
    write_memo(demo_project, "code", area, "Husk kommunerne", "ida")
    assert read_memo(demo_project, "code", area, "ida") == "Husk kommunerne"
    assert memo_counts(demo_project, "code")[area] == before + 1
    write_memo(demo_project, "code", area, "  ", "ida")  # empty: removed
    assert read_memo(demo_project, "code", area, "ida") == ""
    with pytest.raises(QualcodeError) as err:
        memo_counts(demo_project, "nonsense")
    assert err.value.hint
