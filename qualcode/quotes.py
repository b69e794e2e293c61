"""Quotes: passages chosen for citation and their way through expert approval.

A quote keeps the exact source span (and so the participant who spoke it), the wording
used in the report, the code it supports and a status. The status moves only along
``TRANSITIONS``; every change — status, wording, draft paragraph — is a ``QuoteEvent``
(who, when, from, to, note), the audit trail an expert or an editor may ask for.

Two people recording an answer to the same quote must not overwrite each other: every
write checks ``Quote.version`` (``UPDATE ... WHERE id = ? AND version = ?``) and the later
writer gets a ``ConflictError`` with nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from qualcode import fidelity
from qualcode.codebook import area_of, code_label, code_scope, resolve_code
from qualcode.coding import check_span, covering_code, find_match
from qualcode.db import Project
from qualcode.documents import resolve_document, speaker_of
from qualcode.errors import ConflictError, NotFoundError, QuoteError
from qualcode.models import Code, Document, Participant, Quote, QuoteEvent, utcnow
from qualcode.participants import attribution, resolve_participant
from qualcode.quote_rows import QuoteEventRow, QuoteRow, SweepResult
from qualcode.rows import stored_id

CANDIDATE = "candidate"
SENT = "sent"
APPROVED = "approved"
APPROVED_WITH_CHANGES = "approved_with_changes"
REJECTED = "rejected"
DEEMED_ACCEPTED = "deemed_accepted"
WITHDRAWN = "withdrawn"

ANSWERS = (APPROVED, APPROVED_WITH_CHANGES, REJECTED)
#: Statuses a final synthesis may use.
USABLE = (APPROVED, APPROVED_WITH_CHANGES, DEEMED_ACCEPTED)
#: Statuses that still wait for something (a packet or an answer).
OPEN = (CANDIDATE, SENT)

# The state machine. A quote is answered once a packet went out (or, for an answer given
# by phone before any packet, straight from candidate); a late answer overrides a
# deemed acceptance; anything not yet withdrawn can be withdrawn (withdrawn is final: add
# the passage again instead); a sent quote can be sent again in a new packet.
TRANSITIONS: dict[str, frozenset[str]] = {
    CANDIDATE: frozenset({SENT, *ANSWERS, WITHDRAWN}),
    SENT: frozenset({SENT, *ANSWERS, DEEMED_ACCEPTED, WITHDRAWN}),
    DEEMED_ACCEPTED: frozenset({*ANSWERS, WITHDRAWN}),
    APPROVED: frozenset({WITHDRAWN}),
    APPROVED_WITH_CHANGES: frozenset({WITHDRAWN}),
    REJECTED: frozenset({WITHDRAWN}),
    WITHDRAWN: frozenset(),
}

RESPONSE_ACTIONS = ("approve", "revise", "reject")
_ACTION_STATUS = {"approve": APPROVED, "revise": APPROVED_WITH_CHANGES, "reject": REJECTED}
_TRUE = {"1", "true", "yes", "ja", "on"}


def silence_as_consent(project: Project) -> bool:
    """The project setting ``silence_as_consent`` (true/false; default false)."""
    return (project.get_setting("silence_as_consent", "false") or "").strip().lower() in _TRUE


def report_language(project: Project) -> str:
    """Language of the report quotes are attributed in: setting ``language``, else the
    codebook's language, else Danish."""
    value = (
        (project.get_setting("language") or project.get_setting("codebook_language") or "da")
        .strip()
        .lower()
    )
    return "en" if value.startswith("en") else "da"


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def _check_move(quote: Quote, to_status: str) -> None:
    if not can_move(quote.status, to_status):
        allowed = ", ".join(sorted(TRANSITIONS.get(quote.status, ()))) or "nothing"
        raise QuoteError(
            f"quote {quote.id} is {quote.status}; it cannot become {to_status}",
            f"From {quote.status} a quote can become: {allowed}.",
        )


# --- finding who said it ---------------------------------------------------------------


# --- reading -----------------------------------------------------------------------------


