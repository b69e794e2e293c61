"""Parsing PDF files that have a text layer (pypdf).

Reports and minutes come as PDFs. Their text is typeset, so words are split across lines
("opfølg-\\nningsplan", also across a page break); they are joined once at import by the
one rule every format uses (``formats.dehyphenate``), which leaves suspended compounds
("kræft- og hjertepatienter") alone. Scanned PDFs
without a text layer are refused: qualcode does no OCR.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PasswordType, PdfReader

from qualcode.errors import ImportFormatError
from qualcode.formats.dehyphenate import undo_line_hyphenation
from qualcode.formats.parsed import ParsedDocument
from qualcode.formats.text import normalise
from qualcode.formats.turns import detect_turns

_PAGE_SEPARATOR = "\n\n"
_REWRITE_HINT = "Open it in a PDF viewer and print or export it again as PDF."


def parse_pdf(filename: str, data: bytes) -> ParsedDocument:
    """Parse a PDF with a text layer: pages joined by a blank line, hyphenation undone."""
    page_texts, title = _read_pages(filename, data)
    if not page_texts:
        raise ImportFormatError(filename, "has no pages", _REWRITE_HINT)
    text = undo_line_hyphenation(normalise(_PAGE_SEPARATOR.join(t for t in page_texts if t)))
    if not text.strip():
        raise ImportFormatError(
            filename,
            "has no text layer; OCR is not supported (it looks like a scan)",
            "Run OCR in another program first, or import a text or Word version.",
        )
    return ParsedDocument(
        text=text,
        turns=detect_turns(text),
        title=title,
        metadata={"format": "pdf", "pages": str(len(page_texts))},
    )


def _read_pages(filename: str, data: bytes) -> tuple[list[str], str | None]:
    """The normalised text of each page and the document title."""
    with _pypdf_quiet():
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _decrypt_with_empty_password(reader):
                raise ImportFormatError(
                    filename,
                    "is an encrypted PDF (it needs a password)",
                    "Save an unprotected copy (e.g. print to PDF) and import that.",
                )
            pages = [normalise(page.extract_text() or "").strip() for page in reader.pages]
            return pages, _title(reader)
        except ImportFormatError:
            raise
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files
            raise ImportFormatError(
                filename, f"is not a readable PDF ({type(exc).__name__}: {exc})", _REWRITE_HINT
            ) from exc


@contextmanager
def _pypdf_quiet() -> Iterator[None]:
    """Keep pypdf's warnings about sloppy PDFs off the terminal: we never print."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _decrypt_with_empty_password(reader: PdfReader) -> bool:
    """Open PDFs that are 'encrypted' only against editing; False if a password is needed."""
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # unsupported algorithm or a missing crypto library: treat as locked
        return False


def _title(reader: PdfReader) -> str | None:
    info = reader.metadata
    title = info.title if info is not None else None
    if isinstance(title, str) and title.strip():
        return normalise(title).strip()
    return None
