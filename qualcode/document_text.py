"""Correcting a document's text: codings and quotes follow the passage they were on.

Kept apart from ``documents`` because it needs the NLP pipeline (the search index of the
new text is built before the transaction, as at import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy import delete
from sqlmodel import Session, col, select

from qualcode.coding import CodingRow, list_codings
from qualcode.db import Project
from qualcode.documents import DocumentError, document_participants, document_turns, resolve
from qualcode.formats.parsed import ParsedTurn
from qualcode.formats.text import normalise as normalise_text
from qualcode.models import ActionLog, Code, Coding, Document, Posting, Quote, Sentence, Turn
from qualcode.nlp.pipeline import NLP_VERSION, annotate_text
from qualcode.nlp.store import store_annotation
from qualcode.participants import attribution
from qualcode.reanchor import OffsetMap, place
from qualcode.rows import stored_id


class MovedSpan(TypedDict):
    """One coding or quote after a text edit: where it was, where it is, how it was found."""

    kind: str  # coding | quote
    id: int
    code: str | None
    old: list[int]
    new: list[int]
    method: str  # mapped | exact | fuzzy | unplaced
    score: float
    text: str


class TextEditDict(TypedDict):
    """A text edit's report (`documents edit --text-file --json`, its ``text``)."""

    document_id: int
    title: str
    characters: int
    turns: int
    unchanged: int
    history_cleared: int
    moved: list[MovedSpan]
    unplaced: list[MovedSpan]


class EditedDocument(TypedDict):
    """`documents edit --json`: the document, and the text edit's report (or None)."""

    document_id: int
    text: TextEditDict | None


class TurnView(TypedDict):
    """A speaker turn as `documents show --json` prints it."""

    speaker: str
    participant: str | None
    attribution: str | None
    start: int
    end: int


class DocumentView(TypedDict):
    """`documents show --json`: the document, its turns and its codings."""

    id: int
    title: str
    kind: str
    date: str | None
    language: str
    participants: list[str]
    text: str
    turns: list[TurnView]
    codings: list[CodingRow]


@dataclass
class TextEditReport:
    """What a text edit did: every coding and quote that moved, and those not placed."""

    document_id: int
    title: str
    characters: int
    turns: int
    moved: list[MovedSpan] = field(default_factory=list)
    unchanged: int = 0
    history_cleared: int = 0

    @property
    def unplaced(self) -> list[MovedSpan]:
        return [m for m in self.moved if m["method"] == "unplaced"]

    def as_dict(self) -> TextEditDict:
        return TextEditDict(
            document_id=self.document_id,
            title=self.title,
            characters=self.characters,
            turns=self.turns,
            unchanged=self.unchanged,
            history_cleared=self.history_cleared,
            moved=[m for m in self.moved if m["method"] != "unplaced"],
            unplaced=self.unplaced,
        )


def edited_document(doc_id: int, report: TextEditReport | None) -> EditedDocument:
    return EditedDocument(document_id=doc_id, text=report.as_dict() if report else None)


def document_view(project: Project, doc: str) -> DocumentView:
    """A document's text with its speaker turns (and whom they are linked to) and codings."""
    with project.session() as s:
        row = resolve(s, doc)
        doc_id = stored_id(row)
        people = {p.id: p for p in document_participants(s, doc_id)}
        turns = [
            TurnView(
                speaker=t.speaker,
                participant=people[t.participant_id].name if t.participant_id in people else None,
                attribution=attribution(people[t.participant_id])
                if t.participant_id in people
                else None,
                start=t.start,
                end=t.end,
            )
            for t in document_turns(s, doc_id)
        ]
        view = DocumentView(
            id=doc_id,
            title=row.title,
            kind=row.kind,
            date=row.date.isoformat() if row.date else None,
            language=row.language,
            participants=[p.name for p in people.values()],
            text=row.text,
            turns=turns,
            codings=[],
        )
    view["codings"] = list_codings(project, document=str(doc_id))
    return view


