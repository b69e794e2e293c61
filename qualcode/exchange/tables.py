"""The codings as tables: CSV (one row per coding) and Excel (codings, quotes, participants
as consent allows, and a document x code matrix).

Both are safe to open: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is
neutralised with a leading single quote (OWASP's CSV-injection advice), and the workbook
writes every cell as a string, so no formula ever runs. Names go through the consent
redactor like every export; its counts come back with the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypedDict

from sqlmodel import Session, col, select

from qualcode.consent import Redactor
from qualcode.db import Project
from qualcode.documents import TurnIndex
from qualcode.errors import ExportError
from qualcode.exchange.redact import RedactionDict, export_redactor
from qualcode.models import Code, Coding, Document, Participant, Quote
from qualcode.safe_write import atomic_write_bytes
from qualcode.store.light import Reader
from qualcode.store.reader import SessionReader

if TYPE_CHECKING:
    from openpyxl import Workbook

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
QUOTE_COLUMNS = ("quote", "document", "attribution", "code", "status", "wording", "due_date")
PARTICIPANT_COLUMNS = ("attribution", "title", "organisation", "expertise", "consent")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TableResult(TypedDict):
    path: str
    rows: int
    redactions: RedactionDict


def safe_cell(value: object) -> str:
    """A value as cell text that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class Tables:
    codings: list[list[str]] = field(default_factory=list)
    quotes: list[list[str]] = field(default_factory=list)
    participants: list[list[str]] = field(default_factory=list)
    matrix_header: list[str] = field(default_factory=list)
    matrix: list[list[str]] = field(default_factory=list)


class _Memo:
    """Redacts each distinct text once, for a table that repeats texts (a document's title
    on every coding row); the counts stay those of redacting every cell, repeats included."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._active = redactor.active  # False: nothing could ever be replaced
        self._done: dict[str, tuple[str, dict[int, int], dict[str, int]] | str] = {}
        self.by_participant: Counter[int] = Counter()
        self.by_kind: Counter[str] = Counter()

    def redact(self, text: str) -> str:
        if not self._active or not text:
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


class _TurnRow(NamedTuple):
    start: int
    end: int
    speaker: str
    participant_id: int | None


_CODINGS_SQL = (
    'SELECT document_id, start, "end", code_id, coder_id, memo, origin, created FROM coding '
    "ORDER BY document_id, start, id"
)
_TURNS_SQL = (
    'SELECT document_id, start, "end", speaker, participant_id FROM turn '
    "ORDER BY document_id, start, id"
)


def _turn_indexes(reader: Reader) -> dict[int, TurnIndex[_TurnRow]]:
    """Every document's speaker turns, from one plain query (no ORM rows)."""
    by_doc: dict[int, list[_TurnRow]] = {}
    for doc_id, start, end, speaker, pid in reader.rows(_TURNS_SQL):
        by_doc.setdefault(int(doc_id), []).append(_TurnRow(int(start), int(end), speaker, pid))
    return {doc_id: TurnIndex(turns) for doc_id, turns in by_doc.items()}


def coding_rows(reader: Reader, memo: _Memo, people: dict[int, Participant]) -> list[list[str]]:
    """One row per coding (``CSV_COLUMNS``), in document, start, id order, read with plain
    SQL through a ``Reader``: a project may have 100,000 codings, and ORM objects for them
    (and for every speaker turn) cost more than writing the file."""
    codes = {  # cells that repeat are made safe once
        int(i): (safe_cell(key), safe_cell(label))
        for i, key, label in reader.rows("SELECT id, key, label_da FROM code")
    }
    coders = {int(i): safe_cell(name) for i, name in reader.rows("SELECT id, name FROM coder")}
    in_doc: dict[int, list[int]] = {}
    for d, pid in reader.rows("SELECT document_id, participant_id FROM document_participant"):
        in_doc.setdefault(int(d), []).append(int(pid))
    said_of: dict[int, str] = {}

    def said(pid: int) -> str:
        if pid not in said_of:
            said_of[pid] = memo.redactor.attribution(people[pid]) if pid in people else ""
        return said_of[pid]

    turn_index = _turn_indexes(reader)
    no_turns: TurnIndex[_TurnRow] = TurnIndex([])
    documents: dict[int, tuple[str, str]] = {}
    stamps: dict[object, str] = {}  # codings made together share a timestamp
    origins: dict[str, str] = {}
    rows: list[list[str]] = []
    current = -1
    title = text = ""
    turns, sole = no_turns, []
    for doc_id, start, end, code_id, coder_id, note, origin, created in reader.rows(_CODINGS_SQL):
        if doc_id != current:
            current = doc_id
            if doc_id not in documents:
                documents = _document_texts(reader, doc_id)
            title, text = documents.pop(doc_id, ("", ""))
            turns = turn_index.get(doc_id, no_turns)
            sole = in_doc.get(doc_id, [])
        turn = turns.at(start)
        person = ""
        if turn is not None and turn.participant_id:
            person = said(turn.participant_id)
        elif turn is None and len(sole) == 1:
            person = said(sole[0])
        speaker = (person or memo.redact(turn.speaker)) if turn is not None else ""
        key, label = codes.get(code_id, ("", ""))
        stamp = stamps.get(created)
        if stamp is None:
            stamp = stamps[created] = _iso(created)
        kind = origins.get(origin)
        if kind is None:
            kind = origins[origin] = safe_cell(origin)
        rows.append(
            [
                str(doc_id),  # ids and offsets: digits, never a formula
                safe_cell(memo.redact(title)),  # once per title; counted on every row
                safe_cell(person),
                safe_cell(speaker),
                key,
                label,
                str(start),
                str(end),
                safe_cell(memo.redact(text[start:end])),
                coders.get(coder_id, ""),
                safe_cell(memo.redact(note or "")),
                kind,
                stamp,
            ]
        )
    return rows


