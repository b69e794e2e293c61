"""REFI-QDA (QDA-XML 1.0) as plain data: the dataclasses the reader fills and the writer
reads, and the small value helpers both share (GUIDs, colours, xsd:dateTime).

Nothing here touches the database; ``qualcode.exchange`` translates between these and a
project.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CODEBOOK_NAMESPACES",
    "GUID_NAMESPACE",
    "META_PREFIX",
    "NS_CODEBOOK",
    "NS_PROJECT",
    "ORIGIN",
    "PROJECT_NAMESPACES",
    "SKIPPED_KINDS",
    "QArchive",
    "QCase",
    "QCode",
    "QCodebook",
    "QCoding",
    "QMedia",
    "QNote",
    "QProject",
    "QSelection",
    "QSet",
    "QSource",
    "QSyncPoint",
    "QVariable",
    "QVariableValue",
    "code_meta",
    "decode_code_description",
    "derived_guid",
    "encode_code_description",
    "flatten_codes",
    "format_datetime",
    "norm_colour",
    "norm_guid",
    "parse_datetime",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
# Namespace spellings other tools have written; all are read as version 1.0.
CODEBOOK_NAMESPACES = (NS_CODEBOOK, "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4", "")
PROJECT_NAMESPACES = (NS_PROJECT, "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4", "")
ORIGIN = "qualcode"
# The last line of a code's Description carries what REFI-QDA has no field for.
META_PREFIX = "qualcode: "
# Stable namespace for GUIDs qualcode derives (selections, variables): same input, same GUID.
GUID_NAMESPACE = uuid.UUID("6f1c2a0e-4b7d-4e55-9a57-2d9c1f0b7e31")
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_RGB = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")

# Kinds of content qualcode reads but cannot hold; an import counts each (never silent).
SKIPPED_KINDS = (
    "pdf_selections",
    "picture_selections",
    "audio_selections",
    "video_selections",
    "sources_without_text",
    "media_codings",
    "sync_points",
    "sets",
    "links",
    "graphs",
)

# --------------------------------------------------------------------------- data


@dataclass
class QCode:
    guid: str
    name: str
    colour: str | None = None
    description: str = ""
    codable: bool = True
    children: list[QCode] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass
class QCoding:
    guid: str
    code_guid: str
    creating_user: str | None = None
    created: dt.datetime | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class QSelection:
    guid: str
    start: int
    end: int
    name: str = ""
    description: str = ""
    codings: list[QCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    creating_user: str | None = None
    created: dt.datetime | None = None
    raw_start: str = ""
    raw_end: str = ""
    # Why the positions cannot be read (a TranscriptSelection whose sync points are unknown).
    problem: str = ""


@dataclass
class QSyncPoint:
    """A point of a transcript: a text position (the file's unit) at a media time (ms)."""

    guid: str
    position: int | None = None
    time_ms: int | None = None


@dataclass
class QVariableValue:
    variable_guid: str
    value: str
    type: str = "Text"


@dataclass
class QSource:
    guid: str
    name: str
    kind: str = "TextSource"
    text_path: str | None = None
    inline_text: str | None = None
    description: str = ""
    selections: list[QSelection] = field(default_factory=list)
    codings: list[QCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    variables: list[QVariableValue] = field(default_factory=list)
    creating_user: str | None = None
    created: dt.datetime | None = None
    # A ``Transcript`` of an audio or video source (``kind == "Transcript"``): its sync
    # points and the media source it belongs to.
    sync_points: list[QSyncPoint] = field(default_factory=list)
    media_guid: str | None = None
    media_name: str = ""


@dataclass
class QMedia:
    """An ``AudioSource`` or ``VideoSource`` with its transcripts (what an export writes for a
    document with media times, beside its ``TextSource``)."""

    guid: str
    name: str
    kind: str = "AudioSource"
    path: str | None = None
    transcripts: list[QSource] = field(default_factory=list)


@dataclass
class QVariable:
    guid: str
    name: str
    type: str = "Text"
    description: str = ""


@dataclass
class QCase:
    guid: str
    name: str
    description: str = ""
    variables: list[QVariableValue] = field(default_factory=list)
    source_refs: list[str] = field(default_factory=list)
    selection_refs: list[str] = field(default_factory=list)


@dataclass
class QNote:
    guid: str
    name: str = ""
    text_path: str | None = None
    inline_text: str | None = None
    description: str = ""
    creating_user: str | None = None
    created: dt.datetime | None = None


@dataclass
class QSet:
    guid: str
    name: str
    description: str = ""
    member_codes: list[str] = field(default_factory=list)
    member_sources: list[str] = field(default_factory=list)
    member_notes: list[str] = field(default_factory=list)


@dataclass
class QProject:
    """A REFI-QDA project as plain data: what the XML says, nothing resolved yet."""

    name: str = ""
    origin: str = ""
    base_path: str = ""
    namespace: str = NS_PROJECT
    creating_user: str | None = None
    created: dt.datetime | None = None
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: list[QCode] = field(default_factory=list)  # roots
    variables: list[QVariable] = field(default_factory=list)
    cases: list[QCase] = field(default_factory=list)
    sources: list[QSource] = field(default_factory=list)
    media: list[QMedia] = field(default_factory=list)  # written after the text sources
    notes: list[QNote] = field(default_factory=list)
    sets: list[QSet] = field(default_factory=list)
    description: str = ""
    note_refs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What was in the file but has no place in qualcode: counts by ``SKIPPED_KINDS`` and
    # one line per item, for the import report.
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_items: list[str] = field(default_factory=list)

    def skip(self, kind: str, what: str, n: int = 1) -> None:
        """Count ``n`` items of ``kind`` that the import cannot hold, with a line saying what."""
        if n <= 0:
            return
        self.skipped[kind] = self.skipped.get(kind, 0) + n
        self.skipped_items.append(what)


# --------------------------------------------------------------------------- helpers


def norm_guid(value: str | None) -> str | None:
    """A GUID in one spelling (upper case, no braces); None for anything that is not one."""
    if not value:
        return None
    m = _GUID.match(value.strip())
    return m.group(1).upper() if m else None


def derived_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (stable across exports)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts))).upper()


