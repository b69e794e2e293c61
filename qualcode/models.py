"""The schema: every table of a qualcode project, in one place.

Offsets (`start`, `end`) are Python ``str`` indices (Unicode code points) into
``Document.text``, end exclusive — the unit REFI-QDA uses too. Changing anything here
needs an Alembic migration in ``qualcode/migrations/versions``.
"""
# SQLModel declares __tablename__ as a declared_attr; a plain string is its documented use.
# pyright: reportAssignmentType=false

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from qualcode.vocabulary import CODE_KINDS as CODE_KINDS
from qualcode.vocabulary import CODING_ORIGINS as CODING_ORIGINS
from qualcode.vocabulary import CONSENTS as CONSENTS
from qualcode.vocabulary import DOCUMENT_KINDS as DOCUMENT_KINDS
from qualcode.vocabulary import MEMO_TARGETS as MEMO_TARGETS
from qualcode.vocabulary import QUOTE_STATUSES as QUOTE_STATUSES
from qualcode.vocabulary import SUGGESTION_STATUSES as SUGGESTION_STATUSES
from qualcode.vocabulary import new_guid as new_guid
from qualcode.vocabulary import utcnow as utcnow


class ProjectSetting(SQLModel, table=True):
    """Key/value settings of the project (name, silence-as-consent, default language, ...)."""

    __tablename__ = "project_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Coder(SQLModel, table=True):
    """A person who codes; written on every coding, memo and event."""

    __tablename__ = "coder"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)


