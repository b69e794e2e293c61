"""The JSON shapes of quotes (`quotes list --json` and friends; docs/cli.md), kept out of
``quotes`` so that module stays one screenful of rules."""

from __future__ import annotations

from typing import Any, TypedDict

# "from" is a keyword: the functional form of TypedDict.
QuoteEventRow = TypedDict(
    "QuoteEventRow",
    {"who": str, "at": str, "from": str | None, "to": str, "note": str},
)


class QuoteRow(TypedDict):
    """A quote as every face shows it (`quotes list --json`, one item; docs/cli.md)."""

    id: int
    guid: str
    status: str
    document_id: int
    document: str
    participant_id: int
    participant: str
    consent: str
    attribution: str
    code: str | None
    code_label: str | None
    area: str | None
    area_label: str | None
    start: int
    end: int
    source_text: str
    wording: str
    approved_wording: str | None
    final_wording: str
    draft_paragraph: str
    fidelity: dict[str, Any]
    packet_id: int | None
    due_date: str | None
    response_note: str
    responded_at: str | None
    version: int
    created_by: str
    created: str | None
    events: list[QuoteEventRow]


class SweepResult(TypedDict):
    """What `quotes sweep` did (`--json`)."""

    today: str
    silence_as_consent: bool
    deemed_accepted: list[int]
    overdue: list[int]
