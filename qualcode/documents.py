"""Documents: listing them, finding one by id or title, and who speaks where."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypedDict, TypeVar

from sqlalchemy import delete
from sqlmodel import Session, col, select

from qualcode.db import Project
from qualcode.document_list import DocumentSummary as DocumentSummary  # its shape lives there
from qualcode.document_list import list_documents_with
from qualcode.errors import AmbiguousNameError, NotFoundError, QualcodeError, QuoteError
from qualcode.history import coding_snapshot, drop_rows, record_action, row_snapshot
from qualcode.models import (
    DOCUMENT_KINDS,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    Posting,
    Quote,
    QuoteEvent,
    Sentence,
    Suggestion,
    Turn,
)
from qualcode.naming import did_you_mean, fold
from qualcode.participants import resolve_participant
from qualcode.rows import stored_id
from qualcode.store.reader import SessionReader


class DocumentError(QualcodeError):
    """A document cannot be changed as asked."""


def resolve_document(session: Session, ref: str | int) -> Document:
    """A document by id or title (case-insensitive); unknown names list the nearest titles."""
    ref_text = str(ref).strip()
    if ref_text.isdigit():
        doc = session.get(Document, int(ref_text))
        if doc is not None:
            return doc
        ids = sorted(i for i in session.exec(select(Document.id)) if i is not None)
        raise NotFoundError(
            f"no document with id {ref_text}",
            "Document ids: "
            + (", ".join(map(str, ids)) or "none yet")
            + " (`qualcode documents list`).",
        )
    rows = session.exec(select(Document.id, Document.title)).all()
    hits = [doc_id for doc_id, title in rows if fold(title) == fold(ref_text)]
    if not hits:
        hits = [doc_id for doc_id, title in rows if fold(ref_text) in fold(title)]
        if len(hits) > 1:
            raise AmbiguousNameError(
                f"{ref_text!r} matches {len(hits)} documents",
                "Use the document id (see `qualcode documents list`).",
            )
    if len(hits) == 1:
        doc = session.get(Document, hits[0])
        assert doc is not None
        return doc
    raise NotFoundError(
        f"no document {ref_text!r}",
        did_you_mean(ref_text, [t for _, t in rows]) or "See `qualcode documents list`.",
    )


def document_participants(session: Session, document_id: int) -> list[Participant]:
    return list(
        session.exec(
            select(Participant)
            .join(
                DocumentParticipant, col(DocumentParticipant.participant_id) == col(Participant.id)
            )
            .where(DocumentParticipant.document_id == document_id)
            .order_by(col(Participant.id))
        )
    )


def document_turns(session: Session, document_id: int) -> list[Turn]:
    return list(
        session.exec(select(Turn).where(Turn.document_id == document_id).order_by(col(Turn.start)))
    )


class Stretch(Protocol):
    """Anything with a ``[start, end)`` span: a ``Turn`` row, or the synthesis's light copy."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


T = TypeVar("T", bound=Stretch)


class TurnIndex(Generic[T]):
    """Finds the speaker turn at an offset in O(log n) (used for every listed coding)."""

    def __init__(self, turns: Iterable[T]) -> None:
        self.turns = sorted(turns, key=lambda t: t.start)
        self._starts = [t.start for t in self.turns]

    def at(self, offset: int) -> T | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and self.turns[i].start <= offset < self.turns[i].end:
            return self.turns[i]
        return None

    def spanning(self, start: int, end: int) -> list[T]:
        """Turns that overlap ``[start, end)``."""
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        while i < len(self.turns) and self.turns[i].start < end:
            if self.turns[i].end > start:
                out.append(self.turns[i])
            i += 1
        return out


def list_documents(project: Project, viewer: str | None = None) -> list[DocumentSummary]:
    """Every document with kind, participants, word count and number of codings (those
    ``viewer`` may see: with blind coding on, other coders' codings are not counted).

    The statements are ``document_list``'s, which the light read path runs too."""
    with project.session() as s:
        return list_documents_with(SessionReader(s), viewer)


