"""The CSV export's rows, read with plain SQL, held to the ORM's own view of every coding
(both backends): order, offsets, text, code, coder, memo, speaker and the UTC timestamp."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from sqlmodel import col, select

from qualcode.coding_table import CSV_COLUMNS
from qualcode.coding_table import iso_utc as _iso
from qualcode.db import Project
from qualcode.documents import TurnIndex, document_turns
from qualcode.exchange import export_csv
from qualcode.models import Code, Coder, Coding, Document
from tests.exchange.helpers import build_project


def _rows(out: Path) -> list[dict[str, str]]:
    text = out.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    assert tuple(next(reader)) == CSV_COLUMNS
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in reader]


def test_csv_rows_match_the_stored_codings(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path, with_people=False)  # no consent rule changes a cell
    out = tmp_path / "codings.csv"
    result = export_csv(project, out)
    rows = _rows(out)
    expected = []
    with project.session() as s:
        codes = {c.id: c for c in s.exec(select(Code))}
        coders = {c.id: c.name for c in s.exec(select(Coder))}
        docs = {d.id: d for d in s.exec(select(Document))}
        codings = s.exec(
            select(Coding).order_by(col(Coding.document_id), col(Coding.start), col(Coding.id))
        ).all()
        for c in codings:
            doc = docs[c.document_id]
            turn = TurnIndex(document_turns(s, c.document_id)).at(c.start)
            expected.append(
                {
                    "document_id": str(c.document_id),
                    "document": doc.title,
                    "participant": "",
                    "speaker": turn.speaker if turn is not None else "",
                    "code": codes[c.code_id].key,
                    "code_label": codes[c.code_id].label_da,
                    "start": str(c.start),
                    "end": str(c.end),
                    "text": doc.text[c.start : c.end],
                    "coder": coders[c.coder_id],
                    "memo": c.memo,
                    "origin": c.origin,
                    "created": c.created.isoformat(),
                }
            )
    assert result["rows"] == len(rows) == len(expected) == 8
    assert rows == expected
    assert all(r["created"].endswith("+00:00") for r in rows)


def test_iso_reads_either_backend_the_same() -> None:
    aware = dt.datetime(2026, 3, 4, 11, 0, 0, 250, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert _iso(aware) == "2026-03-04T10:00:00.000250+00:00"  # PostgreSQL: aware, moved to UTC
    assert _iso("2026-03-04 10:00:00.000250") == "2026-03-04T10:00:00.000250+00:00"  # SQLite
    assert _iso("2026-03-04 10:00:00.000000") == "2026-03-04T10:00:00+00:00"
    assert _iso(None) == "" and _iso("not a date") == "not a date"