def _event_dict(e: QuoteEvent) -> QuoteEventRow:
    return {
        "who": e.who,
        "at": e.at.isoformat(),
        "from": e.from_status,
        "to": e.to_status,
        "note": e.note,
    }


def quote_dict(
    session: Session,
    q: Quote,
    *,
    language: str = "da",
    events: list[QuoteEvent] | None = None,
    codes: dict[int, Code] | None = None,
) -> QuoteRow:
    """A quote as every face shows it: attribution by consent, code and area, history."""
    doc = session.get(Document, q.document_id)
    person = session.get(Participant, q.participant_id)
    assert doc is not None and person is not None
    if codes is None:
        codes = {c.id: c for c in session.exec(select(Code)) if c.id is not None}
    code = codes.get(q.code_id) if q.code_id is not None else None
    area = area_of(code, codes) if code is not None else None
    if events is None:
        events = list(
            session.exec(
                select(QuoteEvent).where(QuoteEvent.quote_id == q.id).order_by(col(QuoteEvent.id))
            )
        )
    return {
        "id": stored_id(q),
        "guid": q.guid,
        "status": q.status,
        "document_id": q.document_id,
        "document": doc.title,
        "participant_id": q.participant_id,
        "participant": person.name,
        "consent": person.consent,
        "attribution": attribution(person, language),
        "code": code.key if code else None,
        "code_label": code_label(code, language) if code else None,
        "area": area.key if area else None,
        "area_label": code_label(area, language) if area else None,
        "start": q.start,
        "end": q.end,
        "source_text": q.source_text,
        "wording": q.wording,
        "approved_wording": q.approved_wording,
        "final_wording": q.approved_wording or q.wording,
        "draft_paragraph": q.draft_paragraph,
        "fidelity": q.fidelity,
        "packet_id": q.packet_id,
        "due_date": q.due_date.isoformat() if q.due_date else None,
        "response_note": q.response_note,
        "responded_at": q.responded_at.isoformat() if q.responded_at else None,
        "version": q.version,
        "created_by": q.created_by,
        "created": q.created.isoformat() if q.created else None,
        "events": [_event_dict(e) for e in events],
    }


def get_quote_row(session: Session, quote_id: int | str) -> Quote:
    """A quote by id (``12``, ``Q12``) or GUID, or a NotFoundError."""
    ref = str(quote_id).strip()
    q: Quote | None = None
    digits = ref[1:] if ref[:1] in ("q", "Q") else ref
    if digits.isdigit():
        q = session.get(Quote, int(digits))
    else:
        q = session.exec(select(Quote).where(Quote.guid == ref.upper())).first()
    if q is None:
        raise NotFoundError(f"no quote {ref!r}", "See `qualcode quotes list`.")
    return q


def get_quote(project: Project, quote_id: int | str) -> QuoteRow:
    with project.session() as s:
        return quote_dict(s, get_quote_row(s, quote_id), language=report_language(project))


def list_quotes(
    project: Project,
    status: str | Iterable[str] | None = None,
    participant: str | int | None = None,
    document: str | int | None = None,
    code: str | None = None,
    only: bool = False,
) -> list[QuoteRow]:
    """Quotes (oldest first) with attribution, code, area and their events.

    ``code`` means the code and the codes below it (an area with its attention points);
    with ``only``, the code alone."""
    language = report_language(project)
    with project.session() as s:
        stmt = select(Quote).order_by(col(Quote.id))
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            for st in wanted:
                if st not in TRANSITIONS:
                    raise QuoteError(
                        f"unknown quote status {st!r}", "One of: " + ", ".join(TRANSITIONS)
                    )
            stmt = stmt.where(col(Quote.status).in_(wanted))
        if participant is not None:
            person = resolve_participant(s, str(participant))
            stmt = stmt.where(Quote.participant_id == person.id)
        if document is not None:
            doc = resolve_document(s, document)
            stmt = stmt.where(Quote.document_id == doc.id)
        if code is not None:
            c = resolve_code(s, code)
            stmt = stmt.where(col(Quote.code_id).in_(code_scope(s, c, only)))
        rows = list(s.exec(stmt))
        events: dict[int, list[QuoteEvent]] = {}
        if rows:
            ids = [stored_id(q) for q in rows]
            for e in s.exec(
                select(QuoteEvent)
                .where(col(QuoteEvent.quote_id).in_(ids))
                .order_by(col(QuoteEvent.id))
            ):
                events.setdefault(e.quote_id, []).append(e)
        codes = {stored_id(c): c for c in s.exec(select(Code))}
        return [
            quote_dict(s, q, language=language, events=events.get(stored_id(q), []), codes=codes)
            for q in rows
        ]


