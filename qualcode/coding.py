"""Coding: applying codes to spans, removing them, memos on them, listing them.

Every change goes through one transaction and is logged in ``history`` so it can be
undone and redone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypedDict

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from qualcode.codebook import code_scope, resolve_code
from qualcode.codebook_edit import add_code_in, next_key
from qualcode.db import Project, lock_coder, lock_key
from qualcode.documents import TurnIndex, document_turns, resolve_document
from qualcode.errors import CodingError, NotFoundError
from qualcode.history import code_snapshot, coding_snapshot, record_action
from qualcode.models import (
    CODING_ORIGINS,
    Code,
    Coder,
    Coding,
    Document,
    Participant,
    Turn,
    new_guid,
    utcnow,
)
from qualcode.naming import default_coder_name
from qualcode.participants import attribution
from qualcode.rows import stored_id
from qualcode.store.engine import lock_coding
from qualcode.store.fastpath import (
    Added,
    NewCoding,
    Target,
    Twin,
    add_coding,
    add_codings,
    lock_target,
)
from qualcode.visibility import visible_coder_filter


class CodingRow(TypedDict):
    """One coding as the CLI's ``--json`` and the screens see it."""

    id: int
    document_id: int
    document: str
    participant: str | None
    attribution: str | None
    speaker: str | None
    code: str
    code_label: str
    start: int
    end: int
    text: str
    coder: str | None
    memo: str
    origin: str
    created: str | None


def get_or_create_coder(session: Session, name: str) -> Coder:
    """The coder called ``name`` (made on first use), locked until commit (``lock_coder``)."""
    name = name.strip()
    if not name:
        raise CodingError("the coder name is empty", "Give --coder NAME or set $QUALCODE_CODER.")
    coder_id = lock_coder(session, name)
    if coder_id is None:  # look again once no one else can be adding the same name
        lock_key(session, "coder", name)
        coder_id = lock_coder(session, name)
    if coder_id is None:
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
        return coder
    coder = session.get(Coder, coder_id)
    assert coder is not None
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
        raise CodingError(f"unknown origin {origin!r}", f"Use one of {', '.join(CODING_ORIGINS)}.")
    coding = Coding(
        document_id=stored_id(doc),
        code_id=stored_id(code),
        coder_id=stored_id(coder),
        start=start,
        end=end,
        memo=memo,
        origin=origin,
    )
    session.add(coding)
    session.flush()
    return coding


def refuse_duplicate(
    session: Session,
    doc: Document,
    code: Code,
    start: int,
    end: int,
    coder: Coder,
    ignore: int | None = None,
) -> None:
    """The same span with the same code by the same coder exists already: say so."""
    twin = session.exec(
        select(Coding.id).where(
            Coding.document_id == doc.id,
            Coding.code_id == code.id,
            Coding.coder_id == coder.id,
            Coding.start == start,
            Coding.end == end,
            col(Coding.id) != (ignore or -1),
        )
    ).first()
    if twin is not None:
        raise CodingError(
            f"{doc.title!r} {start}-{end} is already coded {code.key} by {coder.name} "
            f"(coding {twin})",
            f"Nothing was added. To change that coding: `qualcode codings edit {twin} --memo ...`.",
        )


def _new_row(added: Added, coder: str) -> CodingRow:
    """``coding_dict`` for a coding just made, from what we hold plus the turn at its
    start (and its participant) instead of the document's text and every turn."""
    values, target, participant = added.values, added.target, added.participant
    return {
        "id": values["id"],
        "document_id": target.document_id,
        "document": target.title,
        "participant": participant.name if participant else None,
        "attribution": attribution(participant) if participant else None,
        "speaker": added.speaker,
        "code": target.key,
        "code_label": target.label,
        "start": values["start"],
        "end": values["end"],
        "text": target.text or "",
        "coder": coder,
        "memo": values["memo"],
        "origin": values["origin"],
        "created": values["created"].isoformat(),
    }


def _check_new(start: int, end: int, origin: str) -> Callable[[Target], None]:
    def check(target: Target) -> None:
        if start < 0 or end > target.length or start >= end:
            raise CodingError(
                f"span {start}-{end} is not inside document {target.document_id} "
                f"({target.title!r}, {target.length} characters)",
                "Start must be smaller than end, both between 0 and the text's length.",
            )
        if origin not in CODING_ORIGINS:
            raise CodingError(
                f"unknown origin {origin!r}", f"Use one of {', '.join(CODING_ORIGINS)}."
            )

    return check


def _duplicate(twin: int | None, target: Target, start: int, end: int, coder: str) -> CodingError:
    return CodingError(
        f"{target.title!r} {start}-{end} is already coded {target.key} by {coder} (coding {twin})",
        f"Nothing was added. To change that coding: `qualcode codings edit {twin} --memo ...`.",
    )


