"""PDF files: text layer, pages, hyphenation, and the PDFs we refuse (scans, locked, broken).

Fixtures are made with reportlab (a PDF with a text layer) and pypdf (blank and encrypted).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from qualcode.errors import ImportFormatError
from qualcode.formats import parse_bytes
from qualcode.formats.dehyphenate import undo_line_hyphenation

PAGES = [
    [
        "Referat fra taskforcen",
        "Ole Bach: Der mangler en opfølg-",
        "ningsplan for patienter med kræft-",
        "og hjertesygdomme i Nord-",
        "Jylland. Kræft- og hjerteområdet",
        "er presset.",
    ],
    ["Ole Bach: Side to med æøå ÆØÅ."],
]


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    pdf.setAuthor("Lise Forfatter")
    for lines in pages:
        for number, line in enumerate(lines):
            pdf.drawString(72, 800 - 14 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pages_joined_and_hyphenation_undone() -> None:
    doc = parse_bytes("referat.pdf", pdf_bytes(PAGES, title="Referat 2025"))
    assert doc.text == (
        "Referat fra taskforcen\n"
        "Ole Bach: Der mangler en opfølgningsplan for patienter med kræft-\n"
        "og hjertesygdomme i Nord-\n"
        "Jylland. Kræft- og hjerteområdet\n"
        "er presset.\n\n"
        "Ole Bach: Side to med æøå ÆØÅ."
    )
    assert doc.title == "Referat 2025"
    assert doc.metadata == {"format": "pdf", "pages": "2"}  # no author name
    assert [turn.speaker for turn in doc.turns] == ["Ole Bach", "Ole Bach"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("opfølg-\nningsplan", "opfølgningsplan"),
        ("opfølg-  \n  ningsplan", "opfølgningsplan"),
        ("opfølg\u00ad\nningsplan", "opfølgningsplan"),
        ("kræft-\nog hjerte", "kræft-\nog hjerte"),
        ("kræft-\neller hjerte", "kræft-\neller hjerte"),
        ("cancer-\nand heart", "cancer-\nand heart"),
        ("Kræft- og", "Kræft- og"),
        ("Nord-\nJylland", "Nord-\nJylland"),
        ("COVID-\n19", "COVID-\n19"),
        ("opfølg-\n\nningsplan", "opfølgningsplan"),  # a page break between the parts
        ("opfølg-\n\n\nningsplan", "opfølg-\n\n\nningsplan"),  # two blank lines: no
    ],
)
def test_undo_hyphenation(before: str, after: str) -> None:
    """The PDF importer uses the one de-hyphenation rule every format uses."""
    assert undo_line_hyphenation(before) == after


def test_pdf_without_text_layer_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ImportFormatError, match="has no text layer; OCR is not supported"):
        parse_bytes("scan.pdf", buffer.getvalue())


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(PAGES))))
    writer.encrypt(user_password=user_password, owner_password="ejer", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_password_protected_pdf_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="encrypted") as info:
        parse_bytes("hemmelig.pdf", _encrypted("hemmelig"))
    assert info.value.hint


def test_pdf_locked_only_against_editing_is_read() -> None:
    doc = parse_bytes("beskyttet.pdf", _encrypted(""))
    assert doc.text.startswith("Referat fra taskforcen")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nnot really a pdf", b"Hej, jeg er tekst", pdf_bytes(PAGES)[:400]],
)
def test_broken_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_bytes("skadet.pdf", data)
    assert info.value.message.startswith("skadet.pdf: ")
