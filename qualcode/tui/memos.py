"""Memos on documents, codes and the project (the Memo table); coding memos go through
``qualcode.coding.set_coding_memo`` so they are undoable. No Textual here.
"""

from __future__ import annotations

from sqlmodel import col, select

from qualcode.coding import get_or_create_coder
from qualcode.db import Project
from qualcode.models import MEMO_TARGETS, Coder, Memo, utcnow


def read_memo(project: Project, target_kind: str, target_id: int | None, coder: str) -> str:
    """The coder's memo on a target ('' when there is none)."""
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
    if target_kind not in MEMO_TARGETS:
        raise ValueError(f"unknown memo target {target_kind!r}")
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
