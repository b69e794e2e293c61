"""qualcode's extension to a REFI-QDA archive: ``qualcode/project.json`` beside
``project.qde``.

REFI-QDA has a place for documents, codes, codings, cases, notes and sets, and the export
uses it; it has none for what makes qualcode a quote-approval tool (quotes with status,
wording, events and packets), for speaker turns with media times in a text source, for a
code's key, kind, English label and guiding question, or for which coder made a memo in
which place. Those travel in this JSON member. Other tools read the archive as usual and
ignore the member (``project.qde`` stays schema-valid); qualcode reads it back and restores
what it holds, so export -> import is the identity. The payload obeys consent like the rest
of the export: a redacted export carries redacted texts and no withheld name or e-mail.

Offsets in the payload are code points into the text as exported (after redaction, LF),
which is the text the importer stores, whatever unit ``project.qde`` uses.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypedDict, cast

PAYLOAD_MEMBER = "qualcode/project.json"
PAYLOAD_FORMAT = "qualcode-exchange"
PAYLOAD_VERSION = 1


class TurnRow(TypedDict):
    ordinal: int
    speaker: str
    participant: str | None
    start: int
    end: int
    media_start: float | None
    media_end: float | None


class DocumentRow(TypedDict):
    guid: str
    title: str
    kind: str
    source_name: str
    date: str | None
    language: str
    meta: dict[str, Any]
    created: str | None
    participants: list[str]
    turns: list[TurnRow]


class CodeRow(TypedDict):
    guid: str
    key: str
    parent: str | None
    kind: str
    label_da: str
    label_en: str
    description_da: str
    description_en: str
    guiding_question_da: str
    guiding_question_en: str
    use_when: str
    not_when: str
    keywords: list[str]
    colour: str
    position: int
    created: str | None


class CodingRow(TypedDict):
    guid: str
    document: str
    code: str
    coder: str
    start: int
    end: int
    memo: str
    origin: str
    created: str | None


class MemoRow(TypedDict):
    guid: str
    target_kind: str
    target: str | None
    text: str
    coder: str | None
    created: str | None
    updated: str | None


class ParticipantRow(TypedDict):
    guid: str
    name: str
    name_withheld: bool
    title: str
    organisation: str
    expertise: str
    consent: str
    pseudonym: str
    email: str
    language: str
    created: str | None


class PacketRow(TypedDict):
    token: str
    participant: str
    created: str | None
    sent: str | None
    due_date: str | None
    language: str
    format: str
    path: str
    sha256: str


class EventRow(TypedDict):
    who: str
    at: str | None
    from_status: str | None
    to_status: str
    note: str


class QuoteRow(TypedDict):
    guid: str
    document: str
    participant: str
    code: str | None
    start: int
    end: int
    source_text: str
    wording: str
    approved_wording: str | None
    draft_paragraph: str
    status: str
    packet: str | None
    due_date: str | None
    response_note: str
    responded_at: str | None
    fidelity: dict[str, Any]
    version: int
    created_by: str
    created: str | None
    events: list[EventRow]


class CoderRow(TypedDict):
    guid: str
    name: str
    created: str | None


class Payload(TypedDict):
    format: str
    version: int
    redacted: bool
    positions: str
    coders: list[CoderRow]
    participants: list[ParticipantRow]
    codes: list[CodeRow]
    documents: list[DocumentRow]
    codings: list[CodingRow]
    memos: list[MemoRow]
    packets: list[PacketRow]
    quotes: list[QuoteRow]


def empty_payload(redacted: bool, positions: str) -> Payload:
    return Payload(
        format=PAYLOAD_FORMAT,
        version=PAYLOAD_VERSION,
        redacted=redacted,
        positions=positions,
        coders=[],
        participants=[],
        codes=[],
        documents=[],
        codings=[],
        memos=[],
        packets=[],
        quotes=[],
    )


def when(value: dt.datetime | dt.date | None) -> str | None:
    """A date or an aware datetime as ISO text (naive datetimes are UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def to_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def to_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def dump(payload: Payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def load(data: bytes) -> Payload | None:
    """The payload, or None when the member is not one qualcode wrote (then it is ignored)."""
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if (
        not isinstance(found, dict)
        or found.get("format") != PAYLOAD_FORMAT
        or found.get("version") != PAYLOAD_VERSION
    ):
        return None
    return cast(Payload, found)  # its format and version are qualcode's (checked above)
