"""The document listing (``documents list``, the TUI's documents screen), once, in plain SQL.

The same statements run on the full path (``documents.list_documents``: an ORM session,
either backend) and on the light read path (``store.light``: ``sqlite3`` alone), so a
listing answers the same, byte for byte, whichever path a command took. Blind coding
(``blind``) decides which codings a viewer may count.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from qualcode.blind import BLIND, blind_settings
from qualcode.store.light import Reader

_DOCUMENTS = (
    "SELECT id, title, kind, language, word_count, date, source_name, length(text)"
    " FROM document ORDER BY id"
)
# With ``everyone`` false: the viewer's own codings and the reviewed ones
# (``visibility.coding_condition``).
_CODINGS = (
    "SELECT document_id, count(*) FROM coding WHERE :everyone OR origin = 'review'"
    " OR coder_id = (SELECT id FROM coder WHERE name = :viewer) GROUP BY document_id"
)
_PARTICIPANTS = (
    "SELECT document_participant.document_id, participant.name FROM document_participant"
    " JOIN participant ON participant.id = document_participant.participant_id"
)
_SETTINGS = "SELECT key, value FROM project_setting"


class DocumentSummary(TypedDict):
    """One document as `documents list --json` shows it (docs/cli.md)."""

    id: int
    title: str
    kind: str
    language: str
    participants: list[str]
    words: int
    characters: int
    codings: int
    date: str | None
    source: str


def _iso(value: object) -> str | None:
    """A stored date as ``YYYY-MM-DD`` (SQLite keeps the text; PostgreSQL gives a date)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def sees_everyone(reader: Reader, viewer: str | None) -> bool:
    """Whether ``viewer`` may see every coding (blind coding is off for them)."""
    rows = {str(k): str(v) for k, v in reader.rows(_SETTINGS) if str(k).startswith(BLIND)}
    return not blind_settings(rows).is_blind(viewer)


def list_documents_with(reader: Reader, viewer: str | None) -> list[DocumentSummary]:
    """Every document with kind, participants, word count and the number of codings
    ``viewer`` may see (with blind coding on, other coders' codings are not counted)."""
    params = {"everyone": sees_everyone(reader, viewer), "viewer": viewer or ""}
    counts = {int(d): int(n) for d, n in reader.rows(_CODINGS, params)}
    people: dict[int, list[str]] = {}
    for doc_id, name in reader.rows(_PARTICIPANTS):
        people.setdefault(int(doc_id), []).append(str(name))
    return [
        {
            "id": int(doc_id),
            "title": title,
            "kind": kind,
            "language": language,
            "participants": people.get(int(doc_id), []),
            "words": int(words),
            "characters": int(chars),
            "codings": counts.get(int(doc_id), 0),
            "date": _iso(date),
            "source": source,
        }
        for doc_id, title, kind, language, words, date, source, chars in reader.rows(_DOCUMENTS)
    ]
