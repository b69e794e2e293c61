"""The snapshot: everything a synthesis needs, read from the project once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select as sa_select
from sqlalchemy import true
from sqlmodel import col, select

from qualcode.db import Project
from qualcode.documents import TurnIndex
from qualcode.models import (
    Code,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    ProjectSetting,
    Quote,
    Turn,
)
from qualcode.visibility import reviewed_only

FINAL_STATUSES = ("approved", "approved_with_changes", "deemed_accepted")
PENDING_STATUSES = ("candidate", "sent")
# Rejected and withdrawn quotes are never shown, not even in a draft.
HIDDEN_STATUSES = ("rejected", "withdrawn")
INTERVIEW_KINDS = ("interview", "notes")
TOP_CO_OCCURRING = 5


# --------------------------------------------------------------------------------------------
# The snapshot: everything read from the project, once.
# --------------------------------------------------------------------------------------------


@dataclass
class SnapshotCoding:
    id: int
    document_id: int
    code_id: int
    start: int
    end: int


@dataclass
class SnapshotDocument:
    id: int
    title: str
    kind: str
    date: dt.date | None
    language: str
    text: str
    participant_ids: list[int] = field(default_factory=list)


@dataclass
class Snapshot:
    """The project as the synthesis sees it; built by ``load_snapshot`` or by hand in tests."""

    project_name: str
    settings: dict[str, str]
    codes: list[Code]
    participants: list[Participant]
    documents: list[SnapshotDocument]
    turns: dict[int, TurnIndex[SnapshotTurn]]
    turn_speakers: dict[int, tuple[str, int | None]]
    codings: list[SnapshotCoding]
    quotes: list[Quote]
    code_memos: dict[int, list[str]]


@dataclass
class SnapshotTurn:
    """The few turn fields the synthesis needs (TurnIndex reads ``start``/``end``)."""

    id: int
    start: int
    end: int


def load_snapshot(project: Project) -> Snapshot:
    """Read everything the synthesis needs in one session, without per-coding queries."""
    counted = reviewed_only(project)
    with project.session() as s:
        settings = {r.key: r.value for r in s.exec(select(ProjectSetting))}
        codes = list(s.exec(select(Code).order_by(col(Code.position), col(Code.id))))
        participants = list(s.exec(select(Participant).order_by(col(Participant.id))))
        docs = {
            row[0]: SnapshotDocument(
                id=row[0],
                title=row[1],
                kind=row[2],
                date=row[3],
                language=row[4],
                text=row[5],
            )
            for row in s.execute(
                sa_select(
                    col(Document.id),
                    col(Document.title),
                    col(Document.kind),
                    col(Document.date),
                    col(Document.language),
                    col(Document.text),
                ).order_by(col(Document.id))
            )
        }
        for doc_id, pid in s.exec(
            select(DocumentParticipant.document_id, DocumentParticipant.participant_id).order_by(
                col(DocumentParticipant.document_id), col(DocumentParticipant.participant_id)
            )
        ):
            if doc_id in docs:
                docs[doc_id].participant_ids.append(pid)
        turns_by_doc: dict[int, list[SnapshotTurn]] = defaultdict(list)
        speakers: dict[int, tuple[str, int | None]] = {}
        for tid, doc_id, start, end, speaker, pid in s.execute(
            sa_select(
                col(Turn.id),
                col(Turn.document_id),
                col(Turn.start),
                col(Turn.end),
                col(Turn.speaker),
                col(Turn.participant_id),
            )
        ):
            turns_by_doc[doc_id].append(SnapshotTurn(tid, start, end))
            speakers[tid] = (speaker, pid)
        codings = [
            SnapshotCoding(*row)
            for row in s.execute(
                sa_select(
                    col(Coding.id),
                    col(Coding.document_id),
                    col(Coding.code_id),
                    col(Coding.start),
                    col(Coding.end),
                )
                .where(counted if counted is not None else true())  # blind coding: reviewed only
                .order_by(col(Coding.document_id), col(Coding.start), col(Coding.id))
            )
        ]
        quotes = list(s.exec(select(Quote).order_by(col(Quote.id))))
        memos: dict[int, list[str]] = defaultdict(list)
        for target_id, text in s.exec(
            select(Memo.target_id, Memo.text)
            .where(Memo.target_kind == "code")
            .order_by(col(Memo.created), col(Memo.id))
        ):
            if target_id is not None and text.strip():
                memos[target_id].append(text.strip())
    return Snapshot(
        project_name=settings.get("name") or project.name,
        settings=settings,
        codes=codes,
        participants=participants,
        documents=list(docs.values()),
        turns={d: TurnIndex(rows) for d, rows in turns_by_doc.items()},
        turn_speakers=speakers,
        codings=codings,
        quotes=quotes,
        code_memos=dict(memos),
    )
