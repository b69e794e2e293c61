"""Write a quote-approval packet as a Word document (what experts expect by mail).

Layout: a short letter, then one block per quote — a heading and a clean two-column table
(quote id, area, quote, context, draft paragraph, and the three answer fields the expert
fills in). The packet's identity goes in custom document properties (``qualcode_packet``,
``qualcode_project``) and in a small reference line at the end; core properties hold the
project name only, never a person's name.
"""

from __future__ import annotations

import io
from typing import Any, cast
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle

from qualcode.formats.packet_content import PacketContent, PacketQuote

_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_GREY = RGBColor(0x66, 0x66, 0x66)
_FLAG = RGBColor(0xB0, 0x30, 0x20)
_LABEL_FILL = "E4E8EE"
_ANSWER_FILL = "FFF8DC"
_LABEL_WIDTH = Cm(3.8)
_ANSWER_HEIGHT = Cm(0.9)
_VALUE_WIDTH = Cm(12.8)


def _custom_properties_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name={quoteattr(name)}>'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(props.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'docPropsVTypes">{items}</Properties>'
    ).encode()


def _fixed_widths(table, widths: tuple[Cm, Cm]) -> None:
    """Column widths every word processor honours: a fixed layout and a filled grid."""
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _set_text(cell, text: str, bold: bool = False, italic: bool = False) -> None:
    lines = text.split("\n") if text else [""]
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            para = cell.add_paragraph()
        run = para.add_run(line)
        run.bold = bold
        run.italic = italic


def _quote_table(
    doc: DocxDocument,
    content: PacketContent,
    item: PacketQuote,
    rows: list[tuple[str, str, str]],
    grid: Any,
) -> None:
    """One quote's table: labels on the left, values (and the answer fields) on the right."""
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = grid
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _fixed_widths(table, (_LABEL_WIDTH, _VALUE_WIDTH))
    for row, (key, value, kind) in zip(table.rows, rows, strict=True):
        label_cell, value_cell = row.cells
        label_cell.width, value_cell.width = _LABEL_WIDTH, _VALUE_WIDTH
        _set_text(label_cell, content.texts[key], bold=True)
        _shade(label_cell, _LABEL_FILL)
        if kind == "context":
            para = value_cell.paragraphs[0]
            para.add_run(item.context_before)
            strong = para.add_run(item.context_quote)
            strong.bold = True
            para.add_run(item.context_after)
        elif kind == "quote":
            _set_text(value_cell, f"»{value}«", italic=True)
        elif kind == "answer":
            _shade(value_cell, _ANSWER_FILL)
            row.height = _ANSWER_HEIGHT
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        elif kind == "flag":
            _set_text(value_cell, value, bold=True)
            for run in value_cell.paragraphs[0].runs:
                run.font.color.rgb = _FLAG
        else:
            _set_text(value_cell, value)
    for row in table.rows[:-1]:  # keep one quote's block on one page where it fits
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True


def write_packet_docx(content: PacketContent) -> bytes:
    """The packet as .docx bytes (deterministic apart from the document's timestamps)."""
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    normal = cast(ParagraphStyle, doc.styles["Normal"])
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)

    props = doc.core_properties
    props.title = content.t("doc_title", project=content.project_name)
    props.author = content.project_name
    props.last_modified_by = content.project_name
    props.subject = content.texts["title"]
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.language = content.language

    package = doc.part.package
    assert package is not None  # a new document always has its package
    part = Part(
        PackURI("/docProps/custom.xml"),
        CT.OFC_CUSTOM_PROPERTIES,
        _custom_properties_xml(
            {"qualcode_packet": content.token, "qualcode_project": content.project_id}
        ),
        package,
    )
    package.relate_to(part, RT.CUSTOM_PROPERTIES)

    if content.researcher:
        banner = doc.add_paragraph()
        run = banner.add_run(content.texts["researcher_banner"])
        run.bold = True
        run.font.color.rgb = _FLAG

    doc.add_heading(content.texts["title"], level=1)
    sub = doc.add_paragraph()
    sub_run = sub.add_run(content.project_name)
    sub_run.italic = True
    sub_run.font.color.rgb = _GREY

    doc.add_paragraph(content.greeting + ("," if content.language == "en" else ""))
    letter = content.letter
    for i, text in enumerate(letter):
        para = doc.add_paragraph()
        run = para.add_run(text)
        if i == 2:  # the deadline and what silence means
            run.bold = True

    total = len(content.quotes)
    # Style objects, not names: looking a style up by name scans every style each time.
    heading2 = cast(ParagraphStyle, doc.styles["Heading 2"])
    grid = doc.styles["Table Grid"]
    for n, item in enumerate(content.quotes, start=1):
        doc.add_paragraph(content.t("quote_heading", n=n, total=total), style=heading2)
        rows: list[tuple[str, str, str]] = [("ref", item.ref, "plain")]
        if item.area:
            rows.append(("area", item.area, "plain"))
        rows.append(("quote", item.wording, "quote"))
        rows.append(("context", "", "context"))
        if item.draft_paragraph:
            rows.append(("draft", item.draft_paragraph, "plain"))
        if content.researcher:
            rows.append(("source", item.source_text, "plain"))
            rows.append(("check", item.check, "flag" if item.flagged else "plain"))
        rows += [("answer", "", "answer"), ("new_wording", "", "answer"),
                 ("comment", "", "answer")]  # fmt: skip
        _quote_table(doc, content, item, rows, grid)
        doc.add_paragraph()

    doc.add_paragraph(content.texts["thanks"])
    doc.add_paragraph(content.signature)
    ref = doc.add_paragraph()
    ref_run = ref.add_run(content.t("reference", reference=content.reference))
    ref_run.font.size = Pt(7.5)
    ref_run.font.color.rgb = _GREY

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
