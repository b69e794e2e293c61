"""``apply_codes``, the coding view's write: several codes on one span as one undoable
action, all or nothing, on both backends (SQLite takes ``store.fastpath.add_codings``)."""

from __future__ import annotations

import pytest
from sqlmodel import select
from store.helpers import prepare

from qualcode import history
from qualcode.codebook import resolve_code
from qualcode.coding import apply_code, apply_codes, list_codings
from qualcode.db import Project
from qualcode.errors import CodingError, NotFoundError
from qualcode.models import ActionLog, Coder, Coding, Document


def _code_id(project: Project, key: str) -> int:
    with project.session() as s:
        code_id = resolve_code(s, key).id
    assert code_id is not None
    return code_id


def _state(project: Project) -> tuple[list[tuple[int, int, int, int]], list[str]]:
    """Every coding (code, coder, start, end) and every undo step's label."""
    with project.session() as s:
        codings = [(c.code_id, c.coder_id, c.start, c.end) for c in s.exec(select(Coding))]
        labels = [a.label for a in s.exec(select(ActionLog).order_by(ActionLog.id))]
    return sorted(codings), labels


def test_two_codes_are_one_action_undone_and_redone_together(project: Project) -> None:
    prepare(project)
    one, two = _code_id(project, "1"), _code_id(project, "6.2")
    apply_codes(project, 1, [one], 0, 5, "ida")  # the first coding makes the coder
    ids = apply_codes(project, 1, [one, two], 10, 30, "ida")
    assert len(ids) == 2 and len(set(ids)) == 2
    rows = {r["id"]: r for r in list_codings(project, coder="ida")}
    assert {rows[i]["code"] for i in ids} == {"1", "6.2"}
    assert all((rows[i]["start"], rows[i]["end"], rows[i]["coder"]) == (10, 30, "ida") for i in ids)
    with project.session() as s:
        guids = {c.guid for c in s.exec(select(Coding))}
    assert len(guids) == 3  # every coding its own GUID (REFI-QDA needs them unique)
    assert _state(project)[1][-1] == "code 1, 6.2 at 10-30"
    assert history.undo(project, "ida") == "code 1, 6.2 at 10-30"
    assert {r["id"] for r in list_codings(project, coder="ida")} == {ids[0] - 1}
    assert history.redo(project, "ida") == "code 1, 6.2 at 10-30"
    assert {r["id"] for r in list_codings(project, coder="ida")} >= set(ids)


def test_a_duplicate_among_the_codes_writes_nothing(project: Project) -> None:
    prepare(project)
    one, two = _code_id(project, "1"), _code_id(project, "6.2")
    [first] = apply_codes(project, 1, [two], 40, 60, "ida")
    before = _state(project)
    with pytest.raises(CodingError, match=rf"already coded 6.2 by ida \(coding {first}\)"):
        apply_codes(project, 1, [one, two], 40, 60, "ida")
    with pytest.raises(CodingError, match="already coded 1 by ida"):
        apply_codes(project, 1, [one, one], 70, 80, "ida")
    assert _state(project) == before
    # Another coder may code the same span with the same code.
    assert len(apply_codes(project, 1, [two], 40, 60, "bo")) == 1


def test_bad_input_leaves_the_project_unchanged(project: Project) -> None:
    prepare(project)
    one = _code_id(project, "1")
    apply_codes(project, 1, [one], 0, 5, "ida")
    before = _state(project)
    with project.session() as s:
        doc = s.get(Document, 1)
        assert doc is not None
        length = len(doc.text)
    for start, end in ((5, 5), (10, 2), (-1, 4), (length - 2, length + 1)):
        with pytest.raises(CodingError, match=f"span {start}-{end} is not inside document 1"):
            apply_codes(project, 1, [one], start, end, "ida")
    with pytest.raises(NotFoundError, match="no code 99999"):
        apply_codes(project, 1, [one, 99999], 0, 9, "ida")
    with pytest.raises(NotFoundError, match="no document 4242"):
        apply_codes(project, 4242, [one], 0, 9, "ida")
    with pytest.raises(CodingError, match="unknown origin"):
        apply_codes(project, 1, [one], 0, 9, "ida", origin="guess")
    with pytest.raises(CodingError, match="coder name is empty"):
        apply_codes(project, 1, [one], 0, 9, "  ")
    assert _state(project) == before
    # The last characters of the text can be coded.
    assert len(apply_codes(project, 1, [one], length - 2, length, "ida")) == 1


def test_a_new_coder_is_made_once(project: Project) -> None:
    prepare(project)
    one = _code_id(project, "1")
    apply_codes(project, 1, [one], 0, 5, "ny kodør")
    apply_codes(project, 1, [one], 5, 9, "ny kodør")
    with project.session() as s:
        assert [c.name for c in s.exec(select(Coder).where(Coder.name == "ny kodør"))] == [
            "ny kodør"
        ]
    assert history.undo(project, "ny kodør") == "code 1 at 5-9"
    assert [(r["start"], r["end"]) for r in list_codings(project, coder="ny kodør")] == [(0, 5)]


def test_apply_code_at_the_texts_edges(project: Project) -> None:
    """The hot path checks the span against the text without reading its length (on
    PostgreSQL: from the span it cuts); the refusal still names the length."""
    prepare(project)
    with project.session() as s:
        doc = s.get(Document, 1)
        assert doc is not None
        text = doc.text
    length = len(text)
    made = apply_code(project, 1, "1", length - 3, length, "ida")
    assert made["text"] == text[-3:]
    with pytest.raises(CodingError, match=f"already coded 1 by ida \\(coding {made['id']}\\)"):
        apply_code(project, 1, "1", length - 3, length, "ida")
    before = _state(project)
    for start, end in ((length - 3, length + 1), (length, length + 2), (-2, 3), (9, 9), (9, 4)):
        with pytest.raises(CodingError, match=f"{length} characters"):
            apply_code(project, 1, "1", start, end, "ida")
    assert _state(project) == before
    assert any(ord(c) > 127 for c in text)  # offsets count characters, not UTF-8 bytes
    assert apply_code(project, 1, "1", 0, 1, "ida")["text"] == text[0]


def _undone(project: Project, coder: str) -> list[str]:
    with project.session() as s:
        query = select(ActionLog).where(ActionLog.coder == coder, ActionLog.state == "undone")
        return [a.label for a in s.exec(query)]


def test_a_new_coding_clears_only_its_coders_redo_steps(project: Project) -> None:
    prepare(project)
    one = _code_id(project, "1")
    for coder in ("ida", "bo"):
        apply_codes(project, 1, [one], 0, 5, coder)
        apply_code(project, 1, "1", 5, 9, coder)
        assert history.undo(project, coder) == "code 1 at 5-9"
    apply_codes(project, 1, [one], 20, 25, "ida")  # a new action: ida's redo is gone
    assert history.redo(project, "ida") is None
    assert _undone(project, "bo") == ["code 1 at 5-9"]  # bo's steps are bo's
    apply_code(project, 1, "1", 30, 35, "bo")
    assert history.redo(project, "bo") is None
    apply_code(project, 1, "1", 40, 45, "ida")  # nothing undone: nothing to clear
    assert history.undo(project, "ida") == "code 1 at 40-45"
    assert history.undo(project, "ida") == "code 1 at 20-25"
    assert history.redo(project, "ida") == "code 1 at 20-25"
