"""CSV and Excel exports are safe to open (no cell is ever a formula) and consent applies;
a redacted .qdpx survives import -> export without one changed document text."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import select

from qualcode.coding import apply_code
from qualcode.db import Project, open_project
from qualcode.exchange import export_csv, export_qdpx, export_xlsx, import_qdpx, safe_cell
from qualcode.exchange.payload import PAYLOAD_MEMBER
from qualcode.importing import import_one
from qualcode.models import Document, Participant, Turn
from tests.exchange.helpers import build_project

HOSTILE = ['=HYPERLINK("http://x.example")', "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def test_safe_cell_neutralises_formula_starts() -> None:
    for value in HOSTILE:
        assert safe_cell(value) == "'" + value
    assert safe_cell("ventetid") == "ventetid" and safe_cell(7) == "7" and safe_cell(None) == ""


def _hostile_project(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    doc = tmp_path / "formler.txt"
    doc.write_text("=1+1 står her. @alle læser med.\n-minus og +plus.\n", encoding="utf-8")
    doc_id = import_one(project, doc, title="=TITEL()").document_id
    assert doc_id is not None
    apply_code(project, doc_id, "1", 0, 4, "=coder", "+memo")
    apply_code(project, doc_id, "ulighed", 15, 20, "ida", "-2+3")


def test_csv_cells_never_start_a_formula(project: Project, tmp_path: Path) -> None:
    _hostile_project(project, tmp_path)
    out = tmp_path / "c.csv"
    result = export_csv(project, out)
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert result["rows"] == len(rows) - 1 == 10
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=TITEL()" in cells and "'=1+1" in cells and "'+memo" in cells and "'=coder" in cells


def test_xlsx_every_cell_is_text(project: Project, tmp_path: Path) -> None:
    _hostile_project(project, tmp_path)
    out = tmp_path / "x.xlsx"
    result = export_xlsx(project, out)
    assert result["rows"] == 10
    wb = load_workbook(out)
    assert wb.sheetnames == ["codings", "quotes", "participants", "matrix"]
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    values.append(cell.value)
    assert not [v for v in values if str(v).startswith(("=", "+", "-", "@"))]
    assert "'=TITEL()" in values
    # Consent: participants appear as consent allows, never by a withheld name.
    people = [row[0].value for row in wb["participants"].iter_rows(min_row=2)]
    assert "Ekspert 3" in people and not any("Ulrikke" in str(p) for p in people)
    assert not any("Ravnsholt" in str(v) or "Krogsbøl" in str(v) for v in values)
    matrix = list(wb["matrix"].iter_rows(values_only=True))
    assert matrix[0][0] == "document" and len(matrix) == 1 + 3


def test_redacted_roundtrip_changes_no_document_text(project: Project, tmp_path: Path) -> None:
    """Export (redacted) -> import -> export: every document text identical, nothing new
    redacted; the redacted speaker label is still that expert's turn."""
    build_project(project, tmp_path)
    text = (
        "I: Hvad ser du i hjemmeplejen?\n\n"
        "Jonas Krogsbøl: De praktiserende læger ringer sjældent. Sygeplejerske er et hårdt job.\n\n"
        "I: Tak.\n\n"
        "Jonas Krogsbøl: Selv tak.\n"
    )
    source = tmp_path / "krogsbol.txt"
    source.write_text(text, encoding="utf-8")
    import_one(project, source, participants=["Jonas Krogsbøl"], title="Interview 3")
    first = tmp_path / "first.qdpx"
    export_qdpx(project, first)
    fresh = open_project(tmp_path / "fresh.qualcode", create=True)
    try:
        import_qdpx(fresh, first, annotate=False)
        second = tmp_path / "second.qdpx"
        again = export_qdpx(fresh, second)
        assert again["redactions"]["total"] == 0

        def texts(path: Path) -> dict[str, bytes]:
            with zipfile.ZipFile(path) as zf:
                return {n: zf.read(n) for n in zf.namelist() if n.startswith("Sources/")}

        assert texts(first) == texts(second) and len(texts(first)) == 3
        with fresh.session() as s:
            jonas = s.exec(select(Participant).where(Participant.consent == "role_only")).one()
            assert jonas.name == "sygeplejerske, Hjemmeplejen Søndervig"
    finally:
        fresh.close()
    # Without qualcode's extension (another tool re-exported it), the attribution label is
    # still recognised as that expert's turn.
    bare = tmp_path / "bare.qdpx"
    with zipfile.ZipFile(first) as zin, zipfile.ZipFile(bare, "w") as zout:
        for name in zin.namelist():
            if name != PAYLOAD_MEMBER:
                zout.writestr(name, zin.read(name))
    other = open_project(tmp_path / "other.qualcode", create=True)
    try:
        import_qdpx(other, bare, annotate=False)
        with other.session() as s:
            doc = s.exec(select(Document).where(Document.title == "Interview 3")).one()
            turns = list(s.exec(select(Turn).where(Turn.document_id == doc.id)))
            who = {t.speaker: t.participant_id for t in turns}
            jonas = s.exec(select(Participant).where(Participant.consent == "role_only")).one()
        assert "De praktiserende læger" in doc.text and "Krogsbøl" not in doc.text
        assert who["[sygeplejerske, Hjemmeplejen Søndervig]"] == jonas.id
        assert who["I"] is None
    finally:
        other.close()