# --- fixing a document -------------------------------------------------------------------


class SpeakerRow(TypedDict):
    """A speaker label of a document and whom it is linked to."""

    speaker: str
    participant_id: int | None
    participant: str | None
    turns: int


def resolve(session: Session, ref: str | int | Document) -> Document:
    return ref if isinstance(ref, Document) else resolve_document(session, ref)


def speakers(project: Project, doc: str | int) -> list[SpeakerRow]:
    """The document's distinct speaker labels, in order of appearance, with their link."""
    with project.session() as s:
        row = resolve(s, doc)
        out: dict[str, SpeakerRow] = {}
        names = {p.id: p.name for p in s.exec(select(Participant))}
        for turn in document_turns(s, stored_id(row)):
            entry = out.setdefault(
                turn.speaker,
                {
                    "speaker": turn.speaker,
                    "participant_id": turn.participant_id,
                    "participant": names.get(turn.participant_id),
                    "turns": 0,
                },
            )
            entry["turns"] += 1
        return list(out.values())


def update_document(
    project: Project,
    doc: str | int,
    title: str | None = None,
    kind: str | None = None,
    date: dt.date | None = None,
    language: str | None = None,
) -> int:
    """Retitle, re-kind, re-date or change the language of a document; returns its id."""
    with project.transaction() as s:
        row = resolve(s, doc)
        if title is not None:
            title = " ".join(title.split())
            if not title:
                raise NotFoundError("a document needs a title", "Give a non-empty --title.")
            twin = s.exec(select(Document.id).where(Document.title == title)).first()
            if twin is not None and twin != row.id:
                raise AmbiguousNameError(
                    f"another document (id {twin}) is called {title!r}", "Choose another title."
                )
            row.title = title
        if kind is not None:
            if kind not in DOCUMENT_KINDS:
                raise DocumentError(
                    f"unknown kind {kind!r}", "Use one of: " + ", ".join(DOCUMENT_KINDS) + "."
                )
            row.kind = kind
        if date is not None:
            row.date = date
        if language is not None:
            if language not in ("da", "en"):
                raise DocumentError(f"unknown language {language!r}", "Use da or en.")
            row.language = language
        s.add(row)
        assert row.id is not None
        return row.id


@dataclass
class SpeakerLinkResult:
    """What linking a speaker changed: turns relinked, quotes that now name the new
    speaker, and quotes left as they were (already sent to their expert)."""

    speaker: str
    participant: str | None
    turns: int
    quotes_updated: list[int] = field(default_factory=list)
    quotes_kept: list[int] = field(default_factory=list)

    def as_dict(self) -> LinkedSpeaker:
        return LinkedSpeaker(
            speaker=self.speaker,
            participant=self.participant,
            turns=self.turns,
            quotes_updated=self.quotes_updated,
            quotes_kept=self.quotes_kept,
        )


def link_speaker(
    project: Project, doc: str | int, speaker: str, participant: str | int | None
) -> SpeakerLinkResult:
    """Link every turn of ``speaker`` in a document to a participant (None: unlink).

    Codings follow at once (their speaker is read from the turns). Candidate quotes in
    those turns take the new participant; quotes already sent keep theirs and are listed.
    """
    with project.transaction() as s:
        row = resolve(s, doc)
        turns = [t for t in document_turns(s, stored_id(row)) if t.speaker == speaker]
        if not turns:
            labels = sorted({t.speaker for t in document_turns(s, stored_id(row))})
            raise NotFoundError(
                f"no speaker {speaker!r} in {row.title!r}",
                did_you_mean(speaker, labels)
                or "Speakers: " + (", ".join(labels) or "none (the document has no turns)") + ".",
            )
        person = None
        if participant is not None:
            person = (
                s.get(Participant, participant)
                if isinstance(participant, int)
                else resolve_participant(s, participant)
            )
            if person is None:
                raise NotFoundError(f"no participant {participant}", "See `participants list`.")
        new_id = person.id if person else None
        result = SpeakerLinkResult(speaker, person.name if person else None, len(turns))
        for t in turns:
            t.participant_id = new_id
            s.add(t)
        if person is not None and s.get(DocumentParticipant, (row.id, person.id)) is None:
            link = DocumentParticipant(document_id=stored_id(row), participant_id=stored_id(person))
            s.add(link)
        s.flush()
        _relink_quotes(s, row, turns, new_id, result)
        _prune_participants(s, row)
        return result


