"""Documents: listing them, finding one by id or title, and who speaks where."""

from __future__ import annotations

import bisect
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from qualcode.db import Project
from qualcode.errors import AmbiguousNameError, NotFoundError
from qualcode.models import Coding, Document, DocumentParticipant, Participant, Turn
from qualcode.naming import did_you_mean, fold


def resolve_document(session: Session, ref: str | int) -> Document:
    """A document by id or title (case-insensitive); unknown names list the nearest titles."""
    ref_text = str(ref).strip()
    if ref_text.isdigit():
        doc = session.get(Document, int(ref_text))
        if doc is not None:
            return doc
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
            .join(DocumentParticipant, DocumentParticipant.participant_id == Participant.id)
            .where(DocumentParticipant.document_id == document_id)
            .order_by(Participant.id)
        )
    )


def document_turns(session: Session, document_id: int) -> list[Turn]:
    return list(
        session.exec(select(Turn).where(Turn.document_id == document_id).order_by(Turn.start))
    )


class TurnIndex:
    """Finds the speaker turn at an offset in O(log n) (used for every listed coding)."""

    def __init__(self, turns: list[Turn]) -> None:
        self.turns = sorted(turns, key=lambda t: t.start)
        self._starts = [t.start for t in self.turns]

    def at(self, offset: int) -> Turn | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and self.turns[i].start <= offset < self.turns[i].end:
            return self.turns[i]
        return None

    def spanning(self, start: int, end: int) -> list[Turn]:
        """Turns that overlap ``[start, end)``."""
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        while i < len(self.turns) and self.turns[i].start < end:
            if self.turns[i].end > start:
                out.append(self.turns[i])
            i += 1
        return out


def list_documents(project: Project) -> list[dict[str, Any]]:
    """Every document with kind, participants, word count and number of codings."""
    with project.session() as s:
        docs = s.exec(
            select(
                Document.id,
                Document.title,
                Document.kind,
                Document.language,
                Document.word_count,
                Document.date,
                Document.source_name,
                func.length(Document.text),
            ).order_by(Document.id)
        ).all()
        counts = dict(
            s.exec(select(Coding.document_id, func.count()).group_by(Coding.document_id)).all()
        )
        people: dict[int, list[str]] = {}
        for doc_id, name in s.exec(
            select(DocumentParticipant.document_id, Participant.name).join(
                Participant, Participant.id == DocumentParticipant.participant_id
            )
        ):
            people.setdefault(doc_id, []).append(name)
    return [
        {
            "id": doc_id,
            "title": title,
            "kind": kind,
            "language": language,
            "participants": people.get(doc_id, []),
            "words": words,
            "characters": chars,
            "codings": counts.get(doc_id, 0),
            "date": date.isoformat() if date else None,
            "source": source,
        }
        for doc_id, title, kind, language, words, date, source, chars in docs
    ]
