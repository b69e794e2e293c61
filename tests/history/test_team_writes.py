"""Coders writing side by side: one name created once, undo that stays each coder's own,
and undo snapshots that keep every column of a coding."""

from __future__ import annotations

import os

from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from qualcode.coding import apply_code, remove_coding, set_coding_memo
from qualcode.db import Project, open_project
from qualcode.history import coding_snapshot, redo, undo
from qualcode.models import Coder, Coding
from store.helpers import prepare, result_of, start_worker, target_of


def _spans(project: Project, coder: str) -> list[tuple[int, int]]:
    with project.session() as s:
        rows = s.exec(
            select(Coding.start, Coding.end)
            .join(Coder, Coder.id == Coding.coder_id)
            .where(Coder.name == coder)
            .order_by(Coding.start)
        ).all()
    return [(a, b) for a, b in rows]


def test_three_processes_as_one_new_coder_make_one_coder(project: Project, tmp_path: Path) -> None:
    """The coder's name is new to the project: looked up, then added, by three at once."""
    prepare(project)
    start = tmp_path / "go"
    procs = []
    for salt in range(3):  # the same coder, three different sets of spans (no duplicates)
        os.environ["QC_SPAN_SALT"] = str(salt)
        try:
            procs.append(start_worker("code", target_of(project), "samme", "60", str(start)))
        finally:
            os.environ.pop("QC_SPAN_SALT", None)
    start.touch()
    results = [result_of(p) for p in procs]
    assert [r["errors"] for r in results] == [[]] * 3
    with project.session() as s:
        assert (
            s.exec(select(func.count()).select_from(Coder).where(Coder.name == "samme")).one() == 1
        )
        assert s.exec(select(func.count()).select_from(Coding)).one() == 180


def test_interleaved_undo_is_each_coders_own(project: Project) -> None:
    """Anna and Bo take turns, each through their own connection; each undo takes back
    only the undoer's last action, whatever the other did in between."""
    prepare(project)
    with open_project(target_of(project)) as bo_side:
        apply_code(project, 1, "1", 0, 10, "anna")
        apply_code(bo_side, 1, "1", 20, 30, "bo")
        second = apply_code(project, 1, "1", 40, 50, "anna")
        apply_code(bo_side, 1, "1", 60, 70, "bo")
        set_coding_memo(bo_side, second["id"], "Bo's note on Anna's coding", "bo")
        remove_coding(project, second["id"], "anna")
        apply_code(bo_side, 1, "1", 80, 90, "bo")

        assert undo(project, "anna") is not None  # the removal comes back, with Bo's memo
        assert _spans(project, "anna") == [(0, 10), (40, 50)]
        with project.session() as s:
            back = s.get(Coding, second["id"])
            assert back is not None and back.memo == "Bo's note on Anna's coding"
        assert undo(bo_side, "bo") is not None  # Bo's last coding goes, Anna's stay
        assert _spans(project, "bo") == [(20, 30), (60, 70)]
        assert _spans(project, "anna") == [(0, 10), (40, 50)]
        assert undo(project, "anna") is not None  # Anna's second coding
        assert undo(bo_side, "bo") is not None  # Bo's memo on it is gone with it: no-op
        assert _spans(project, "anna") == [(0, 10)]
        assert _spans(project, "bo") == [(20, 30), (60, 70)]
        assert redo(project, "anna") is not None
        assert _spans(project, "anna") == [(0, 10), (40, 50)]
        assert _spans(project, "bo") == [(20, 30), (60, 70)]


def test_an_undo_snapshot_has_every_column_of_a_coding(project: Project) -> None:
    """The snapshot is read from the table: a column added to Coding is in it, and a
    removal undone puts every column back as it was."""
    prepare(project)
    made = apply_code(project, 1, "1", 5, 25, "anna", memo="første", origin="search")
    with project.session() as s:
        row = s.get(Coding, made["id"])
        assert row is not None
        before = coding_snapshot(row)
    columns = {c.name for c in Coding.__table__.columns}  # type: ignore[attr-defined]  # sqlmodel table
    assert set(before) == columns
    remove_coding(project, made["id"], "anna")
    assert undo(project, "anna") is not None
    with project.session() as s:
        row = s.get(Coding, made["id"])
        assert row is not None
        assert coding_snapshot(row) == before
