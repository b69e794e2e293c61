"""Coding: applying codes to spans, removing them, memos on them, listing them.

Every change goes through one transaction and is logged in ``history`` so it can be
undone and redone.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from rapidfuzz import fuzz
from sqlmodel import Session, select

from qualcode.codebook import resolve_code
from qualcode.db import Project, lock_key
from qualcode.documents import TurnIndex, resolve_document
from qualcode.errors import CodingError, NotFoundError
from qualcode.history import coding_snapshot, record_action
from qualcode.models import CODING_ORIGINS, Code, Coder, Coding, Document, Participant, Turn
from qualcode.visibility import visible_coder_filter


def default_coder_name() -> str:
    """``$QUALCODE_CODER``, else the operating-system user name."""
    name = os.environ.get("QUALCODE_CODER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user database (some containers)
        return "coder"


def get_or_create_coder(session: Session, name: str) -> Coder:
    name = name.strip()
    if not name:
        raise CodingError("the coder name is empty", "Give --coder NAME.")
    coder = session.exec(select(Coder).where(Coder.name == name)).first()
    if coder is None:  # look again once no one else can be adding the same name
        lock_key(session, "coder", name)
        coder = session.exec(select(Coder).where(Coder.name == name)).first()
    if coder is None:
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
    return coder


def check_span(doc: Document, start: int, end: int) -> None:
    """Offsets must lie inside the text and not be empty."""
    length = len(doc.text)
    if start < 0 or end > length or start >= end:
        raise CodingError(
            f"span {start}-{end} is not inside document {doc.id} ({doc.title!r}, "
            f"{length} characters)",
            "Start must be smaller than end, both between 0 and the text's length.",
        )


def add_coding_in(
    session: Session,
    doc: Document,
    code: Code,
    start: int,
    end: int,
    coder: Coder,
    memo: str = "",
    origin: str = "manual",
) -> Coding:
    """Add a coding inside the caller's transaction (no history entry)."""
    check_span(doc, start, end)
    if origin not in CODING_ORIGINS:
        raise CodingError(f"unknown origin {origin!r}")
    coding = Coding(
        document_id=doc.id,  # type: ignore[arg-type]
        code_id=code.id,  # type: ignore[arg-type]
        coder_id=coder.id,  # type: ignore[arg-type]
        start=start,
        end=end,
        memo=memo,
        origin=origin,
    )
    session.add(coding)
    session.flush()
    return coding


def apply_code(
    project: Project,
    document: str | int,
    code: str,
    start: int,
    end: int,
    coder: str,
    memo: str = "",
    origin: str = "manual",
) -> dict[str, Any]:
    """Code ``[start, end)`` of a document; returns the new coding as a dict."""
    with project.transaction("rows") as s:
        doc = resolve_document(s, document)
        code_row = resolve_code(s, code)
        who = get_or_create_coder(s, coder)
        coding = add_coding_in(s, doc, code_row, start, end, who, memo, origin)
        record_action(s, coder, f"code {code_row.key} at {start}-{end}", added=[coding])
        return coding_dict(s, coding)


def apply_codes(
    project: Project,
    document_id: int,
    code_ids: list[int],
    start: int,
    end: int,
    coder: str,
    origin: str = "manual",
) -> list[int]:
    """Apply several codes to one span as one undoable action (the TUI picker's path)."""
    with project.transaction("rows") as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise NotFoundError(f"no document {document_id}")
        who = get_or_create_coder(s, coder)
        added = []
        keys = []
        for code_id in code_ids:
            code_row = s.get(Code, code_id)
            if code_row is None:
                raise NotFoundError(f"no code {code_id}")
            added.append(add_coding_in(s, doc, code_row, start, end, who, origin=origin))
            keys.append(code_row.key)
        record_action(s, coder, f"code {', '.join(keys)} at {start}-{end}", added=added)
        return [c.id for c in added if c.id is not None]


def find_match(doc: Document, match: str) -> tuple[int, int]:
    """The one place ``match`` occurs in the document, or an error that says why not."""
    if not match:
        raise CodingError("--match is empty")
    hits = []
    pos = doc.text.find(match)
    while pos != -1 and len(hits) < 20:
        hits.append(pos)
        pos = doc.text.find(match, pos + 1)
    if len(hits) == 1:
        return hits[0], hits[0] + len(match)
    if len(hits) > 1:
        raise CodingError(
            f"the text occurs {len(hits)}{'+' if len(hits) == 20 else ''} times in "
            f"{doc.title!r} (at {', '.join(str(h) for h in hits[:5])}...)",
            "Quote a longer passage, or use --start/--end.",
        )
    near = fuzz.partial_ratio_alignment(match, doc.text, score_cutoff=70)
    hint = "Check the spelling; the text must match exactly (case, spaces, punctuation)."
    if near is not None:
        snippet = doc.text[near.dest_start : near.dest_end].replace("\n", " ")
        hint = (
            f"Closest passage ({near.score:.0f}% similar) at {near.dest_start}-{near.dest_end}: "
            f"{snippet[:120]!r}"
        )
    raise CodingError(f"the text was not found in {doc.title!r}", hint)


