"""File formats in: bytes of an interview, notes or report -> one normalised text + turns.

Pure functions: no database, no printing. Every bad input raises ``ImportFormatError``
with a message naming the file and a hint, so the importer can refuse a file and leave
the project as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from qualcode.errors import ImportFormatError
from qualcode.formats.parsed import ParsedDocument, ParsedTurn
from qualcode.formats.subtitles import parse_subtitles
from qualcode.formats.text import normalise, parse_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParsedDocument",
    "ParsedTurn",
    "normalise",
    "parse_bytes",
]

def _docx(name: str, data: bytes) -> ParsedDocument:
    # imported when a .docx comes, not at start-up: python-docx and lxml cost every
    # import of plain text files (and every command) a third of a second
    from qualcode.formats.docx import parse_docx

    return parse_docx(name, data)


def _pdf(name: str, data: bytes) -> ParsedDocument:
    from qualcode.formats.pdf import parse_pdf  # pypdf: as python-docx above

    return parse_pdf(name, data)


_PARSERS: dict[str, Callable[[str, bytes], ParsedDocument]] = {
    ".txt": lambda name, data: parse_text(name, data, markdown=False),
    ".md": lambda name, data: parse_text(name, data, markdown=True),
    ".docx": _docx,
    ".vtt": lambda name, data: parse_subtitles(name, data, webvtt=True),
    ".srt": lambda name, data: parse_subtitles(name, data, webvtt=False),
    ".pdf": _pdf,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_PARSERS)
# REFI-QDA exchange files: imported as projects or codebooks, not parsed here.
EXCHANGE_SUFFIXES: tuple[str, ...] = (".qdpx", ".qde", ".qdc")


def parse_bytes(filename: str, data: bytes) -> ParsedDocument:
    """Parse the bytes of ``filename``, choosing the format by its suffix (any case)."""
    suffix = PurePath(filename).suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        supported = ", ".join([*sorted(SUPPORTED_SUFFIXES), *EXCHANGE_SUFFIXES])
        raise ImportFormatError(
            filename,
            f"unsupported file type {suffix or '(no suffix)'!r}; qualcode imports {supported}",
            "Save the file in one of those formats, e.g. as .docx or .txt; a project from "
            "NVivo, ATLAS.ti or MAXQDA comes in as REFI-QDA (.qdpx, or .qde with its Sources/ "
            "folder), a codebook as .qdc.",
        )
    if not data:
        raise ImportFormatError(
            filename, "the file is empty", "Check that you chose the right file."
        )
    return parser(filename, data)
