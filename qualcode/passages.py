"""Reading passages for the faces: one document with its codings and turns (the coding
view), document titles, and the queue of open suggestions across documents. (Every passage
of a code across documents is ``coding.code_passages``.)

Queries only; no Textual. The coding view's loader uses plain Core queries on one
connection: building ORM rows for 5,000 codings would cost more than everything else the
coding view does to open a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, bindparam
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


_ReadDoc = Select[Any, Any]  # title, text
_ReadCodings = Select[Any, Any, Any, Any, Any, Any]  # id, code, start, end, memo, coder
_ReadTurns = Select[Any, Any, Any, Any]  # start, end, speaker, participant


@lru_cache(maxsize=1)
def _view_statements() -> tuple[_ReadDoc, _ReadCodings, _ReadTurns]:
    """The coding view's three statements, built once per process (document id bound at
    run time): building a Core statement costs more than running it on a short document,
    and a built statement's compiled form stays in SQLAlchemy's cache."""
    coding_t, coder_t = _table(Coding), _table(Coder)
    coding, coder = coding_t.c, coder_t.c
    turn = _table(Turn).c
    document = _table(Document).c
    doc = bindparam("doc")
    return (
        core_select(document.title, document.text).where(document.id == doc),
        core_select(coding.id, coding.code_id, coding.start, coding.end, coding.memo, coder.name)
        .select_from(coding_t.join(coder_t, coder.id == coding.coder_id))
        .where(coding.document_id == doc),
        core_select(turn.start, turn.end, turn.speaker, turn.participant_id)
        .where(turn.document_id == doc)
        .order_by(turn.start),
    )


def load_document_view(
    project: Project, document_id: int, viewer: str | None = None
) -> DocumentView:
    """Text, codings (with coder names) and speaker turns of a document; with blind coding
    on, ``viewer`` sees only their own and the reviewed codings (``qualcode.visibility``)."""
    visible = visible_coder_filter(project, viewer)
    read_doc, read_codings, read_turns = _view_statements()
    if visible is not None:
        read_codings = read_codings.where(visible)
    params = {"doc": document_id}
    with project.engine.connect() as conn:
        row = conn.execute(read_doc, params).first()
        if row is None:
            raise NotFoundError(f"no document {document_id}", "It may have been deleted.")
        title, text = row
        rows = conn.execute(read_codings, params).all()
        turn_rows = conn.execute(read_turns, params).all()
    spans = [
        CodedSpan(id=i, code_id=c, start=a, end=b, coder=name or "", memo=memo or "")
        for i, c, a, b, memo, name in rows
    ]
    turns = []
    interviewer_label: dict[str, bool] = {}  # a document has a few speakers, many turns
    for start, end, speaker, participant_id in turn_rows:
        label_end = start
        if text.startswith(speaker, start):
            label_end = start + len(speaker)
            if text.startswith(":", label_end):
                label_end += 1
        if participant_id is not None:
            interviewer = False
        elif speaker in interviewer_label:
            interviewer = interviewer_label[speaker]
        else:
            interviewer = interviewer_label[speaker] = is_interviewer_label(speaker)
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