def edit_text(
    project: Project,
    doc: str | int,
    new_text: str,
    coder: str,
    turns: list[ParsedTurn] | None = None,
) -> TextEditReport:
    """Replace a document's text, re-anchoring its codings and quotes (see ``reanchor``).

    A span that cannot be found again is kept (clamped into the new text), its old text
    written into the coding's memo or the quote's note, and reported: nothing is dropped.
    ``turns`` are the speaker turns of the new text (from a parsed file); without them the
    old turns are carried through the same offset map. The search index is rebuilt.
    """
    text = normalise_text(new_text)
    if not text.strip():
        raise DocumentError("the new text is empty", "Give the corrected text of the document.")
    with project.session() as s:
        language = resolve(s, doc).language
    annotation = annotate_text(text, language)
    with project.transaction() as s:
        row = resolve(s, doc)
        assert row.id is not None
        old = row.text
        offsets = OffsetMap(old, text)
        report = TextEditReport(row.id, row.title, len(text), 0)
        codes = {c.id: c.key for c in s.exec(select(Code))}
        spans: list[tuple[str, Coding | Quote]] = []
        spans += [("coding", c) for c in s.exec(select(Coding).where(Coding.document_id == row.id))]
        spans += [("quote", q) for q in s.exec(select(Quote).where(Quote.document_id == row.id))]
        for kind, item in spans:
            where = place(old, text, item.start, item.end, offsets)
            if (where.start, where.end) == (item.start, item.end) and where.method != "unplaced":
                report.unchanged += 1
                continue
            report.moved.append(
                {
                    "kind": kind,
                    "id": stored_id(item),
                    "code": codes.get(item.code_id),
                    "old": [item.start, item.end],
                    "new": [where.start, where.end],
                    "method": where.method,
                    "score": where.score,
                    "text": old[item.start : item.end],
                }
            )
            if where.method == "unplaced":
                note = (
                    f"[qualcode: not found after the text edit; was {old[item.start : item.end]!r}]"
                )
                if isinstance(item, Coding):
                    item.memo = f"{item.memo}\n{note}".strip()
                else:
                    item.response_note = f"{item.response_note}\n{note}".strip()
            item.start, item.end = where.start, where.end
            s.add(item)
        report.history_cleared = _forget_history(
            s, row.id, {c.id for k, c in spans if k == "coding"}
        )
        _replace_turns(s, row, text, turns, offsets)
        row.text = text
        row.word_count = len(text.split())
        s.add(row)
        for model in (Posting, Sentence):
            s.execute(delete(model).where(col(model.document_id) == row.id))
        s.flush()
        store_annotation(s, row.id, annotation)
        row.nlp_version = NLP_VERSION
        report.turns = len(document_turns(s, row.id))
        return report


def _forget_history(session: Session, document_id: int, coding_ids: set[int | None]) -> int:
    """Undo entries that hold this document's old offsets would put codings back in the
    wrong place after a text edit: they are removed (every coder's). Returns how many."""
    gone = 0
    for action in session.exec(select(ActionLog)):
        payload = action.payload
        snaps = payload.get("added", []) + payload.get("removed", [])
        touched = any(snap.get("document_id") == document_id for snap in snaps) or any(
            change[0] in coding_ids for change in payload.get("changed", [])
        )
        if touched:
            session.delete(action)
            gone += 1
    return gone


def _replace_turns(
    session: Session,
    doc: Document,
    text: str,
    turns: list[ParsedTurn] | None,
    offsets: OffsetMap,
) -> None:
    old_turns = document_turns(session, stored_id(doc))
    if turns is None:
        for t in old_turns:
            t.start, t.end = offsets(t.start), offsets(t.end)
            session.add(t)
        return
    links = {t.speaker: t.participant_id for t in old_turns}
    for t in old_turns:
        session.delete(t)
    session.flush()
    session.add_all(
        Turn(
            document_id=stored_id(doc),
            ordinal=n,
            speaker=t.speaker,
            participant_id=links.get(t.speaker),
            start=t.start,
            end=min(t.end, len(text)),
            media_start=t.media_start,
            media_end=t.media_end,
        )
        for n, t in enumerate(turns)
    )