def overdue(status: str, due_date: dt.date | str | None, today: dt.date) -> bool:
    """The one rule: a ``sent`` quote is overdue from the day *after* its due date."""
    if status != SENT or not due_date:
        return False
    due = dt.date.fromisoformat(due_date) if isinstance(due_date, str) else due_date
    return due < today


def overdue_quotes(project: Project, today: dt.date | None = None) -> list[QuoteRow]:
    """Sent quotes whose due date has passed (the dashboard's "overdue" list)."""
    today = today or dt.date.today()
    return [
        q for q in list_quotes(project, status=SENT) if overdue(q["status"], q["due_date"], today)
    ]


def status_counts(session: Session) -> dict[str, int]:
    """How many quotes are in each state (every state listed, zeros included)."""
    counts = dict.fromkeys(TRANSITIONS, 0)
    for status in session.exec(select(Quote.status)):
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- writing -----------------------------------------------------------------------------


def add_event(
    session: Session, quote_id: int, who: str, frm: str | None, to: str, note: str
) -> None:
    """Record a status change of a quote (``frm`` None: it was just made) in ``session``."""
    session.add(QuoteEvent(quote_id=quote_id, who=who, from_status=frm, to_status=to, note=note))


def _guarded_update(
    session: Session, q: Quote, expected_version: int | None, **values: Any
) -> None:
    """Write ``values`` only if nobody changed the quote since we (or the caller) read it."""
    version = q.version if expected_version is None else expected_version
    if expected_version is not None and expected_version != q.version:
        raise ConflictError(
            f"quote {q.id} was changed by someone else (version {q.version}, you had "
            f"{expected_version}); nothing was written",
            "Reload the quote and decide again.",
        )
    result = session.execute(
        update(Quote)
        .where(col(Quote.id) == q.id, col(Quote.version) == version)
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        raise ConflictError(
            f"quote {q.id} was changed by someone else while you worked; nothing was written",
            "Reload the quote and decide again.",
        )


def fidelity_entry(source: str, wording: str) -> dict[str, Any]:
    """The fidelity check of a wording against its source, as stored on the quote."""
    return fidelity.check(source, wording).as_dict()


def normalise_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace at the edges so the stored span is exactly the words quoted."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def add_quote(
    project: Project,
    document_id: int | str,
    start: int,
    end: int,
    code: str | None,
    who: str,
    wording: str | None = None,
    draft_paragraph: str = "",
) -> QuoteRow:
    """Make a candidate quote of a span; the participant comes from the speaker turn."""

    def work(s: Session) -> int:
        doc = resolve_document(s, document_id)
        check_span(doc, start, end)
        a, b = normalise_span(doc.text, start, end)
        if a >= b:
            raise QuoteError(f"the passage {start}-{end} is only whitespace")
        person = speaker_of(s, doc, a, b)
        # No --code: a span coded by exactly one code takes that code.
        code_row = resolve_code(s, code) if code else covering_code(s, stored_id(doc), a, b)
        source = doc.text[a:b]
        text = (wording if wording is not None else source).strip()
        if not text:
            raise QuoteError("the wording is empty", "Leave --wording out to use the source text.")
        dup = s.exec(
            select(Quote.id).where(
                Quote.document_id == doc.id,
                Quote.start == a,
                Quote.end == b,
                Quote.code_id == (code_row.id if code_row else None),
                Quote.status != WITHDRAWN,
            )
        ).first()
        if dup is not None:
            raise QuoteError(
                f"that passage is already quote {dup} for the same code",
                f"See `qualcode quotes list`; edit quote {dup} instead.",
            )
        q = Quote(
            document_id=stored_id(doc),
            participant_id=stored_id(person),
            code_id=code_row.id if code_row else None,
            start=a,
            end=b,
            source_text=source,
            wording=text,
            draft_paragraph=draft_paragraph,
            fidelity={"wording": fidelity_entry(source, text)},
            created_by=who,
        )
        s.add(q)
        s.flush()
        add_event(s, stored_id(q), who, None, CANDIDATE, "created")
        return stored_id(q)

    quote_id = project.write(work)
    return get_quote(project, quote_id)


