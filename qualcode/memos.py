"""Memos on documents, codes and the project (the Memo table).

Coding memos go through ``qualcode.coding.set_coding_memo`` so they are undoable. The TUI's
memo editor and the codebook screen's memo marks read and write here.
"""

from __future__ import annotations

from typing import TypedDict

from sqlmodel import col, select

from qualcode.coding import get_or_create_coder
from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.models import MEMO_TARGETS, Coder, Memo, utcnow


class MemoError(QualcodeError):
    """A memo on something memos cannot be written on."""


class MemoDict(TypedDict):
    """`memo show --json`: whose memo on what, and its text ('' when there is none)."""

    target: str
    id: int | None
    coder: str
    text: str


def _check_kind(target_kind: str) -> None:
    if target_kind not in MEMO_TARGETS:
        raise MemoError(
            f"unknown memo target {target_kind!r}", f"Use one of {', '.join(MEMO_TARGETS)}."
        )


def read_memo(project: Project, target_kind: str, target_id: int | None, coder: str) -> str:
    """The coder's memo on a target ('' when there is none)."""
    _check_kind(target_kind)
    with project.session() as s:
        row = s.exec(
            select(Memo)
            .join(Coder, col(Coder.id) == Memo.coder_id)
            .where(
                Memo.target_kind == target_kind, Memo.target_id == target_id, Coder.name == coder
            )
            .order_by(col(Memo.id).desc())
        ).first()
        return row.text if row else ""


def write_memo(
    project: Project, target_kind: str, target_id: int | None, text: str, coder: str
) -> None:
    """Create, replace or (with empty text) delete the coder's memo on a target."""
    _check_kind(target_kind)
    with project.transaction() as s:
        who = get_or_create_coder(s, coder)
        row = s.exec(
            select(Memo)
            .where(
                Memo.target_kind == target_kind,
                Memo.target_id == target_id,
                Memo.coder_id == who.id,
            )
            .order_by(col(Memo.id).desc())
        ).first()
        if not text.strip():
            if row is not None:
                s.delete(row)
            return
        if row is None:
            s.add(Memo(target_kind=target_kind, target_id=target_id, text=text, coder_id=who.id))
        else:
            row.text = text
            row.updated = utcnow()
            s.add(row)


def memo_counts(project: Project, target_kind: str) -> dict[int, int]:
    """How many memos (any coder) each target of one kind has; targets without one are absent."""
    _check_kind(target_kind)
    counts: dict[int, int] = {}
    with project.session() as s:
        for target_id in s.exec(
            select(Memo.target_id).where(
                Memo.target_kind == target_kind, col(Memo.target_id).is_not(None)
            )
        ):
            if target_id is not None:
                counts[target_id] = counts.get(target_id, 0) + 1
    return counts