def apply_code(
    project: Project,
    document: str | int,
    code: str,
    start: int,
    end: int,
    coder: str,
    memo: str = "",
    origin: str = "manual",
) -> CodingRow:
    """Code ``[start, end)`` of a document; returns the new coding as a dict.

    The write every coder makes many times an hour, in one transaction of a few statements
    (``store.fastpath.add_coding``: lock the document and code, key share, and the coder's
    row; insert unless a duplicate; log the undo step; read the turn). A document by title,
    a code by label or a coder new to the project are resolved first (with the helpful
    errors of ``resolve_document``/``resolve_code``; the coder is made once the span is
    known to be good), then the same write runs.
    """
    ref, name = str(document).strip(), coder.strip()
    check = _check_new(start, end, origin)
    new = NewCoding(
        int(ref) if ref.isdigit() else 0, code.strip(), start, end, name, memo, origin,
        new_guid(), utcnow(), f"code {code.strip()} at {start}-{end}",
    )  # fmt: skip
    done = add_coding(project, new, check) if ref.isdigit() and name else None
    if done is None:
        with project.transaction("rows") as s:
            doc, code_row = resolve_document(s, document), resolve_code(s, code)
            check_span(doc, start, end)
            check(Target(stored_id(doc), doc.title, len(doc.text), 0, code_row.key, "", ""))
            get_or_create_coder(s, coder)
        label = f"code {code_row.key} at {start}-{end}"
        new = replace(new, document_id=stored_id(doc), key=code_row.key, label=label)
        done = add_coding(project, new, check)
    if done is None:
        raise NotFoundError(f"document {document} or code {code} was just removed", "Reload.")
    if isinstance(done, Twin):
        raise _duplicate(done.coding_id, done.target, start, end, name)
    return _new_row(done, name)


def apply_codes(
    project: Project,
    document_id: int,
    code_ids: list[int],
    start: int,
    end: int,
    coder: str,
    origin: str = "manual",
) -> list[int]:
    """Apply several codes to one span as one undoable action (the TUI picker's path).

    On SQLite the codes go in through ``store.fastpath.add_codings`` (a few statements on
    the driver's connection); a document, code or coder it does not know (and PostgreSQL)
    take the general path below, which explains or makes them."""
    name = coder.strip()
    new = NewCoding(document_id, "", start, end, name, "", origin, new_guid(), utcnow(), "")

    def label(keys: list[str]) -> str:
        return f"code {', '.join(keys)} at {start}-{end}"

    check = _check_new(start, end, origin)
    done = add_codings(project, new, code_ids, check, label) if name else None
    if isinstance(done, Twin):
        raise _duplicate(done.coding_id, done.target, start, end, name)
    if done is not None:
        return done
    with project.transaction("rows") as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise NotFoundError(f"no document {document_id}", "See `qualcode documents list`.")
        who = get_or_create_coder(s, coder)
        added = []
        keys = []
        for code_id in code_ids:
            code_row = s.get(Code, code_id)
            # Locked as apply_code locks them: a merge or delete of either waits for us,
            # or we for it and then find the code gone.
            if code_row is None or lock_target(s, document_id, code_row.key, 0, 0) is None:
                raise NotFoundError(f"no code {code_id}", "The codebook changed; pick again.")
            refuse_duplicate(s, doc, code_row, start, end, who)
            added.append(add_coding_in(s, doc, code_row, start, end, who, origin=origin))
            keys.append(code_row.key)
        record_action(s, coder, f"code {', '.join(keys)} at {start}-{end}", added=added)
        return [c.id for c in added if c.id is not None]


@dataclass(frozen=True)
class NewCodeResult:
    """What ``apply_new_code`` made: the new code (id and key) and its first coding."""

    code_id: int
    key: str
    coding_id: int


def apply_new_code(
    project: Project,
    document_id: int,
    start: int,
    end: int,
    label_da: str,
    parent: str | int | None,
    coder: str,
    key: str | None = None,
    label_en: str = "",
    colour: str | None = None,
) -> NewCodeResult:
    """Inductive coding: a new code and its first coding, as one undoable action.

    The key is the next free ``<parent>.<n>`` (or a slug of the label at the top level)
    unless given. One undo removes the coding and the code; redo brings both back.
    """
    with project.transaction() as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise NotFoundError(f"no document {document_id}", "See `qualcode documents list`.")
        check_span(doc, start, end)
        if not label_da.strip():
            raise CodingError("the new code needs a label", "Type the label, e.g. 'Ventetid'.")
        chosen = key or next_key(s, parent, label_da)
        code = add_code_in(s, chosen, label_da, parent, label_en, colour)
        who = get_or_create_coder(s, coder)
        coding = add_coding_in(s, doc, code, start, end, who)
        extra = {"added_codes": [code_snapshot(code)], "parents": []}
        label = f"new code {code.key} at {start}-{end}"
        record_action(s, coder, label, added=[coding], codebook=extra)
        assert code.id is not None and coding.id is not None
        return NewCodeResult(code.id, code.key, coding.id)


