"""The codings as a table: one row per coding (``CSV_COLUMNS``), and the CSV export of them.

Everything here reads through a ``store.light.Reader`` with plain SQL, so the same code runs
on the light path (a SQLite project opened with ``sqlite3`` alone: ``qualcode export csv``
loads neither SQLAlchemy nor SQLModel) and on the full path (``store.reader.SessionReader``
over an ORM session, SQLite or PostgreSQL); the bytes written are the same on every path.
A project may hold 100,000 codings, and ORM objects for them (and for every speaker turn)
cost more than writing the file.

Cells are safe to open: one that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is
neutralised with a leading single quote (OWASP's CSV-injection advice). Names go through
the consent redactor (``consent.export_redactor``) like every export; its counts come back
with the result. ``exchange.tables`` builds the Excel workbook from the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from qualcode.consent import Person, RedactionDict, Redactor, export_redactor
from qualcode.errors import ExportError
from qualcode.participants import read_people
from qualcode.safe_write import atomic_write_bytes
from qualcode.store.light import Reader

CSV_COLUMNS = (
    "document_id",
    "document",
    "participant",
    "speaker",
    "code",
    "code_label",
    "start",
    "end",
    "text",
    "coder",
    "memo",
    "origin",
    "created",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = b"\xef\xbb\xbf"  # UTF-8 with a BOM: Excel then shows æøå


class TableResult(TypedDict):
    """What a CSV or Excel export reports (``export csv --json`` adds the format)."""

    path: str
    rows: int
    redactions: RedactionDict


def safe_cell(value: object) -> str:
    """A value as cell text that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class RedactionMemo:
    """Redacts each distinct text once, for a table that repeats texts (a document's title
    on every coding row); the counts stay those of redacting every cell, repeats included."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.active = redactor.active  # False: nothing could ever be replaced
        self._done: dict[str, tuple[str, dict[int, int], dict[str, int]] | str] = {}
        self.by_participant: Counter[int] = Counter()
        self.by_kind: Counter[str] = Counter()

    def redact(self, text: str) -> str:
        if not self.active or not text:
            return text
        done = self._done.get(text)
        if done is None:
            before = self.redactor.counts
            out = self.redactor.redact(text)
            after = self.redactor.counts
            if after.total == before.total:
                done = out  # nothing replaced: nothing to count on a repeat
            else:
                people = {
                    k: v - before.by_participant.get(k, 0) for k, v in after.by_participant.items()
                }
                kinds = {k: v - before.by_kind.get(k, 0) for k, v in after.by_kind.items()}
                done = (out, people, kinds)
            self._done[text] = done
            return out
        if isinstance(done, str):
            return done
        self.by_participant.update(done[1])  # a repeat: counted as if redacted again
        self.by_kind.update(done[2])
        return done[0]

    def counts(self) -> RedactionDict:
        """The redactor's counts with the repeats this memo answered added."""
        counts = self.redactor.counts
        people = +(Counter(counts.by_participant) + self.by_participant)
        kinds = +(Counter(counts.by_kind) + self.by_kind)
        return RedactionDict(
            total=sum(kinds.values()),
            by_participant={str(k): v for k, v in sorted(people.items())},
            by_kind=dict(sorted(kinds.items())),
        )


_CODINGS_SQL = (
    'SELECT document_id, start, "end", code_id, coder_id, memo, origin, created FROM coding '
    "ORDER BY document_id, start, id"
)
_TURNS_SQL = (
    'SELECT document_id, start, "end", speaker, participant_id FROM turn '
    "ORDER BY document_id, start, id"
)
_TEXTS_AT_ONCE = 50  # documents whose texts are read together (memory: their texts only)


@dataclass
class _Turns:
    """One document's speaker turns as parallel lists, in start order (as ``TurnIndex``
    keeps them): the turn at an offset is one ``bisect``."""

    starts: list[int]
    ends: list[int]
    speakers: list[str]
    participants: list[int | None]

    def at(self, offset: int) -> int:
        """The index of the turn holding ``offset``, or -1."""
        i = bisect_right(self.starts, offset) - 1
        return i if i >= 0 and offset < self.ends[i] else -1


_NO_TURNS = _Turns([], [], [], [])


def _turns(reader: Reader) -> dict[int, _Turns]:
    """Every document's speaker turns, from one plain query."""
    by_doc: dict[int, _Turns] = {}
    for doc_id, start, end, speaker, pid in reader.rows(_TURNS_SQL):
        turns = by_doc.get(doc_id)
        if turns is None:
            turns = by_doc[doc_id] = _Turns([], [], [], [])
        turns.starts.append(start)
        turns.ends.append(end)
        turns.speakers.append(speaker)
        turns.participants.append(pid)
    return by_doc


def _document_texts(reader: Reader, first: int) -> dict[int, tuple[str, str]]:
    """Titles and texts of the next documents from ``first`` on, in id order."""
    found = reader.rows(
        "SELECT id, title, text FROM document WHERE id >= :first ORDER BY id LIMIT :n",
        {"first": first, "n": _TEXTS_AT_ONCE},
    )
    return {int(i): (title, text) for i, title, text in found}