def _relink_quotes(
    session: Session,
    doc: Document,
    turns: list[Turn],
    participant_id: int | None,
    result: SpeakerLinkResult,
) -> None:
    for quote in session.exec(select(Quote).where(Quote.document_id == doc.id)):
        inside = any(t.start <= quote.start < t.end for t in turns)
        if not inside or quote.participant_id == participant_id:
            continue
        if quote.status == "candidate" and participant_id is not None:
            quote.participant_id = participant_id
            session.add(quote)
            result.quotes_updated.append(stored_id(quote))
        else:
            result.quotes_kept.append(stored_id(quote))


def _prune_participants(session: Session, doc: Document) -> None:
    """A participant stays on a document while a turn or a quote there is theirs; a
    document without turns keeps its participants as given at import."""
    turns = document_turns(session, stored_id(doc))
    if not turns:
        return
    speaking = {t.participant_id for t in turns}
    quoted = set(session.exec(select(Quote.participant_id).where(Quote.document_id == doc.id)))
    for link in session.exec(
        select(DocumentParticipant).where(DocumentParticipant.document_id == doc.id)
    ):
        if link.participant_id not in speaking | quoted:
            session.delete(link)


class DeletionImpact(TypedDict):
    """What deleting a document takes with it."""

    document_id: int
    title: str
    codings: int
    quotes: int
    sent_quotes: list[int]
    memos: int
    suggestions: int


class DeletedDocument(DeletionImpact):
    """`documents delete --json`: what went (or, with --dry-run, would go)."""

    deleted: bool


class LinkedSpeaker(TypedDict):
    """`documents link-speaker --json`: the label, whom it now names, and the quotes."""

    speaker: str
    participant: str | None
    turns: int
    quotes_updated: list[int]
    quotes_kept: list[int]


def deleted_document(impact: DeletionImpact, deleted: bool) -> DeletedDocument:
    """`documents delete --json`: the impact, and whether it was done (not a dry run)."""
    return DeletedDocument(**impact, deleted=deleted)


def _dependants(session: Session, doc: Document) -> dict[str, list[Any]]:
    codings = list(session.exec(select(Coding).where(Coding.document_id == doc.id)))
    quotes = list(session.exec(select(Quote).where(Quote.document_id == doc.id)))
    quote_ids = [q.id for q in quotes]
    coding_ids = [c.id for c in codings]
    memos = [
        m
        for m in session.exec(select(Memo))
        if (m.target_kind == "document" and m.target_id == doc.id)
        or (m.target_kind == "coding" and m.target_id in coding_ids)
        or (m.target_kind == "quote" and m.target_id in quote_ids)
    ]
    events = [e for e in session.exec(select(QuoteEvent)) if e.quote_id in quote_ids]
    return {
        "codings": codings,
        "quotes": quotes,
        "events": events,
        "memos": memos,
        "suggestions": list(
            session.exec(select(Suggestion).where(Suggestion.document_id == doc.id))
        ),
        "turns": document_turns(session, stored_id(doc)),
        "links": list(
            session.exec(
                select(DocumentParticipant).where(DocumentParticipant.document_id == doc.id)
            )
        ),
    }