def add_quote_by_match(
    project: Project,
    document_ref: int | str,
    match: str,
    code: str | None,
    who: str,
    wording: str | None = None,
    draft_paragraph: str = "",
) -> QuoteRow:
    """Make a candidate quote of the one passage of a document equal to ``match``."""
    with project.session() as s:
        doc = resolve_document(s, document_ref)
        start, end = find_match(doc, match)
    return add_quote(project, stored_id(doc), start, end, code, who, wording, draft_paragraph)


def add_quote_from_coding(
    project: Project,
    coding_id: int,
    who: str,
    wording: str | None = None,
    draft_paragraph: str = "",
    code: str | None = None,
) -> QuoteRow:
    """Make a candidate quote of a coded passage, supporting the coding's code (or ``code``)."""
    from qualcode.models import Coding

    with project.session() as s:
        coding = s.get(Coding, coding_id)
        if coding is None:
            raise NotFoundError(f"no coding {coding_id}", "See `qualcode codings list`.")
        coded = s.get(Code, coding.code_id)
        key = code or (coded.key if coded is not None else None)
    return add_quote(
        project, coding.document_id, coding.start, coding.end, key, who, wording, draft_paragraph
    )


def edit_quote(
    project: Project,
    quote_id: int | str,
    who: str,
    wording: str | None = None,
    draft_paragraph: str | None = None,
    expected_version: int | None = None,
    code: str | None = None,
) -> QuoteRow:
    """Change the report wording (only before it is sent), the draft paragraph or the code."""

    def work(s: Session) -> int:
        q = get_quote_row(s, quote_id)
        values: dict[str, Any] = {}
        notes = []
        if wording is not None:
            text = wording.strip()
            if not text:
                raise QuoteError("the wording is empty")
            if q.status != CANDIDATE:
                raise QuoteError(
                    f"quote {q.id} is {q.status}; its wording can only change while it is a "
                    "candidate",
                    "Record the expert's new wording with `qualcode quotes respond --revise`, "
                    "or withdraw the quote and add it again.",
                )
            if text != q.wording:
                values["wording"] = text
                values["fidelity"] = {**q.fidelity, "wording": fidelity_entry(q.source_text, text)}
                notes.append(f"wording edited (was: {q.wording})")
        if code is not None:
            new_code = resolve_code(s, code) if code.strip() else None
            new_id = new_code.id if new_code is not None else None
            if new_id != q.code_id:
                values["code_id"] = new_id
                notes.append(f"code set to {new_code.key if new_code else 'none'}")
        if draft_paragraph is not None and draft_paragraph != q.draft_paragraph:
            values["draft_paragraph"] = draft_paragraph
            notes.append("draft paragraph edited")
        if not values:
            return stored_id(q)
        _guarded_update(s, q, expected_version, **values)
        add_event(s, stored_id(q), who, q.status, q.status, "; ".join(notes))
        return stored_id(q)

    return get_quote(project, project.write(work))


