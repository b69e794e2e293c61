"""Memos named as a person names them (`memo show KIND REF`): what ``memos.show_memo`` and
``memos.set_memo`` resolve, return and refuse."""

from __future__ import annotations

import pytest
from builders import ProjectBuilder
from sqlmodel import select

from qualcode.codebook import resolve_code
from qualcode.coding import list_codings
from qualcode.errors import QualcodeError
from qualcode.history import undo
from qualcode.memos import set_memo, show_memo
from qualcode.models import Memo

BOOK = """
[[code]]
key = "1"
label_da = "Ventetid"
[[code]]
key = "2"
label_da = "Lægehuset"
"""


@pytest.fixture
def built(build: ProjectBuilder) -> ProjectBuilder:
    build.codebook(BOOK)
    doc = build.document("hald", [("I", "Hvordan?"), ("Sigrid Hald", "Ventetiden er lang.")])
    build.code(doc, "Ventetiden er lang.", "1", coder="ida")
    return build


def _memo_rows(build: ProjectBuilder) -> list[tuple[str, int | None, str]]:
    with build.project.session() as s:
        return [(m.target_kind, m.target_id, m.text) for m in s.exec(select(Memo))]


def test_a_memo_is_found_by_the_name_a_person_gives(built: ProjectBuilder) -> None:
    project = built.project
    set_memo(project, "code", "Ventetid", "Om ventetid.", "ida")  # by label
    assert show_memo(project, "code", "1", "ida") == {
        "target": "code", "id": _code_id(built, "1"), "coder": "ida", "text": "Om ventetid."
    }  # fmt: skip
    assert show_memo(project, "code", "1", "mads")["text"] == ""  # memos are per coder
    set_memo(project, "document", "Hald", "Et notat.", "ida")  # by title, case folded
    set_memo(project, "project", None, "Projektnotat.", "ida")
    assert show_memo(project, "project", None, "ida")["id"] is None
    assert sorted(text for _, _, text in _memo_rows(built)) == [
        "Et notat.", "Om ventetid.", "Projektnotat."
    ]  # fmt: skip
    set_memo(project, "code", "1", "  ", "ida")  # blank deletes
    assert show_memo(project, "code", "1", "ida")["text"] == ""


def test_a_codings_memo_is_the_codings_own_and_undoable(built: ProjectBuilder) -> None:
    project = built.project
    coding_id = list_codings(project)[0]["id"]
    set_memo(project, "coding", str(coding_id), "Tjek ordlyden.", "ida")
    shown = show_memo(project, "coding", str(coding_id), "mads")  # whoever asks
    assert (shown["id"], shown["text"], shown["coder"]) == (coding_id, "Tjek ordlyden.", "mads")
    assert _memo_rows(built) == []  # not a Memo row: the coding's own memo
    assert undo(project, "ida") is not None
    assert show_memo(project, "coding", str(coding_id), "ida")["text"] == ""


@pytest.mark.parametrize(
    "kind,ref,message",
    [
        ("quote", "1", "memos go on"),
        ("code", None, "which code?"),
        ("coding", "første", "named by its id"),
        ("coding", "999", "no coding 999"),
        ("code", "9.9", "9.9"),
        ("document", "Ukendt", "Ukendt"),
    ],
)
def test_a_bad_name_is_one_error_with_a_hint_and_writes_nothing(
    built: ProjectBuilder, kind: str, ref: str | None, message: str
) -> None:
    before = _memo_rows(built)
    with pytest.raises(QualcodeError) as caught:
        show_memo(built.project, kind, ref, "ida")
    assert message in caught.value.message and caught.value.hint
    with pytest.raises(QualcodeError):
        set_memo(built.project, kind, ref, "x", "ida")
    assert _memo_rows(built) == before
    assert [c["memo"] for c in list_codings(built.project)] == [""]


def _code_id(build: ProjectBuilder, key: str) -> int:
    with build.project.session() as s:
        code_id = resolve_code(s, key).id
    assert code_id is not None
    return code_id