def _impact(doc: Document, deps: dict[str, list[Any]]) -> DeletionImpact:
    assert doc.id is not None
    return {
        "document_id": doc.id,
        "title": doc.title,
        "codings": len(deps["codings"]),
        "quotes": len(deps["quotes"]),
        "sent_quotes": [q.id for q in deps["quotes"] if q.status != "candidate"],
        "memos": len(deps["memos"]),
        "suggestions": len(deps["suggestions"]),
    }


def deletion_impact(project: Project, doc: str | int) -> DeletionImpact:
    """What a delete would take: codings, quotes (and which were sent), memos, suggestions."""
    with project.session() as s:
        row = resolve(s, doc)
        return _impact(row, _dependants(s, row))


def delete_document(
    project: Project, doc: str | int, coder: str, force: bool = False
) -> DeletionImpact:
    """Delete a document with its turns, codings, quotes, memos and suggestions.

    Quotes that went to an expert (any status past ``candidate``) block the delete unless
    ``force``. Undoable: ``qualcode undo`` (or ctrl+z) brings everything back; the search
    index is rebuilt for it on the next search.
    """
    with project.transaction() as s:
        row = resolve(s, doc)
        deps = _dependants(s, row)
        impact = _impact(row, deps)
        if impact["sent_quotes"] and not force:
            raise DocumentError(
                f"{row.title!r} has {len(impact['sent_quotes'])} quote(s) that went to an expert "
                f"({', '.join(f'Q{i}' for i in impact['sent_quotes'])})",
                "Their answers would go too. Withdraw them first, or delete with --force.",
            )
        snapshot = (
            [row_snapshot(row)]
            + [row_snapshot(x) for x in deps["links"] + deps["turns"] + deps["quotes"]]
            + [row_snapshot(x) for x in deps["events"] + deps["memos"] + deps["suggestions"]]
        )
        snapshot[0][1]["nlp_version"] = None  # the search index is rebuilt after an undo
        removed = [coding_snapshot(c) for c in deps["codings"]]
        for c in deps["codings"]:
            s.delete(c)
        s.flush()
        extra = {"deleted_rows": snapshot}
        record_action(s, coder, f"delete document {row.title!r}", removed=removed, codebook=extra)
        for model in (Posting, Sentence):
            s.execute(delete(model).where(col(model.document_id) == row.id))
        drop_rows(s, snapshot)
        return impact


def speaker_of(session: Session, doc: Document, start: int, end: int) -> Participant:
    """The participant who speaks the whole span; a span across two speakers is an error."""
    turns = TurnIndex(document_turns(session, stored_id(doc))).spanning(start, end)
    text = doc.text
    # A turn touched only by whitespace at the edge of the span does not count.
    turns = [t for t in turns if text[max(t.start, start) : min(t.end, end)].strip()] or turns
    if turns:
        speakers = {(t.participant_id, t.speaker) for t in turns}
        ids = {t.participant_id for t in turns}
        if len(ids) > 1 or (None in ids and len(speakers) > 1):
            names = ", ".join(dict.fromkeys(t.speaker for t in turns))
            raise QuoteError(
                f"the passage {start}-{end} spans more than one speaker ({names})",
                "A quote is one person's words: shorten it to a single speaker turn.",
            )
        pid = turns[0].participant_id
        if pid is None:
            raise QuoteError(
                f"the passage {start}-{end} is spoken by {turns[0].speaker!r}, who is not a "
                "registered participant",
                "Quote an expert's turn, or link the speaker to a participant.",
            )
        participant = session.get(Participant, pid)
        assert participant is not None
        return participant
    people = document_participants(session, stored_id(doc))
    if len(people) == 1:
        return people[0]
    raise QuoteError(
        f"cannot tell who said the passage {start}-{end} of {doc.title!r}: it has no speaker "
        f"turns and {len(people)} participants",
        "Import the document with --participant NAME (one participant), or with speaker labels.",
    )
