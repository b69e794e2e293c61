"""Reading passages for the faces: one document with its codings and turns (the coding
view), document titles, and the queue of open suggestions across documents. (Every passage
of a code across documents is ``coding.code_passages``.)

Queries only; no Textual. The coding view's loader uses plain Core queries on one
connection: building ORM rows for 5,000 codings would cost more than everything else the
coding view does to open a document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, true
from sqlalchemy import select as core_select
from sqlmodel import col, select

from qualcode.db import Project
from qualcode.errors import NotFoundError
from qualcode.models import Coder, Coding, Document, Suggestion, Turn
from qualcode.participants import is_interviewer_label
from qualcode.visibility import visible_coder_filter, visible_suggestion_filter


def _table(model: type) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(slots=True)
class CodedSpan:
    """A coding as a face shows it: enough to paint it and describe it."""

    id: int
    code_id: int
    start: int
    end: int
    coder: str = ""
    memo: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class TurnMark:
    """A speaker turn: where it starts and ends, and how long its speaker label is."""

    start: int
    end: int
    speaker: str
    label_end: int
    interviewer: bool


@dataclass
class DocumentView:
    """Everything the coding view needs about one document, read in three queries."""

    id: int
    title: str
    text: str
    spans: list[CodedSpan]
    turns: list[TurnMark]


def load_document_view(
    project: Project, document_id: int, viewer: str | None = None
) -> DocumentView:
    """Text, codings (with coder names) and speaker turns of a document; with blind coding
    on, ``viewer`` sees only their own and the reviewed codings (``qualcode.visibility``)."""
    visible = visible_coder_filter(project, viewer)
    coding_t, coder_t = _table(Coding), _table(Coder)
    coding, coder = coding_t.c, coder_t.c
    turn = _table(Turn).c
    document = _table(Document).c
    with project.engine.connect() as conn:
        row = conn.execute(
            core_select(document.title, document.text).where(document.id == document_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no document {document_id}", "It may have been deleted.")
        title, text = row
        rows = conn.execute(
            core_select(
                coding.id, coding.code_id, coding.start, coding.end, coding.memo, coder.name
            )
            .select_from(coding_t.join(coder_t, coder.id == coding.coder_id))
            .where(coding.document_id == document_id)
            .where(visible if visible is not None else true())
        ).all()
        turn_rows = conn.execute(
            core_select(turn.start, turn.end, turn.speaker, turn.participant_id)
            .where(turn.document_id == document_id)
            .order_by(turn.start)
        ).all()
    spans = [
        CodedSpan(id=i, code_id=c, start=a, end=b, coder=name or "", memo=memo or "")
        for i, c, a, b, memo, name in rows
    ]
    turns = []
    for start, end, speaker, participant_id in turn_rows:
        label_end = start
        if text.startswith(speaker, start):
            label_end = start + len(speaker)
            if text.startswith(":", label_end):
                label_end += 1
        interviewer = participant_id is None and is_interviewer_label(speaker)
        turns.append(TurnMark(start, end, speaker, label_end, interviewer))
    return DocumentView(document_id, title, text, spans, turns)


def document_titles(project: Project) -> list[tuple[int, str]]:
    """(id, title) of every document, by id (the palette's "go: document …")."""
    with project.session() as s:
        rows = s.exec(select(Document.id, Document.title).order_by(col(Document.id))).all()
    return [(doc_id, title) for doc_id, title in rows if doc_id is not None]


# ----- suggestions across documents -----------------------------------------------------------


@dataclass(frozen=True)
class SuggestionPlace:
    id: int
    document_id: int
    start: int
    end: int
    code_id: int


def open_suggestion_places(project: Project, viewer: str | None = None) -> list[SuggestionPlace]:
    """Every open suggestion ``viewer`` is offered, in (document, start) order: the queue
    n/p walk through. With blind coding on for the viewer, only those made for them
    (``visibility.visible_suggestion_filter``), as the coding view shows them."""
    offered = visible_suggestion_filter(project, viewer)
    table = _table(Suggestion).c
    with project.engine.connect() as conn:
        rows = conn.execute(
            core_select(table.id, table.document_id, table.start, table.end, table.code_id)
            .where(table.status == "open", offered)
            .order_by(table.document_id, table.start, table.id)
        ).all()
    return [SuggestionPlace(int(i), int(d), int(a), int(b), int(c)) for i, d, a, b, c in rows]


def next_suggestion(
    places: list[SuggestionPlace], document_id: int, offset: int, direction: int
) -> SuggestionPlace | None:
    """The open suggestion after (direction 1) or before (-1) a place, across documents,
    wrapping around at the end. Pure."""
    if not places:
        return None
    here = (document_id, offset)
    if direction > 0:
        after = [p for p in places if (p.document_id, p.start) > here]
        return after[0] if after else places[0]
    before = [p for p in places if (p.document_id, p.start) < here]
    return before[-1] if before else places[-1]
