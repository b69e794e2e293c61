"""The codings as tables: CSV (one row per coding) and Excel (codings, quotes, participants
as consent allows, and a document x code matrix).

Both are safe to open: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is
neutralised with a leading single quote (OWASP's CSV-injection advice), and the workbook
writes every cell as a string, so no formula ever runs. Names go through the consent
redactor like every export; its counts come back with the result.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlmodel import Session, col, select

from qualcode.consent import Redactor
from qualcode.db import Project
from qualcode.documents import TurnIndex, document_participants, document_turns
from qualcode.errors import ExportError
from qualcode.exchange.redact import RedactionDict, export_redactor, redaction_dict
from qualcode.models import Code, Coder, Coding, Document, Participant, Quote
from qualcode.safe_write import atomic_write_bytes

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


def _coding_rows(s: Session, redactor: Redactor, people: dict[int, Participant]) -> list[list[str]]:
    codes = {c.id: c for c in s.exec(select(Code))}
    coders = {c.id: c.name for c in s.exec(select(Coder))}
    rows: list[list[str]] = []
    for doc in s.exec(select(Document).order_by(col(Document.id))):
        assert doc.id is not None
        turns = TurnIndex(document_turns(s, doc.id))
        in_doc = document_participants(s, doc.id)
        codings = s.exec(
            select(Coding)
            .where(Coding.document_id == doc.id)
            .order_by(col(Coding.start), col(Coding.id))
        )
        for coding in codings:
            turn = turns.at(coding.start)
            person = people.get(turn.participant_id) if turn and turn.participant_id else None
            if person is None and turn is None and len(in_doc) == 1:
                person = in_doc[0]
            said = redactor.attribution(person) if person else ""
            speaker = (said or redactor.redact(turn.speaker)) if turn is not None else ""
            code = codes.get(coding.code_id)
            row = [
                doc.id,
                redactor.redact(doc.title),
                said,
                speaker,
                code.key if code else "",
                code.label_da if code else "",
                coding.start,
                coding.end,
                redactor.redact(doc.text[coding.start : coding.end]),
                coders.get(coding.coder_id, ""),
                redactor.redact(coding.memo),
                coding.origin,
                coding.created.isoformat() if coding.created else "",
            ]
            rows.append([safe_cell(v) for v in row])
    return rows


def _quote_rows(s: Session, redactor: Redactor, people: dict[int, Participant]) -> list[list[str]]:
    titles = {d.id: d.title for d in s.exec(select(Document))}
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
    for doc in s.exec(select(Document).order_by(col(Document.id))):
        row = [safe_cell(redactor.redact(doc.title))]
        row += [str(counts.get((doc.id or 0, c.id or 0), 0)) for c in codes]
        tables.matrix.append(row)


def build_tables(project: Project, *, full: bool = False) -> tuple[Tables, Redactor]:
    tables = Tables()
    with project.session() as s:
        participants = list(s.exec(select(Participant).order_by(col(Participant.id))))
        redactor = export_redactor(participants, full=full)
        people = {p.id: p for p in participants if p.id is not None}
        tables.codings = _coding_rows(s, redactor, people)
        tables.quotes = _quote_rows(s, redactor, people)
        tables.participants = _participant_rows(redactor, participants)
        _matrix(s, redactor, tables)
    return tables, redactor


def _write(out: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise ExportError(
            f"{out}: cannot write ({exc.strerror})", "Check that the folder exists and is writable."
        ) from exc


def export_csv(project: Project, out: Path, *, full: bool = False) -> TableResult:
    """One row per coding, UTF-8 with a BOM (Excel then shows æøå); names as consent allows."""
    tables, redactor = build_tables(project, full=full)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(tables.codings)
    _write(out, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return TableResult(path=str(out), rows=len(tables.codings), redactions=redaction_dict(redactor))


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[str]]) -> None:
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
    tables, redactor = build_tables(project, full=full)
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
    return TableResult(path=str(out), rows=len(tables.codings), redactions=redaction_dict(redactor))