def code_match(
    project: Project,
    document: str | int,
    match: str,
    code: str,
    coder: str,
    memo: str = "",
    origin: str = "manual",
) -> dict[str, Any]:
    """Code the one passage of a document that equals ``match``."""
    with project.session() as s:
        doc = resolve_document(s, document)
        start, end = find_match(doc, match)
    return apply_code(project, doc.id, code, start, end, coder, memo, origin)  # type: ignore[arg-type]


def remove_coding(project: Project, coding_id: int, coder: str) -> dict[str, Any]:
    """Delete one coding (undoable); returns what it was."""
    with project.transaction("rows") as s:
        coding = s.get(Coding, coding_id)
        if coding is None:
            raise NotFoundError(f"no coding {coding_id}", "See `qualcode codings list`.")
        before = coding_dict(s, coding)
        snap = coding_snapshot(coding)
        s.delete(coding)
        record_action(s, coder, f"remove coding {coding_id}", removed=[snap])
        return before


def set_coding_memo(project: Project, coding_id: int, memo: str, coder: str) -> None:
    """Write (or clear) the memo on a coding (undoable)."""
    with project.transaction("rows") as s:
        coding = s.get(Coding, coding_id)
        if coding is None:
            raise NotFoundError(f"no coding {coding_id}")
        before = {"memo": coding.memo}
        coding.memo = memo
        record_action(
            s, coder, f"memo on coding {coding_id}", changed=[(coding_id, before, {"memo": memo})]
        )


def coding_dict(
    session: Session, coding: Coding, turns: TurnIndex | None = None, doc: Document | None = None
) -> dict[str, Any]:
    doc = doc or session.get(Document, coding.document_id)
    code = session.get(Code, coding.code_id)
    coder = session.get(Coder, coding.coder_id)
    assert doc is not None and code is not None
    if turns is None:  # one coding: only the turn it starts in (an indexed lookup)
        turns = TurnIndex(
            list(
                session.exec(
                    select(Turn)
                    .where(Turn.document_id == doc.id, Turn.start <= coding.start)
                    .order_by(Turn.start.desc())  # type: ignore[attr-defined]  # sqlmodel column
                    .limit(1)
                )
            )
        )
    turn = turns.at(coding.start)
    participant = (
        session.get(Participant, turn.participant_id) if turn and turn.participant_id else None
    )
    return {
        "id": coding.id,
        "document_id": doc.id,
        "document": doc.title,
        "participant": participant.name if participant else None,
        "speaker": turn.speaker if turn else None,
        "code": code.key,
        "code_label": code.label_da,
        "start": coding.start,
        "end": coding.end,
        "text": doc.text[coding.start : coding.end],
        "coder": coder.name if coder else None,
        "memo": coding.memo,
        "origin": coding.origin,
        "created": coding.created.isoformat() if coding.created else None,
    }


def list_codings(
    project: Project,
    code: str | None = None,
    document: str | None = None,
    coder: str | None = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """Codings with document, speaking participant, code, offsets, text, coder and memo
    (with blind coding on, those ``viewer`` — default: this program's coder — may see)."""
    with project.session() as s:
        query = select(Coding).order_by(Coding.document_id, Coding.start, Coding.id)
        if code is not None:
            code_row = resolve_code(s, code)
            query = query.where(Coding.code_id == code_row.id)
        if document is not None:
            doc = resolve_document(s, document)
            query = query.where(Coding.document_id == doc.id)
        if coder is not None:
            who = s.exec(select(Coder).where(Coder.name == coder)).first()
            if who is None:
                raise NotFoundError(f"no coder named {coder!r}")
            query = query.where(Coding.coder_id == who.id)
        visible = visible_coder_filter(project, viewer or default_coder_name())
        if visible is not None:
            query = query.where(visible)
        codings = s.exec(query).all()
        docs: dict[int, Document] = {}
        indexes: dict[int, TurnIndex] = {}
        out = []
        for c in codings:
            if c.document_id not in docs:
                d = s.get(Document, c.document_id)
                assert d is not None
                docs[c.document_id] = d
                indexes[c.document_id] = TurnIndex(
                    list(s.exec(select(Turn).where(Turn.document_id == c.document_id)))
                )
            out.append(coding_dict(s, c, indexes[c.document_id], docs[c.document_id]))
        return out
