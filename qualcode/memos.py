"""Memos on documents, codes and the project (the Memo table).

Coding memos go through ``qualcode.coding.set_coding_memo`` so they are undoable. The TUI's
memo editor and the codebook screen's memo marks read and write here.
"""

from __future__ import annotations

from typing import TypedDict

from sqlmodel import col, select

from qualcode.codebook import resolve_code
from qualcode.coding import get_or_create_coder, set_coding_memo
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.errors import QualcodeError
from qualcode.models import MEMO_TARGETS, Coder, Coding, Memo, utcnow

# What a person names a memo by (the CLI's `memo show KIND REF`): quotes carry their own.
NAMED_TARGETS = ("project", "document", "code", "coding")


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


def memo_target(project: Project, kind: str, ref: str | None) -> int | None:
    """The id of the thing ``ref`` names (a document id or title, a code key or label, a
    coding id); None for the project."""
    if kind not in NAMED_TARGETS:
        raise MemoError(
            f"memos go on {', '.join(NAMED_TARGETS)}, not {kind!r}", "e.g. memo show code 1.2"
        )
    if kind == "project":
        return None
    if ref is None:
        raise MemoError(f"which {kind}?", f"e.g. `qualcode memo show {kind} 1`.")
    with project.session() as s:
        if kind == "document":
            return resolve_document(s, ref).id
        if kind == "code":
            return resolve_code(s, ref).id
    if not ref.isdigit():
        raise MemoError(f"a coding is named by its id, not {ref!r}", "See `qualcode codings list`.")
    return int(ref)


def show_memo(project: Project, kind: str, ref: str | None, coder: str) -> MemoDict:
    """The coder's memo on what ``kind`` and ``ref`` name; a coding's memo is the coding's own
    (whoever wrote it)."""
    target = memo_target(project, kind, ref)
    if kind == "coding":
        with project.session() as s:
            coding = s.get(Coding, target)
        if coding is None:
            raise MemoError(f"no coding {ref}", "See `qualcode codings list`.")
        text = coding.memo
    else:
        text = read_memo(project, kind, target, coder)
    return MemoDict(target=kind, id=target, coder=coder, text=text)


def set_memo(project: Project, kind: str, ref: str | None, text: str, coder: str) -> None:
    """Write (or with empty ``text`` delete) the memo on what ``kind`` and ``ref`` name; a
    coding's memo through ``coding.set_coding_memo`` (undoable)."""
    target = memo_target(project, kind, ref)
    if kind == "coding":
        assert target is not None  # memo_target gives a coding an id
        set_coding_memo(project, target, text, coder)
    else:
        write_memo(project, kind, target, text, coder)


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
