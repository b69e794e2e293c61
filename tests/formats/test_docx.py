"""Word .docx files: body order, tables, bold speaker labels, titles and broken files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import docx
import pytest
from docx.document import Document

from qualcode.errors import ImportFormatError
from qualcode.formats import parse_bytes


def docx_bytes(build: Callable[[Document], object]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def labelled(document: Document, speaker: str, said: str, *, bold_colon: bool = True) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{speaker}:" if bold_colon else speaker).bold = True
    paragraph.add_run(f" {said}" if bold_colon else f": {said}")


def interview(document: Document) -> None:
    document.core_properties.author = "Lise Forfatter"
    document.core_properties.last_modified_by = "Lise Forfatter"
    document.add_heading("Interview med Jens Kjærsgaard", level=1)
    document.add_paragraph("Indledende noter om interviewet.")
    labelled(document, "I", "Hvordan fungerer samarbejdet med almen praksis?")
    labelled(document, "Jens Kjærsgaard", "Henvisninger bliver sendt videre.", bold_colon=False)
    document.add_paragraph("")  # empty paragraphs leave no trace
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Område", "Status", "Note"), ("Diagnostik", "", "Uens")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("Afslutning", level=2)
    labelled(document, "I", "Tak.")


def test_blocks_in_body_order_separated_by_blank_lines() -> None:
    doc = parse_bytes("02_kjaersgaard.docx", docx_bytes(interview))
    assert doc.text == (
        "Interview med Jens Kjærsgaard\n\n"
        "Indledende noter om interviewet.\n\n"
        "I: Hvordan fungerer samarbejdet med almen praksis?\n\n"
        "Jens Kjærsgaard: Henvisninger bliver sendt videre.\n\n"
        "Område | Status | Note\nDiagnostik |  | Uens\n\n"
        "Afslutning\n\n"
        "I: Tak."
    )
    assert doc.title == "Interview med Jens Kjærsgaard"  # the first heading
    assert doc.metadata == {"format": "docx"}
    assert "Lise" not in repr(doc)  # the author's name must not leak


def test_bold_labels_become_turns_even_once() -> None:
    doc = parse_bytes("02.docx", docx_bytes(interview))
    spans = [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]
    assert [speaker for speaker, _ in spans] == ["I", "Jens Kjærsgaard", "I"]
    assert spans[1][1].startswith("Jens Kjærsgaard: Henvisninger")
    assert spans[1][1].endswith("Afslutning")  # a turn runs to the next label
    assert spans[2][1] == "I: Tak."


def test_plain_typed_labels_follow_the_text_rules() -> None:
    def build(document: Document) -> None:
        document.add_paragraph("Mette Lindqvist: første")
        document.add_paragraph("Bemærk: noget")
        document.add_paragraph("Mette Lindqvist: anden")

    doc = parse_bytes("x.docx", docx_bytes(build))
    assert [t.speaker for t in doc.turns] == ["Mette Lindqvist", "Mette Lindqvist"]


def test_bold_text_that_is_not_a_name_is_no_label() -> None:
    def build(document: Document) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run("Det vigtigste er:").bold = True
        paragraph.add_run(" lighed i adgang.")
        document.add_paragraph().add_run("Ole Bach").bold = True  # bold, but no colon

    assert parse_bytes("x.docx", docx_bytes(build)).turns == []


def test_title_from_core_properties_first() -> None:
    def build(document: Document) -> None:
        document.core_properties.title = "Referat, interview 3"
        document.add_heading("Overskrift", level=1)

    assert parse_bytes("x.docx", docx_bytes(build)).title == "Referat, interview 3"


def test_no_heading_no_title() -> None:
    assert parse_bytes("x.docx", docx_bytes(lambda d: d.add_paragraph("tekst"))).title is None


def test_line_breaks_and_tabs_inside_a_paragraph() -> None:
    def build(document: Document) -> None:
        run = document.add_paragraph().add_run("linje et")
        run.add_break()
        run.add_text("linje to\tmed tab")

    assert parse_bytes("x.docx", docx_bytes(build)).text == "linje et\nlinje to\tmed tab"


def test_empty_document_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="no text"):
        parse_bytes("tom.docx", docx_bytes(lambda d: d.add_paragraph("   ")))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"Dette er bare tekst, ikke Word.", "not a valid .docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "not a valid .docx"),  # old .doc
    ],
)
def test_non_docx_named_docx(data: bytes, fragment: str) -> None:
    with pytest.raises(ImportFormatError, match=fragment) as info:
        parse_bytes("interview.docx", data)
    assert info.value.hint


def test_truncated_docx() -> None:
    data = docx_bytes(interview)
    for cut in (len(data) // 3, len(data) - 30):
        with pytest.raises(ImportFormatError):
            parse_bytes("afbrudt.docx", data[:cut])


def test_zip_that_is_not_a_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("noter.txt", "hej")
    with pytest.raises(ImportFormatError, match="not a readable Word document"):
        parse_bytes("arkiv.docx", buffer.getvalue())


def test_damaged_document_xml() -> None:
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(interview)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                content = content[: len(content) // 2]
            archive.writestr(item, content)
    with pytest.raises(ImportFormatError, match="not a readable Word document"):
        parse_bytes("skadet.docx", buffer.getvalue())