class Participant(SQLModel, table=True):
    """An expert who was interviewed; consent governs how they may be attributed."""

    __tablename__ = "participant"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=300)
    title: str = Field(default="", max_length=300)
    organisation: str = Field(default="", max_length=500)
    expertise: str = Field(default="", max_length=500)
    consent: str = Field(default="named", max_length=20)
    pseudonym: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=300)
    language: str = Field(default="da", max_length=10)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    """One imported source; ``text`` is the string every offset points into."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(index=True, unique=True, max_length=500)
    kind: str = Field(default="interview", max_length=20)
    source_name: str = Field(default="", max_length=500)
    sha256: str = Field(index=True, unique=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    date: dt.date | None = None
    language: str = Field(default="da", max_length=10)
    word_count: int = 0
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    nlp_version: str | None = Field(default=None, max_length=50)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)


class DocumentParticipant(SQLModel, table=True):
    """Who was interviewed in a document (two rows for a double interview)."""

    __tablename__ = "document_participant"

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")


class Turn(SQLModel, table=True):
    """A speaker turn; ``participant_id`` is empty for the interviewer or an unknown speaker."""

    __tablename__ = "turn"
    __table_args__ = (Index("ix_turn_document_start", "document_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    ordinal: int
    speaker: str = Field(max_length=300)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    start: int
    end: int
    media_start: float | None = None
    media_end: float | None = None


class Code(SQLModel, table=True):
    """A codebook entry: an area, an attention point, a cross-cutting or a free code."""

    __tablename__ = "code"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=100)
    parent_id: int | None = Field(default=None, foreign_key="code.id", ondelete="SET NULL")
    kind: str = Field(default="code", max_length=20)
    label_da: str = Field(max_length=300)
    label_en: str = Field(default="", max_length=300)
    description_da: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description_en: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    guiding_question_da: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    guiding_question_en: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    use_when: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    not_when: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    colour: str = Field(default="#888888", max_length=20)
    position: int = 0
    guid: str = Field(default_factory=new_guid, index=True, unique=True, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)


class Coding(SQLModel, table=True):
    """A code applied to a span of a document by a coder. Overlaps are normal."""

    __tablename__ = "coding"
    __table_args__ = (
        Index("ix_coding_document_start", "document_id", "start"),
        Index("ix_coding_code", "code_id"),
        Index("ix_coding_coder", "coder_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", ondelete="CASCADE")
    coder_id: int = Field(foreign_key="coder.id")
    start: int
    end: int
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    origin: str = Field(default="manual", max_length=20)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)


class Memo(SQLModel, table=True):
    """Free text on the project, a document, a code, a coding or a quote."""

    __tablename__ = "memo"
    __table_args__ = (Index("ix_memo_target", "target_kind", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_kind: str = Field(max_length=20)
    target_id: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    coder_id: int | None = Field(default=None, foreign_key="coder.id")
    guid: str = Field(default_factory=new_guid, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)
    updated: dt.datetime = Field(default_factory=utcnow)


class Packet(SQLModel, table=True):
    """The quote-approval document made for one participant."""

    __tablename__ = "packet"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id")
    token: str = Field(default_factory=new_guid, index=True, unique=True, max_length=36)
    created: dt.datetime = Field(default_factory=utcnow)
    sent: dt.datetime | None = None
    due_date: dt.date | None = None
    language: str = Field(default="da", max_length=10)
    format: str = Field(default="docx", max_length=10)
    path: str = Field(default="", max_length=1000)
    sha256: str = Field(default="", max_length=64)


class Quote(SQLModel, table=True):
    """A passage chosen for citation, with its wording and approval state."""

    __tablename__ = "quote"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id")
    code_id: int | None = Field(default=None, foreign_key="code.id", ondelete="SET NULL")
    start: int
    end: int
    source_text: str = Field(sa_column=Column(Text, nullable=False))
    wording: str = Field(sa_column=Column(Text, nullable=False))
    approved_wording: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    draft_paragraph: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="candidate", index=True, max_length=30)
    packet_id: int | None = Field(default=None, foreign_key="packet.id", ondelete="SET NULL")
    due_date: dt.date | None = None
    response_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    responded_at: dt.datetime | None = None
    fidelity: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_by: str = Field(default="", max_length=200)
    created: dt.datetime = Field(default_factory=utcnow)


class QuoteEvent(SQLModel, table=True):
    """One status change of a quote: the audit trail experts and editors may ask for."""

    __tablename__ = "quote_event"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True, ondelete="CASCADE")
    who: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)
    from_status: str | None = Field(default=None, max_length=30)
    to_status: str = Field(max_length=30)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Suggestion(SQLModel, table=True):
    """A proposed coding, never applied until a researcher accepts it."""

    __tablename__ = "suggestion"
    __table_args__ = (Index("ix_suggestion_document_start", "document_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", ondelete="CASCADE")
    start: int
    end: int
    score: float
    method: str = Field(max_length=30)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="open", max_length=20)
    created: dt.datetime = Field(default_factory=utcnow)


class ActionLog(SQLModel, table=True):
    """A coding action that can be undone and redone, kept across restarts.

    ``payload`` holds what is needed to reverse and replay it (see ``qualcode.history``).
    """

    __tablename__ = "action_log"
    # every coding clears its coder's redo steps; undo finds the coder's last step
    __table_args__ = (Index("ix_action_log_coder_state", "coder", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    coder: str = Field(max_length=200)
    label: str = Field(max_length=500)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="done", max_length=10)
    created: dt.datetime = Field(default_factory=utcnow)


class Sentence(SQLModel, table=True):
    """A sentence found by the NLP pipeline at import; units for suggestions and agreement."""

    __tablename__ = "sentence"
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    ordinal: int
    start: int
    end: int


class Term(SQLModel, table=True):
    """A distinct word form of the corpus with its lemma key: the search index's dictionary.

    Where a term occurs is in ``Posting`` (one row per term and document, ``qualcode.postings``).
    """

    __tablename__ = "term"
    __table_args__ = (
        UniqueConstraint("lower", "lemma", name="uq_term_lower_lemma"),
        Index("ix_term_lemma", "lemma"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lower: str = Field(max_length=200)
    lemma: str = Field(max_length=200)
    is_stop: bool = False


class Posting(SQLModel, table=True):
    """Where one term occurs in one document: ``count`` occurrences, ``data`` encoded by
    ``qualcode.postings`` (word ordinals and offsets). Built at import; the search index."""

    __tablename__ = "posting"
    __table_args__ = (Index("ix_posting_term", "term_id"), {"sqlite_with_rowid": False})

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    term_id: int = Field(foreign_key="term.id", primary_key=True)
    count: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TrainedModel(SQLModel, table=True):
    """A model trained locally on the project's own codings (e.g. the suggestion classifier)."""

    __tablename__ = "trained_model"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50, index=True)
    created: dt.datetime = Field(default_factory=utcnow)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
