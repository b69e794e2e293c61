"""Parsing Word ``.docx`` files (python-docx).

The body becomes one text: headings, paragraphs and tables in body order, blocks separated
by a blank line so the offsets stay readable. Interviews written in Word often mark the
speaker with a bold name followed by a colon; those bold labels become turns even when a
name occurs only once. Core properties such as the author are deliberately not copied:
a name there may not be one the consent allows to show.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import docx
import docx.document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.font import Font

from qualcode.errors import ImportFormatError
from qualcode.formats.dehyphenate import merge_split_blocks
from qualcode.formats.parsed import ParsedDocument
from qualcode.formats.text import normalise, require_text
from qualcode.formats.turns import KNOWN_LABELS, detect_turns, looks_like_speaker

_BLOCK_SEPARATOR = "\n\n"
_CELL_SEPARATOR = " | "
# Runs that carry visible text, in reading order: plain runs, links, accepted tracked
# insertions, fields and inline content controls. Deleted text (w:del) is left out.
_VISIBLE_RUNS = (
    "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r"
    " | ./w:customXml/w:r | ./w:sdt/w:sdtContent/w:r"
)


def parse_docx(filename: str, data: bytes) -> ParsedDocument:
    """Parse a ``.docx`` file into text, turns and a title."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFormatError(
            filename,
            "is not a valid .docx file (not a ZIP package: truncated, or an old .doc file?)",
            "Open it in Word or LibreOffice and save it again as .docx.",
        )
    try:
        document = docx.Document(io.BytesIO(data))
        styles = _StyleFacts.of(document)
        blocks = list(_text_blocks(document, styles))
        title = _core_title(document)
    except Exception as exc:  # anything python-docx, zipfile or lxml raise on damaged input
        raise ImportFormatError(
            filename,
            f"is not a readable Word document ({type(exc).__name__}: {exc})",
            "Open it in Word or LibreOffice and save it again as .docx.",
        ) from exc

    pieces: list[str] = []
    bold_labels: dict[int, str] = {}
    offset = 0
    merged = merge_split_blocks([b[0] for b in blocks])  # text pasted from a PDF
    blocks = [(text, blocks[i][1], blocks[i][2]) for i, text in merged]
    for block_text, label, is_heading in blocks:
        if title is None and is_heading:
            title = block_text
        if pieces:
            offset += len(_BLOCK_SEPARATOR)
        if label is not None and block_text.startswith(label):
            bold_labels[offset] = label
        pieces.append(block_text)
        offset += len(block_text)
    text = _BLOCK_SEPARATOR.join(pieces)
    require_text(filename, text)
    return ParsedDocument(
        text=text,
        turns=detect_turns(text, extra=bold_labels),
        title=title,
        metadata={"format": "docx"},
    )


@dataclass(frozen=True)
class _StyleFacts:
    """Style ids looked up once per document: python-docx resolves styles slowly."""

    bold_character_styles: frozenset[str]  # e.g. "Strong"
    heading_styles: frozenset[str]  # "Title", "Heading1", "Overskrift1" (by English name)

    @classmethod
    def of(cls, document: docx.document.Document) -> _StyleFacts:
        bold, headings = set(), set()
        for style in document.styles:
            name = style.name or ""
            font = getattr(style, "font", None)  # character and paragraph styles have one
            if style.type == WD_STYLE_TYPE.CHARACTER and font is not None and font.bold:
                bold.add(style.style_id)
            elif name == "Title" or name.startswith("Heading"):
                headings.add(style.style_id)
        return cls(frozenset(bold), frozenset(headings))


def _text_blocks(
    document: docx.document.Document, styles: _StyleFacts
) -> Iterator[tuple[str, str | None, bool]]:
    """Yield ``(normalised text, bold speaker label or None, is heading)`` per non-empty block."""
    for element in _body_elements(document.element.body):
        if element.tag == qn("w:p"):
            runs = element.xpath(_VISIBLE_RUNS)
            text = normalise("".join(run.text for run in runs)).strip()
            if text:
                yield text, _bold_label(runs, text, styles), element.style in styles.heading_styles
        else:
            text = _table_text(element)
            if text:
                yield text, None, False


def _body_elements(container: BaseOxmlElement) -> Iterator[BaseOxmlElement]:
    """Paragraph and table elements in body order, looking inside content controls."""
    for child in container.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_elements(content)


def _table_text(table: BaseOxmlElement) -> str:
    """A table as text: cells joined by " | ", rows by newlines, empty rows left out."""
    rows = []
    for row in table.iterchildren(qn("w:tr")):
        cells = []
        for cell in row.iterchildren(qn("w:tc")):
            paragraphs = (
                "".join(r.text for r in p.xpath(_VISIBLE_RUNS)) for p in cell.iter(qn("w:p"))
            )
            cells.append(
                " ".join(normalise(p).replace("\n", " ").strip() for p in paragraphs).strip()
            )
        if any(cells):
            rows.append(_CELL_SEPARATOR.join(cells))
    return "\n".join(rows)


def _bold_label(runs: list[CT_R], text: str, styles: _StyleFacts) -> str | None:
    """The speaker named by the leading bold run(s) if they end with a colon ("Name:")."""
    bold_parts: list[str] = []
    for run in runs:
        run_text = run.text
        if not run_text.strip():
            bold_parts.append(run_text)
            continue
        if not _is_bold(run, styles):
            break
        bold_parts.append(run_text)
    prefix = normalise("".join(bold_parts)).strip()
    if not prefix:
        return None
    if prefix.endswith(":"):
        label = prefix[:-1].rstrip()
    elif text[len(prefix) : len(prefix) + 1] == ":":  # bold "Name" then a plain ":"
        label = prefix
    else:
        return None
    if label in KNOWN_LABELS or looks_like_speaker(label):
        return label
    return None


def _is_bold(run: CT_R, styles: _StyleFacts) -> bool:
    direct = Font(run).bold  # the run's own w:b, if any
    if direct is not None:
        return direct
    return run.style in styles.bold_character_styles  # a character style such as "Strong"


def _core_title(document: docx.document.Document) -> str | None:
    """The title in the document's core properties, if someone filled it in."""
    title = normalise(document.core_properties.title or "").strip()
    return title or None