def respond(
    project: Project,
    quote_id: int | str,
    action: str,
    who: str,
    text: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> QuoteRow:
    """Record an expert's answer: ``approve``, ``revise`` (with the new wording) or ``reject``.

    A revision keeps both wordings (``wording`` and ``approved_wording``) and runs the
    fidelity check of the new wording against the source span.
    """

    def work(s: Session) -> int:
        q = get_quote_row(s, quote_id)
        respond_in(s, q, action, who, text, note, expected_version, at)
        return stored_id(q)

    return get_quote(project, project.write(work))


def respond_in(
    session: Session,
    q: Quote,
    action: str,
    who: str,
    text: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    via: str = "",
) -> None:
    """``respond`` inside the caller's transaction (``packets read`` answers many at once)."""
    if action not in _ACTION_STATUS:
        raise QuoteError(f"unknown answer {action!r}", "One of: approve, revise, reject.")
    to_status = _ACTION_STATUS[action]
    if expected_version is not None and expected_version != q.version:
        raise ConflictError(
            f"quote {q.id} was changed by someone else (now {q.status}, version {q.version}; "
            f"you had version {expected_version}); nothing was written",
            "Reload the quote and decide again.",
        )
    if q.status in ANSWERS:
        raise ConflictError(
            f"quote {q.id} was already answered ({q.status}); nothing was written",
            "Look at its history with `qualcode quotes list --json`; withdraw it if the "
            "answer must change.",
        )
    _check_move(q, to_status)
    values: dict[str, Any] = {
        "status": to_status,
        "response_note": note,
        "responded_at": at or utcnow(),
    }
    if action == "approve":
        values["approved_wording"] = q.wording
    elif action == "revise":
        new = (text or "").strip()
        if not new:
            raise QuoteError("a revision needs the new wording", "Give --revise 'new wording'.")
        values["approved_wording"] = new
        values["fidelity"] = {**q.fidelity, "approved_wording": fidelity_entry(q.source_text, new)}
    else:
        values["approved_wording"] = None
    _guarded_update(session, q, expected_version, **values)
    parts = [
        p
        for p in (via, note, f"new wording: {text.strip()}" if action == "revise" and text else "")
        if p
    ]
    add_event(session, stored_id(q), who, q.status, to_status, "; ".join(parts))


def withdraw(
    project: Project, quote_id: int | str, who: str, note: str = "",
    expected_version: int | None = None,
) -> QuoteRow:  # fmt: skip
    """Take a quote out of the approval process (it stays in the history)."""

    def work(s: Session) -> int:
        q = get_quote_row(s, quote_id)
        _check_move(q, WITHDRAWN)
        _guarded_update(s, q, expected_version, status=WITHDRAWN)
        add_event(s, stored_id(q), who, q.status, WITHDRAWN, note)
        return stored_id(q)

    return get_quote(project, project.write(work))


def mark_sent(
    session: Session, quotes: list[Quote], packet_id: int, due: dt.date, who: str, note: str
) -> None:
    """Inside the packet's transaction: the quotes went out with this due date."""
    for q in quotes:
        _check_move(q, SENT)
        _guarded_update(session, q, None, status=SENT, packet_id=packet_id, due_date=due)
        add_event(session, stored_id(q), who, q.status, SENT, note)


def sweep(project: Project, today: dt.date | None = None, who: str = "sweep") -> SweepResult:
    """Turn overdue ``sent`` quotes into ``deemed_accepted`` when silence counts as consent.

    A quote is overdue the day *after* its due date. With the setting off nothing changes
    and the overdue quotes are only reported.
    """
    today = today or dt.date.today()
    enabled = silence_as_consent(project)

    def work(s: Session) -> list[int]:
        sent = s.exec(select(Quote).where(Quote.status == SENT).order_by(col(Quote.id)))
        rows = [q for q in sent if overdue(q.status, q.due_date, today)]
        if enabled:
            for q in rows:
                _guarded_update(s, q, None, status=DEEMED_ACCEPTED, approved_wording=q.wording)
                add_event(
                    s,
                    stored_id(q),
                    who,
                    SENT,
                    DEEMED_ACCEPTED,
                    f"no answer by {q.due_date.isoformat() if q.due_date else '?'}; silence "
                    "counts as consent",
                )
        return [stored_id(q) for q in rows]

    ids = project.write(work)
    return {
        "today": today.isoformat(),
        "silence_as_consent": enabled,
        "deemed_accepted": ids if enabled else [],
        "overdue": [] if enabled else ids,
    }
