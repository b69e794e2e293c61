"""Undo and redo of a large action are set-based (``history._apply``): every coding goes and
comes back exactly as it was, under its own id, which no newer coding takes (SQLite as
PostgreSQL: ids are never given out twice); an id taken anyway stops the undo with
nothing done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from qualcode import history
from qualcode.bulk import add_codings_bulk
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code, remove_coding
from qualcode.db import Project, open_project, upgrade
from qualcode.errors import ConflictError
from qualcode.importing import import_one
from qualcode.models import Code, Coder, Coding, Document

TEXT = "Interviewer: Hvordan gik det?\n\nTove Ravnsholt: " + "Vi ventede og ventede. " * 200
CODEBOOK = (
    '[codebook]\nname = "u"\nlanguage = "da"\n\n'
    '[[code]]\nkey = "vent"\nlabel_da = "Vent"\nkind = "area"\n'
)
ROWS = 2_000  # more than two chunks of 900 ids


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "c.toml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, tmp_path / "c.toml")
    (tmp_path / "tove.txt").write_text(TEXT, encoding="utf-8")
    assert import_one(project, tmp_path / "tove.txt", annotate=False).status == "imported"
    lines = ["document,start,end,code,memo"]
    lines += [f"1,{i},{i + 10},vent,note {i}" for i in range(ROWS)]
    (tmp_path / "bulk.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    add_codings_bulk(project, tmp_path / "bulk.csv", "tove")
    return project


def _codings(project: Project) -> list[tuple]:
    with project.session() as s:
        rows = s.exec(select(Coding).order_by(col(Coding.id))).all()
        return [(c.id, c.start, c.end, c.memo, c.guid, c.created, c.coder_id) for c in rows]


def test_undo_and_redo_of_a_bulk_step_restore_every_coding_exactly(coded: Project) -> None:
    before = _codings(coded)
    assert len(before) == ROWS
    assert history.undo(coded, "tove") is not None
    assert _codings(coded) == []
    assert history.redo(coded, "tove") is not None
    assert _codings(coded) == before  # ids, guids, memos and timestamps as they were


def test_a_deleted_codings_id_is_not_given_out_again(coded: Project) -> None:
    """The newest coding removed, a colleague codes: theirs gets a new id (SQLite used to
    give the freed one again), and undo brings the removed coding back under its own."""
    last = _codings(coded)[-1]
    assert last[0] is not None
    remove_coding(coded, last[0], "tove")
    apply_code(coded, 1, "vent", 5, 40, "ole")
    newer = _codings(coded)[-1]
    assert newer[0] is not None and newer[0] > last[0]
    assert history.undo(coded, "tove") is not None
    assert _codings(coded)[-2:] == [last, newer]


def test_redo_after_a_colleague_coded_restores_the_undone_coding(coded: Project) -> None:
    """Code, undo, a colleague codes, redo: the coding comes back exactly (same id and
    GUID), the colleague's stays, and undo/redo go on working both ways."""
    apply_code(coded, 1, "vent", 100, 150, "tove")
    mine = _codings(coded)[-1]
    assert history.undo(coded, "tove") is not None
    apply_code(coded, 1, "vent", 200, 260, "ole")
    theirs = _codings(coded)[-1]
    assert theirs[0] != mine[0]
    assert history.redo(coded, "tove") is not None
    assert _codings(coded)[-2:] == sorted([mine, theirs])
    assert history.undo(coded, "tove") is not None and history.redo(coded, "tove") is not None
    assert _codings(coded)[-2:] == sorted([mine, theirs])


def test_the_upgrade_counts_on_from_the_ids_the_undo_history_names(tmp_path: Path) -> None:
    """A project from before the upgrade whose undone coding (id 7) was the newest: after
    the upgrade the next coding gets 8, not 7, so the undone step can still be redone."""
    path = tmp_path / "old.qualcode"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "action_log_index")
    snap = {"id": 7, "document_id": 1, "code_id": 1, "coder_id": 1, "start": 0, "end": 4}
    with Session(engine) as s:  # the schema of that revision: the models fit it
        s.add(Document(title="Gammel", source_name="g.txt", sha256="abc", text="Æbler"))
        s.add(Code(key="vent", label_da="Vent", kind="area"))
        s.add(Coder(name="tove"))
        s.flush()
        s.add(Coding(id=3, document_id=1, code_id=1, coder_id=1, start=0, end=2))
        s.commit()
    with engine.begin() as conn:
        for state, part in (("undone", "added"), ("done", "removed")):
            payload = {"added": [], "removed": [], "changed": []}
            payload[part] = [dict(snap, id=7 if part == "added" else 5)]
            conn.execute(
                text(
                    "INSERT INTO action_log (coder, label, payload, state, created)"
                    " VALUES ('tove', 'x', :p, :s, '2025-01-01 00:00:00.000000')"
                ),
                {"p": json.dumps(payload), "s": state},
            )
    engine.dispose()
    with open_project(path) as project, project.transaction() as s:
        fresh = Coding(document_id=1, code_id=1, coder_id=1, start=1, end=3)
        s.add(fresh)
        s.flush()
        assert fresh.id == 8


def test_undoing_a_delete_whose_id_was_taken_changes_nothing(coded: Project) -> None:
    """A coding that somehow holds the deleted coding's id (written by hand here, as a
    tool outside qualcode might) stops the undo with nothing done."""
    last = _codings(coded)[-1]
    assert last[0] is not None
    remove_coding(coded, last[0], "tove")
    with coded.transaction() as s:
        s.add(Coding(id=last[0], document_id=1, code_id=1, coder_id=last[6], start=5, end=40))
    taken = _codings(coded)
    assert taken[-1][0] == last[0] and taken[-1][4] != last[4]
    with pytest.raises(ConflictError, match="newer coding has its id"):
        history.undo(coded, "tove")
    assert _codings(coded) == taken  # nothing done