def iso_utc(value: object) -> str:
    """A stored timestamp as ISO 8601 in UTC, as the models read it (``UTCDateTime``): SQLite
    keeps UTC text without an offset (``2026-03-04 10:00:00.000000``), PostgreSQL an aware
    value; both come out as ``2026-03-04T10:00:00+00:00``."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            return value.replace(tzinfo=dt.UTC).isoformat()
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


class _Lookups:
    """What the rows repeat, each made once: codes, coders, who is in which document, how
    each participant is attributed, timestamps and origins as cells."""

    def __init__(self, reader: Reader, memo: RedactionMemo, people: Mapping[int, Person]):
        self.codes = {  # cells that repeat are made safe once
            int(i): (safe_cell(key), safe_cell(label))
            for i, key, label in reader.rows("SELECT id, key, label_da FROM code")
        }
        self.coders = {int(i): safe_cell(n) for i, n in reader.rows("SELECT id, name FROM coder")}
        self.in_doc: dict[int, list[int]] = {}
        for d, pid in reader.rows("SELECT document_id, participant_id FROM document_participant"):
            self.in_doc.setdefault(int(d), []).append(int(pid))
        self._memo, self._people = memo, people
        self._said: dict[int, str] = {}
        self.stamps: dict[object, str] = {}  # codings made together share a timestamp
        self.origins: dict[object, str] = {}

    def said(self, pid: int) -> str:
        """How participant ``pid`` is attributed (as consent allows), made once."""
        found = self._said.get(pid)
        if found is None:
            person = self._people.get(pid)
            found = self._said[pid] = (
                self._memo.redactor.attribution(person) if person is not None else ""
            )
        return found


def coding_rows(
    reader: Reader, memo: RedactionMemo, people: Mapping[int, Person]
) -> Iterator[list[str]]:
    """One row per coding (``CSV_COLUMNS``), in document, start, id order.

    The loop runs once per coding (100,000 in a large project): lookups are local names,
    and each cell that repeats (a title, a timestamp, an origin) is made once."""
    look = _Lookups(reader, memo, people)
    turn_index = _turns(reader)
    redact, active = memo.redact, memo.active
    codes, coders, stamps, origins = look.codes, look.coders, look.stamps, look.origins
    documents: dict[int, tuple[str, str]] = {}
    current = -1
    title = text = title_cell = ""
    turns, sole = _NO_TURNS, []
    for doc_id, start, end, code_id, coder_id, note, origin, created in reader.rows(_CODINGS_SQL):
        if doc_id != current:
            current = doc_id
            if doc_id not in documents:
                documents = _document_texts(reader, doc_id)
            title, text = documents.pop(doc_id, ("", ""))
            title_cell = safe_cell(title)
            turns = turn_index.get(doc_id, _NO_TURNS)
            sole = look.in_doc.get(doc_id, [])
        at = turns.at(start)
        person = speaker = ""
        if at >= 0:
            pid = turns.participants[at]
            if pid:
                person = look.said(pid)
            speaker = person or redact(turns.speakers[at])
        elif len(sole) == 1:
            person = look.said(sole[0])
        passage = redact(text[start:end]) if active else text[start:end]
        stamp = stamps.get(created)
        if stamp is None:
            stamp = stamps[created] = iso_utc(created)
        kind = origins.get(origin)
        if kind is None:
            kind = origins[origin] = safe_cell(origin)
        yield [
            str(doc_id),  # ids and offsets: digits, never a formula
            safe_cell(redact(title)) if active else title_cell,  # counted on every row
            safe_cell(person) if person else "",
            safe_cell(speaker) if speaker else "",
            *codes.get(code_id, ("", "")),
            str(start),
            str(end),
            "'" + passage if passage.startswith(FORMULA_STARTS) else passage,
            coders.get(coder_id, ""),
            safe_cell(redact(note)) if note else "",
            kind,
            stamp,
        ]


def csv_table(reader: Reader, *, full: bool = False) -> tuple[bytes, int, RedactionDict]:
    """The CSV file's bytes (UTF-8 with a BOM, CRLF), its number of codings and what was
    redacted; names as consent allows (``full``: the team's own copy)."""
    people = read_people(reader)
    memo = RedactionMemo(export_redactor(people, full=full))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for row in coding_rows(reader, memo, {p.id: p for p in people}):
        writer.writerow(row)
        rows += 1
    return BOM + buffer.getvalue().encode("utf-8"), rows, memo.counts()


def write_export(out: Path, data: bytes) -> None:
    """Write an export file atomically; a clear error when the folder refuses."""
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise ExportError(
            f"{out}: cannot write ({exc.strerror})", "Check that the folder exists and is writable."
        ) from exc


def export_csv_with(reader: Reader, out: Path, *, full: bool = False) -> TableResult:
    """One row per coding, written to ``out``; names as consent allows."""
    data, rows, counts = csv_table(reader, full=full)
    write_export(out, data)
    return TableResult(path=str(out), rows=rows, redactions=counts)
