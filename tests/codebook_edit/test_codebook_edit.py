"""Codebook edits as domain functions: one transaction each; merge and delete undoable."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qualcode import codebook_edit
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.errors import CodebookError
from qualcode.history import undo as history_undo
from qualcode.models import ActionLog, Code, Coding, Memo

BOOK = """
[codebook]
name = "Lille bog"
language = "da"

[[code]]
key = "1"
label_da = "Område et"
kind = "area"

[[code]]
key = "1.1"
parent = "1"
label_da = "Punkt et"
kind = "attention_point"

[[code]]
key = "1.2"
parent = "1"
label_da = "Punkt to"
kind = "attention_point"

[[code]]
key = "2"
label_da = "Område to"
kind = "area"
"""


@pytest.fixture
def book_project(project: Project, tmp_path) -> Project:  # noqa: ANN001
    path = tmp_path / "book.toml"
    path.write_text(BOOK, encoding="utf-8")
    load_codebook(project, path)
    source = tmp_path / "notat.txt"
    source.write_text(
        "Et kort notat om ventetider og samarbejde på tværs af sektorer.\n", encoding="utf-8"
    )
    from qualcode.importing import import_files

    import_files(project, [source], kind="notes", annotate=False)
    return project


def code_keys(project: Project) -> dict[str, str | None]:
    with project.session() as s:
        codes = s.exec(select(Code)).all()
        keys = {c.id: c.key for c in codes}
        return {c.key: keys.get(c.parent_id) if c.parent_id else None for c in codes}


def coding_codes(project: Project) -> list[str]:
    with project.session() as s:
        rows = s.exec(select(Code.key).join(Coding, Coding.code_id == Code.id).order_by(Coding.id))
        return list(rows)


def test_add_rename_move_recolour(book_project: Project) -> None:
    new_id = codebook_edit.add_code(book_project, "1.3", "Punkt tre", parent="1")
    assert code_keys(book_project)["1.3"] == "1"
    codebook_edit.rename_code(
        book_project, new_id, label_da="Punkt 3", label_en="Point 3", key="1.9"
    )
    codebook_edit.move_code(book_project, "1.9", "2")
    assert codebook_edit.recolour_code(book_project, "1.9", "ABC") == "#aabbcc"
    with book_project.session() as s:
        code = s.get(Code, new_id)
        assert code is not None
        assert (code.key, code.label_da, code.label_en, code.colour) == (
            "1.9",
            "Punkt 3",
            "Point 3",
            "#aabbcc",
        )
    assert code_keys(book_project)["1.9"] == "2"
    codebook_edit.move_code(book_project, "1.9", None)
    assert code_keys(book_project)["1.9"] is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: codebook_edit.add_code(p, "1", "dublet"), "taken"),
        (lambda p: codebook_edit.add_code(p, "", "uden nøgle"), "key"),
        (lambda p: codebook_edit.move_code(p, "1", "1.1"), "inside"),
        (lambda p: codebook_edit.recolour_code(p, "1", "blålig"), "not a colour"),
        (lambda p: codebook_edit.merge_codes(p, "1", "1", "ida"), "itself"),
        (lambda p: codebook_edit.merge_codes(p, "1", "1.2", "ida"), "inside"),
        (lambda p: codebook_edit.delete_code(p, "1", "ida"), "child"),
    ],
)
def test_refusals_say_why(book_project: Project, call, message: str) -> None:  # noqa: ANN001
    with pytest.raises(CodebookError, match=message):
        call(book_project)


def test_merge_moves_codings_children_and_memos_and_is_undoable(book_project: Project) -> None:
    apply_code(book_project, 1, "1.1", 0, 8, "ida")
    apply_code(book_project, 1, "1.1", 10, 20, "ida")
    apply_code(book_project, 1, "2", 21, 30, "ida")
    codebook_edit.add_code(book_project, "1.1.a", "Underpunkt", parent="1.1")
    with book_project.transaction() as s:
        source = s.exec(select(Code).where(Code.key == "1.1")).one()
        s.add(Memo(target_kind="code", target_id=source.id, text="husk"))
    moved = codebook_edit.merge_codes(book_project, "1.1", "1.2", "ida")
    assert moved == 2
    assert coding_codes(book_project) == ["1.2", "1.2", "2"]
    keys = code_keys(book_project)
    assert "1.1" not in keys and keys["1.1.a"] == "1.2"

    assert codebook_edit.undo(book_project, "ida") == "merge code 1.1 into 1.2"
    assert coding_codes(book_project) == ["1.1", "1.1", "2"]
    keys = code_keys(book_project)
    assert keys["1.1"] == "1" and keys["1.1.a"] == "1.1"
    with book_project.session() as s:
        memo = s.exec(select(Memo)).one()
        restored = s.exec(select(Code).where(Code.key == "1.1")).one()
        assert memo.target_id == restored.id

    assert codebook_edit.redo(book_project, "ida") == "merge code 1.1 into 1.2"
    assert coding_codes(book_project) == ["1.2", "1.2", "2"]
    assert "1.1" not in code_keys(book_project)


def test_delete_needs_force_when_codings_would_go(book_project: Project) -> None:
    apply_code(book_project, 1, "2", 0, 8, "ida")
    assert codebook_edit.code_usage(book_project, "2") == {"codings": 1, "children": 0, "quotes": 0}
    with pytest.raises(CodebookError, match="1 coding"):
        codebook_edit.delete_code(book_project, "2", "ida")
    assert codebook_edit.delete_code(book_project, "2", "ida", force=True) == 1
    assert "2" not in code_keys(book_project) and coding_codes(book_project) == []
    codebook_edit.undo(book_project, "ida")
    assert "2" in code_keys(book_project) and coding_codes(book_project) == ["2"]
    codebook_edit.redo(book_project, "ida")
    assert "2" not in code_keys(book_project)


def test_delete_an_unused_code(book_project: Project) -> None:
    assert codebook_edit.delete_code(book_project, "1.2", "ida") == 0
    assert "1.2" not in code_keys(book_project)


def test_plain_coding_actions_undo_the_same_way(book_project: Project) -> None:
    apply_code(book_project, 1, "2", 0, 8, "ida")
    assert codebook_edit.undo(book_project, "ida") is not None
    assert coding_codes(book_project) == []
    assert codebook_edit.redo(book_project, "ida") is not None
    assert coding_codes(book_project) == ["2"]
    # and the core history still works on actions made here
    assert history_undo(book_project, "ida") is not None


def test_redo_replays_in_the_order_things_were_undone(book_project: Project) -> None:
    """Undo merge then delete, redo once: the merge comes back first (it was undone last)."""
    apply_code(book_project, 1, "1.1", 0, 8, "ida")
    codebook_edit.merge_codes(book_project, "1.1", "1.2", "ida")
    codebook_edit.delete_code(book_project, "2", "ida")
    assert history_undo(book_project, "ida") == "delete code 2"
    assert history_undo(book_project, "ida") == "merge code 1.1 into 1.2"
    assert codebook_edit.redo(book_project, "ida") == "merge code 1.1 into 1.2"
    keys = code_keys(book_project)
    assert "1.1" not in keys and "2" in keys
    assert codebook_edit.redo(book_project, "ida") == "delete code 2"
    assert "2" not in code_keys(book_project)


def _new_code_by(way: str, project: Project, tmp_path) -> None:  # noqa: ANN001
    """A new code "3" made the way a researcher might: by hand, by loading a codebook file,
    or by coding with a code that does not exist yet (a colleague: not in ida's undo)."""
    if way == "add":
        codebook_edit.add_code(project, "3", "Område tre")
    elif way == "load":
        path = tmp_path / "more.toml"
        book = '[codebook]\nname = "Mere"\n\n[[code]]\nkey = "3"\nlabel_da = "Område tre"\n'
        path.write_text(book, "utf-8")
        load_codebook(project, path)
    else:
        from qualcode.coding import apply_new_code

        apply_new_code(project, 1, 20, 30, "Område tre", None, "ole", key="3")


@pytest.mark.parametrize("way", ["add", "load", "code"])
def test_undo_of_a_code_delete_brings_back_that_code_after_a_new_one_was_made(
    book_project: Project, tmp_path, way: str  # noqa: ANN001
) -> None:
    """The newest code is deleted (with its coding), a new code is made, the delete is
    undone: the codings come back under the deleted code, not under the new one (SQLite
    gave the deleted code's id to the next code, and undo filed the codings under it)."""
    apply_code(book_project, 1, "2", 0, 8, "ida")
    codebook_edit.delete_code(book_project, "2", "ida", force=True)
    _new_code_by(way, book_project, tmp_path)
    with book_project.session() as s:
        made = [c for c in s.exec(select(Code)) if c.key not in ("1", "1.1", "1.2")]
    assert len(made) == 1
    while history_undo(book_project, "ida") != "delete code 2":
        pass
    keys = code_keys(book_project)
    assert "2" in keys and made[0].key in keys
    assert coding_codes(book_project) == ["2"] + (["3"] if way == "code" else [])


def test_undo_stops_with_a_reason_when_another_code_holds_the_deleted_codes_id(
    book_project: Project,
) -> None:
    """A project whose new code took a deleted code's id (made before ids were chosen above
    the history's): undo refuses, says which code holds it, and changes nothing."""
    from qualcode.errors import ConflictError

    apply_code(book_project, 1, "2", 0, 8, "ida")
    codebook_edit.delete_code(book_project, "2", "ida", force=True)
    with book_project.transaction() as s:
        s.add(Code(id=4, key="ny", label_da="Ny kode"))  # "2" had id 4
    with pytest.raises(ConflictError, match="'ny' now has its id"):
        history_undo(book_project, "ida")
    assert "2" not in code_keys(book_project) and coding_codes(book_project) == []
    with book_project.session() as s:  # the step is still there, still to undo
        step = s.exec(select(ActionLog).where(ActionLog.label == "delete code 2")).one()
        assert step.state == "done"
    with book_project.session() as s:
        assert s.exec(select(Code).where(Code.id == 4)).one().key == "ny"
