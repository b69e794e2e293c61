"""The codings as tables: CSV (one row per coding) and Excel (codings, quotes, participants
as consent allows, and a document x code matrix).

The coding rows, the CSV file and the cell rules are ``qualcode.coding_table``'s (plain SQL
through a ``Reader``, so ``export csv`` on a SQLite project runs without the ORM); this
module runs them on an open project and adds the workbook. The workbook writes every cell
as a string, so no formula ever runs. Names go through the consent redactor like every
export; its counts come back with the result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from qualcode.coding_table import (
    CSV_COLUMNS,
    RedactionMemo,
    TableResult,
    coding_rows,
    export_csv_with,
    safe_cell,
    write_export,
)
from qualcode.consent import Person, Redactor, export_redactor
from qualcode.db import Project
from qualcode.models import Code, Coding, Document, Quote
from qualcode.participants import PersonRow, read_people
from qualcode.store.reader import SessionReader

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "CSV_COLUMNS", "TableResult", "Tables", "build_tables", "export_csv", "export_xlsx",
    "safe_cell",
]  # fmt: skip

QUOTE_COLUMNS = ("quote", "document", "attribution", "code", "status", "wording", "due_date")
PARTICIPANT_COLUMNS = ("attribution", "title", "organisation", "expertise", "consent")


@dataclass
class Tables:
    codings: list[list[str]] = field(default_factory=list)
    quotes: list[list[str]] = field(default_factory=list)
    participants: list[list[str]] = field(default_factory=list)
    matrix_header: list[str] = field(default_factory=list)
    matrix: list[list[str]] = field(default_factory=list)


def _quote_rows(s: Session, redactor: Redactor, people: dict[int, Person]) -> list[list[str]]:
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


def _participant_rows(redactor: Redactor, people: list[PersonRow]) -> list[list[str]]:
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


def build_tables(project: Project, *, full: bool = False) -> tuple[Tables, RedactionMemo]:
    tables = Tables()
    with project.session() as s:
        reader = SessionReader(s)
        participants = read_people(reader)
        redactor = export_redactor(participants, full=full)
        people: dict[int, Person] = {p.id: p for p in participants}
        memo = RedactionMemo(redactor)
        tables.codings = list(coding_rows(reader, memo, people))
        tables.quotes = _quote_rows(s, redactor, people)
        tables.participants = _participant_rows(redactor, participants)
        _matrix(s, redactor, tables)
    return tables, memo


def export_csv(project: Project, out: Path, *, full: bool = False) -> TableResult:
    """One row per coding, UTF-8 with a BOM (Excel then shows æøå); names as consent allows.
    (The same ``coding_table.export_csv_with`` as the light path, over this session.)"""
    with project.session() as s:
        return export_csv_with(SessionReader(s), out, full=full)


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
    write_export(out, buffer.getvalue())
    return TableResult(path=str(out), rows=len(tables.codings), redactions=memo.counts())