_TEXTS_AT_ONCE = 50  # documents whose texts are read together (memory: their texts only)


def _document_texts(reader: Reader, first: int) -> dict[int, tuple[str, str]]:
    """Titles and texts of the next documents from ``first`` on, in id order."""
    found = reader.rows(
        "SELECT id, title, text FROM document WHERE id >= :first ORDER BY id LIMIT :n",
        {"first": first, "n": _TEXTS_AT_ONCE},
    )
    return {int(i): (title, text) for i, title, text in found}


def _iso(value: object) -> str:
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


def _quote_rows(s: Session, redactor: Redactor, people: dict[int, Participant]) -> list[list[str]]:
    titles = {row[0]: row[1] for row in s.connection().execute(select(Document.id, Document.title))}
    keys = {c.id: c.key for c in s.exec(select(Code))}
    rows = []
    for q in s.exec(select(Quote).order_by(col(Quote.id))):
        person = people.get(q.participant_id)
        row = [
            q.id,
            redactor.redact(titles.get(q.document_id, "")),
            redactor.attribution(person) if person else "",
            keys.get(q.code_id, "") if q.code_id else "",
            q.status,
            redactor.redact(q.approved_wording or q.wording),
            q.due_date.isoformat() if q.due_date else "",
        ]
        rows.append([safe_cell(v) for v in row])
    return rows


def _participant_rows(redactor: Redactor, people: list[Participant]) -> list[list[str]]:
    rows = []
    for p in people:
        shown = p.consent in ("named", "role_only")
        row = [
            redactor.attribution(p),
            p.title if shown else "",
            p.organisation if shown else "",
            p.expertise if shown else "",
            p.consent,
        ]
        rows.append([safe_cell(v) for v in row])
    return rows


def _matrix(s: Session, redactor: Redactor, tables: Tables) -> None:
    codes = list(s.exec(select(Code).order_by(col(Code.position), col(Code.id))))
    tables.matrix_header = ["document", *(safe_cell(c.key) for c in codes)]
    counts: dict[tuple[int, int], int] = {}
    for doc_id, code_id in s.exec(select(Coding.document_id, Coding.code_id)):
        counts[(doc_id, code_id)] = counts.get((doc_id, code_id), 0) + 1
    docs = s.connection().execute(select(Document.id, Document.title).order_by(col(Document.id)))
    for doc_id, title in docs.all():
        row = [safe_cell(redactor.redact(title))]
        row += [str(counts.get((doc_id, c.id or 0), 0)) for c in codes]
        tables.matrix.append(row)


def build_tables(project: Project, *, full: bool = False) -> tuple[Tables, _Memo]:
    tables = Tables()
    with project.session() as s:
        participants = list(s.exec(select(Participant).order_by(col(Participant.id))))
        redactor = export_redactor(participants, full=full)
        people = {p.id: p for p in participants if p.id is not None}
        memo = _Memo(redactor)
        tables.codings = coding_rows(SessionReader(s), memo, people)
        tables.quotes = _quote_rows(s, redactor, people)
        tables.participants = _participant_rows(redactor, participants)
        _matrix(s, redactor, tables)
    return tables, memo


def _write(out: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise ExportError(
            f"{out}: cannot write ({exc.strerror})", "Check that the folder exists and is writable."
        ) from exc


def export_csv(project: Project, out: Path, *, full: bool = False) -> TableResult:
    """One row per coding, UTF-8 with a BOM (Excel then shows æøå); names as consent allows."""
    tables, memo = build_tables(project, full=full)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(tables.codings)
    _write(out, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return TableResult(path=str(out), rows=len(tables.codings), redactions=memo.counts())


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[str]]) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(title)
    for values in [header, *rows]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text, always: never a formula or a number guessed
            cells.append(cell)
        ws.append(cells)


def export_xlsx(project: Project, out: Path, *, full: bool = False) -> TableResult:
    """An Excel workbook: codings, quotes, participants (as consent allows), and a document x
    code matrix of coding counts. Every cell is text."""
    # openpyxl is imported here, not at the top: it costs the CSV export (and every command
    # that reaches this module) a third of a second of start-up
    from openpyxl import Workbook

    tables, memo = build_tables(project, full=full)
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    _sheet(wb, "codings", list(CSV_COLUMNS), tables.codings)
    _sheet(wb, "quotes", list(QUOTE_COLUMNS), tables.quotes)
    _sheet(wb, "participants", list(PARTICIPANT_COLUMNS), tables.participants)
    _sheet(wb, "matrix", tables.matrix_header, tables.matrix)
    buffer = io.BytesIO()
    wb.save(buffer)
    _write(out, buffer.getvalue())
    return TableResult(path=str(out), rows=len(tables.codings), redactions=memo.counts())