def find_match(doc: Document, match: str) -> tuple[int, int]:
    """The one place ``match`` occurs in the document, or an error that says why not."""
    if not match:
        raise CodingError("--match is empty", "Give the exact text to code.")
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
        a, b = near.dest_start, near.dest_end
        while a < b and doc.text[a].isspace():
            a += 1
        while b > a and doc.text[b - 1].isspace():
            b -= 1
        snippet = doc.text[a:b].replace("\n", " ")
        hint = f"Closest passage ({near.score:.0f}% similar) at {a}-{b}: {snippet[:120]!r}"
    raise CodingError(f"the text was not found in {doc.title!r}", hint)


def code_match(
    project: Project,
    document: str | int,
    match: str,
    code: str,
    coder: str,
    memo: str = "",
    origin: str = "manual",
) -> CodingRow:
    """Code the one passage of a document that equals ``match``."""
    with project.session() as s:
        doc = resolve_document(s, document)
        start, end = find_match(doc, match)
    return apply_code(project, stored_id(doc), code, start, end, coder, memo, origin)


def remove_coding(project: Project, coding_id: int, coder: str) -> CodingRow:
    """Delete one coding (undoable); returns what it was."""
    with project.transaction("rows") as s:
        lock_coder(s, coder.strip())  # their undo steps change: one write of theirs at a time
        coding = _coding(s, coding_id)
        before = coding_dict(s, coding)
        snap = coding_snapshot(coding)
        s.delete(coding)
        record_action(s, coder, f"remove coding {coding_id}", removed=[snap])
        return before


def _coding(session: Session, coding_id: int) -> Coding:
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(f"no coding {coding_id}", "See `qualcode codings list`.")
    return coding


def set_coding_memo(project: Project, coding_id: int, memo: str, coder: str) -> None:
    """Write (or clear) the memo on a coding (undoable)."""
    edit_coding(project, coding_id, coder, memo=memo)


def recode_coding(project: Project, coding_id: int, code_id: int, coder: str) -> CodingRow:
    """Give a coding another code (one undoable action); returns the coding after."""
    return edit_coding(project, coding_id, coder, code=code_id)


def edit_coding(
    project: Project,
    coding_id: int,
    coder: str,
    *,
    code: str | int | None = None,
    start: int | None = None,
    end: int | None = None,
    memo: str | None = None,
) -> CodingRow:
    """Change a coding's code, span and/or memo as one undoable action; returns it after.

    A row-level write (``lock_coding``): other coders code on meanwhile."""
    with project.transaction("rows") as s:
        coding = lock_coding(s, coding_id, coder.strip())
        if coding is None:
            raise NotFoundError(f"no coding {coding_id}", "See `qualcode codings list`.")
        doc = s.get(Document, coding.document_id)
        assert doc is not None
        new: dict[str, object] = {}
        if code is not None:
            code_row = s.get(Code, code) if isinstance(code, int) else resolve_code(s, code)
            if code_row is None:
                raise NotFoundError(f"no code with id {code}", "See `qualcode codebook show`.")
            if lock_target(s, coding.document_id, code_row.key, 0, 0) is None:
                raise NotFoundError(f"code {code_row.key} was just removed", "Reload.")
            if code_row.id != coding.code_id:
                new["code_id"] = code_row.id
        new_start = coding.start if start is None else start
        new_end = coding.end if end is None else end
        if (new_start, new_end) != (coding.start, coding.end):
            check_span(doc, new_start, new_end)
            new["start"], new["end"] = new_start, new_end
        if memo is not None and memo != coding.memo:
            new["memo"] = memo
        if not new:
            return coding_dict(s, coding)
        if {"code_id", "start", "end"} & set(new):
            target = s.get(Code, new.get("code_id", coding.code_id))
            who = s.get(Coder, coding.coder_id)
            assert target is not None and who is not None
            refuse_duplicate(s, doc, target, new_start, new_end, who, ignore=coding.id)
        before = {name: getattr(coding, name) for name in new}
        for name, value in new.items():
            setattr(coding, name, value)
        s.add(coding)
        label = f"change coding {coding_id}"
        if set(new) == {"memo"}:
            label = f"memo on coding {coding_id}"
        elif set(new) == {"code_id"}:
            old_code, new_code = s.get(Code, before["code_id"]), s.get(Code, new["code_id"])
            assert old_code is not None and new_code is not None
            label = f"recode coding {coding_id} {old_code.key} → {new_code.key}"
        record_action(s, coder, label, changed=[(coding_id, before, new)])
        return coding_dict(s, coding)


