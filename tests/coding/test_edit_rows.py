"""Changing a coding (memo, code, span) is a row-level write, like applying a code: it
locks the coding and the coders' rows, not the codebook and the documents, so colleagues
code on meanwhile; a code merge still waits for it and loses nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import select
from store.helpers import prepare, target_of

from qualcode import coding
from qualcode.codebook_edit import merge_codes
from qualcode.coding import apply_code, edit_coding
from qualcode.db import Project, open_project
from qualcode.errors import CodingError
from qualcode.history import redo, undo
from qualcode.models import Code, Coding


def test_a_change_is_undone_and_redone_as_one_step(project: Project) -> None:
    prepare(project)
    made = apply_code(project, 1, "1.1", 10, 30, "mira")
    after = edit_coding(project, made["id"], "mira", code="1.2", start=12, end=40, memo="ny")
    assert (after["code"], after["start"], after["end"], after["memo"]) == ("1.2", 12, 40, "ny")
    assert undo(project, "mira") is not None
    with project.session() as s:
        row = s.get(Coding, made["id"])
        assert row is not None and (row.start, row.end, row.memo) == (10, 30, "")
    assert redo(project, "mira") is not None
    with project.session() as s:
        row = s.get(Coding, made["id"])
        assert row is not None and (row.start, row.end, row.memo) == (12, 40, "ny")


def test_a_change_onto_an_existing_coding_is_refused_and_writes_nothing(
    project: Project,
) -> None:
    prepare(project)
    apply_code(project, 1, "1.2", 12, 40, "mira")
    other = apply_code(project, 1, "1.1", 12, 40, "mira")
    with pytest.raises(CodingError) as err:
        edit_coding(project, other["id"], "mira", code="1.2", memo="dobbelt")
    assert "already coded" in err.value.message and err.value.hint
    with project.session() as s:
        row = s.get(Coding, other["id"])
        assert row is not None and row.memo == "" and row.code_id != 0


def _waiting_for_a_lock(project: Project) -> int:
    with project.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted").one()[0])


def test_colleagues_code_while_a_change_holds_its_locks(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change in flight (its locks held, not yet committed) does not stop a colleague
    from coding; a merge waits for it and then moves the changed coding along."""
    if project.is_sqlite:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    prepare(project)
    mine = apply_code(project, 1, "1.1", 0, 20, "mira")
    coded = threading.Event()
    merged = threading.Event()

    def colleague() -> None:
        with open_project(target_of(project)) as other:
            apply_code(other, 1, "1.1", 50, 70, "otto")
            coded.set()

    def lead() -> None:
        with open_project(target_of(project)) as other:
            merge_codes(other, "1.1", "1.2", "lene")
            merged.set()

    merges = threading.Thread(target=lead)
    original = coding.coding_dict

    def in_flight(*args: Any, **kwargs: Any) -> Any:
        """The change has written, not committed: the others go now."""
        monkeypatch.setattr(coding, "coding_dict", original)
        threading.Thread(target=colleague).start()
        assert coded.wait(60), "a colleague's coding waited for a change in flight"
        merges.start()
        while not merged.is_set() and not _waiting_for_a_lock(project):
            merges.join(0.05)  # until the merge waits for the change's table share lock
        assert not merged.is_set()
        return original(*args, **kwargs)

    monkeypatch.setattr(coding, "coding_dict", in_flight)
    edit_coding(project, mine["id"], "mira", memo="ændret mens der blev flettet")
    merges.join(60)
    assert merged.is_set()
    with project.session() as s:
        target = s.exec(select(Code.id).where(Code.key == "1.2")).one()
        row = s.get(Coding, mine["id"])
        assert row is not None and row.code_id == target
        assert row.memo == "ændret mens der blev flettet"
        assert len(s.exec(select(Coding).where(Coding.code_id == target)).all()) == 2
