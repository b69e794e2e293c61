"""Undo and redo of a large action are set-based (``history._apply``): every coding goes and
comes back exactly as it was, and an id taken meanwhile stops the undo with nothing done."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from qualcode import history
from qualcode.bulk import add_codings_bulk
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code, remove_coding
from qualcode.db import Project
from qualcode.errors import ConflictError
from qualcode.importing import import_one
from qualcode.models import Coding

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


def test_undoing_a_delete_whose_id_was_taken_changes_nothing(coded: Project, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL never gives an id out twice")
    last = _codings(coded)[-1]
    assert last[0] is not None
    remove_coding(coded, last[0], "tove")
    # SQLite gives the highest free id again: another coder's coding takes the deleted id
    apply_code(coded, 1, "vent", 5, 40, "ole")
    taken = _codings(coded)
    assert taken[-1][0] == last[0] and taken[-1][4] != last[4]
    with pytest.raises(ConflictError, match="newer coding has its id"):
        history.undo(coded, "tove")
    assert _codings(coded) == taken  # nothing done