def coding_dict(
    session: Session, coding: Coding, turns: TurnIndex | None = None, doc: Document | None = None
) -> CodingRow:
    """One coding with its document, speaker (and attribution as consent allows) and text."""
    doc = doc or session.get(Document, coding.document_id)
    code = session.get(Code, coding.code_id)
    coder = session.get(Coder, coding.coder_id)
    assert doc is not None and code is not None and coding.id is not None
    if turns is None:
        turns = TurnIndex(document_turns(session, coding.document_id))
    turn = turns.at(coding.start)
    participant = (
        session.get(Participant, turn.participant_id) if turn and turn.participant_id else None
    )
    return {
        "id": coding.id,
        "document_id": coding.document_id,
        "document": doc.title,
        "participant": participant.name if participant else None,
        "attribution": attribution(participant) if participant else None,
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


def _rows(session: Session, codings: list[Coding]) -> list[CodingRow]:
    docs: dict[int, Document] = {}
    indexes: dict[int, TurnIndex] = {}
    out = []
    for c in codings:
        if c.document_id not in docs:
            d = session.get(Document, c.document_id)
            assert d is not None
            docs[c.document_id] = d
            indexes[c.document_id] = TurnIndex(
                list(session.exec(select(Turn).where(Turn.document_id == c.document_id)))
            )
        out.append(coding_dict(session, c, indexes[c.document_id], docs[c.document_id]))
    return out


def list_codings(
    project: Project,
    code: str | None = None,
    document: str | None = None,
    coder: str | None = None,
    only: bool = False,
    viewer: str | None = None,
) -> list[CodingRow]:
    """Codings with document, speaking participant, code, offsets, text, coder and memo.

    ``code`` names a code and everything below it (an area with its attention points);
    with ``only``, the code alone. With blind coding on, only what ``viewer`` (default:
    this program's coder) may see.
    """
    with project.session() as s:
        query = select(Coding).order_by(col(Coding.document_id), col(Coding.start), col(Coding.id))
        if code is not None:
            scope = code_scope(s, resolve_code(s, code), only)
            query = query.where(col(Coding.code_id).in_(scope))
        if document is not None:
            doc = resolve_document(s, document)
            query = query.where(Coding.document_id == doc.id)
        if coder is not None:
            who = s.exec(select(Coder).where(Coder.name == coder)).first()
            if who is None:
                names = list(s.exec(select(Coder.name)))
                raise NotFoundError(
                    f"no coder named {coder!r}",
                    "Coders so far: " + (", ".join(names) or "none") + ".",
                )
            query = query.where(Coding.coder_id == who.id)
        visible = visible_coder_filter(project, viewer or default_coder_name())
        if visible is not None:
            query = query.where(visible)
        return _rows(s, list(s.exec(query)))


def code_passages(
    session: Session,
    code: Code | int | str,
    include_descendants: bool = True,
    visible: ColumnElement[bool] | None = None,
) -> list[CodingRow]:
    """Every passage coded with a code (and, by default, the codes below it) across all
    documents, in document order: what the code view and ``codings report`` show.

    ``visible`` is ``visibility.visible_coder_filter(project, viewer)``: with blind coding
    on, only the viewer's own and the reviewed codings (None: every coding)."""
    if isinstance(code, Code):
        row = code
    elif isinstance(code, int):
        got = session.get(Code, code)
        if got is None:
            raise NotFoundError(f"no code with id {code}", "See `qualcode codebook show`.")
        row = got
    else:
        row = resolve_code(session, code)
    scope = code_scope(session, row, only=not include_descendants)
    query = (
        select(Coding)
        .where(col(Coding.code_id).in_(scope))
        .order_by(col(Coding.document_id), col(Coding.start), col(Coding.id))
    )
    if visible is not None:
        query = query.where(visible)
    return _rows(session, list(session.exec(query)))


def covering_code(session: Session, document_id: int, start: int, end: int) -> Code | None:
    """The one code whose codings cover ``[start, end)`` (a quote made from a coded span
    takes it); None when no code or several codes cover it."""
    code_ids = set(
        session.exec(
            select(Coding.code_id).where(
                Coding.document_id == document_id, Coding.start <= start, Coding.end >= end
            )
        )
    )
    if len(code_ids) != 1:
        return None
    return session.get(Code, code_ids.pop())