def norm_colour(value: str | None) -> str | None:
    """``#RRGGBB`` from ``#RGB``, ``RRGGBB`` or ``#rrggbb``; None if it is not a colour."""
    if not value:
        return None
    m = _RGB.match(value.strip())
    if not m:
        return None
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


def format_datetime(value: dt.datetime | None) -> str | None:
    """xsd:dateTime in UTC with a ``Z``; naive values are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def parse_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def encode_code_description(description: str, meta: dict[str, Any]) -> str:
    """The description a person reads, then one line of what REFI-QDA has no field for."""
    meta = {k: v for k, v in meta.items() if v not in ("", None, [])}
    if not meta:
        return description
    line = META_PREFIX + json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return f"{description}\n\n{line}" if description else line


def decode_code_description(text: str) -> tuple[str, dict[str, Any]]:
    """Split a Description into the readable part and qualcode's metadata line (if any)."""
    if not text:
        return "", {}
    head, _, last = text.rstrip().rpartition("\n")
    candidate = last if head or last.startswith(META_PREFIX) else ""
    if candidate.startswith(META_PREFIX):
        try:
            meta = json.loads(candidate[len(META_PREFIX) :])
        except json.JSONDecodeError:
            return text, {}
        if isinstance(meta, dict):
            return head.rstrip("\n"), meta
    return text, {}


def code_meta(qcode: QCode) -> tuple[str, dict[str, Any]]:
    return decode_code_description(qcode.description)


def flatten_codes(roots: list[QCode]) -> list[tuple[QCode, QCode | None]]:
    """Every code with its parent, parents first."""
    out: list[tuple[QCode, QCode | None]] = []

    def walk(code: QCode, parent: QCode | None) -> None:
        out.append((code, parent))
        for child in code.children:
            walk(child, code)

    for root in roots:
        walk(root, None)
    return out


@dataclass
class QCodebook:
    """A ``.qdc`` file: its codes (roots), its sets and what the reader had to guess."""

    codes: list[QCode] = field(default_factory=list)
    sets: list[QSet] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: str = ""


@dataclass
class QArchive:
    """What a ``.qdpx`` holds: the project, its source texts (member name -> text) and any
    other members (qualcode's extension), and whether texts start with a BOM (NVivo's do)."""

    project: QProject
    texts: dict[str, str] = field(default_factory=dict)
    members: dict[str, bytes] = field(default_factory=dict)
    bom: bool = False
