"""Decoding and normalising text, and parsing plain-text and Markdown files.

Interview notes arrive from many machines: UTF-8 with or without a BOM, UTF-16 from Word's
"save as Unicode text", cp1252 from older Windows setups. We decode them all to one
normalised form (NFC, ``\\n`` newlines) once, at import, because every coding offset
points into that text afterwards.
"""

from __future__ import annotations

import re
import unicodedata

from qualcode.errors import ImportFormatError
from qualcode.formats.dehyphenate import undo_line_hyphenation
from qualcode.formats.parsed import ParsedDocument
from qualcode.formats.turns import detect_turns

# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Every character that str.splitlines() treats as a line break becomes "\n", so a viewer
# that splits lines either way sees the same lines and line/column maps stay exact.
_OTHER_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Control characters that real text hardly has (tab, newline, CR and form feed excluded).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Above this share of control characters a file is treated as binary, not text.
_MAX_CONTROL_SHARE = 0.05

__all__ = ["undo_line_hyphenation"]  # re-exported: the one de-hyphenation rule

_MD_TITLE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)


def normalise(text: str) -> str:
    """Return ``text`` in the one form qualcode stores: NFC, ``\\n`` only, no BOM, no NUL.

    Idempotent, so normalising stored text again never moves an offset.
    """
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _OTHER_LINE_BREAKS.search(text):
        text = _OTHER_LINE_BREAKS.sub("\n", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def decode_text(filename: str, data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Order: a byte-order mark decides; else strict UTF-8; else cp1252 (which covers
    latin-1's letters, æøå included); else latin-1. Binary files are refused rather than
    decoded into garbage that would then be coded and quoted.
    """
    if not data:
        raise ImportFormatError(
            filename, "the file is empty", "Check that you chose the right file."
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    filename,
                    f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(bad bytes at position {exc.start + len(bom)})",
                    "Open the file in a text editor and save it again as UTF-8.",
                ) from exc
            _refuse_binary(filename, text)
            return text, encoding
    if b"\x00" in data:
        raise _binary_error(filename)
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    _refuse_binary(filename, text)
    return text, encoding


def _binary_error(filename: str) -> ImportFormatError:
    return ImportFormatError(
        filename,
        "looks like a binary file, not text",
        "Import .txt, .md, .docx, .vtt, .srt or .pdf files. UTF-16 text needs a "
        "byte-order mark; otherwise save it as UTF-8.",
    )


def _refuse_binary(filename: str, text: str) -> None:
    if "\x00" in text:
        raise _binary_error(filename)
    controls = len(_CONTROL_CHARS.findall(text))
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise _binary_error(filename)


def require_text(filename: str, text: str) -> None:
    """Refuse a document with nothing to code in it."""
    if not text.strip():
        raise ImportFormatError(
            filename,
            "contains only whitespace" if text else "contains no text",
            "Check that you chose the right file and that it was saved with its content.",
        )


def markdown_title(text: str) -> str | None:
    """The title of a Markdown text: front-matter ``title:`` or a leading ``# Heading``."""
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_MATTER_TITLE.search(front.group(1))
        if found:
            return found.group(1).strip("\"'") or None
        text = text[front.end() :]
    heading = _MD_TITLE.match(text)
    return heading.group(1) if heading else None


def parse_text(filename: str, data: bytes, *, markdown: bool = False) -> ParsedDocument:
    """Parse a ``.txt`` or ``.md`` file. Markdown stays as written so offsets match the file."""
    raw, encoding = decode_text(filename, data)
    text = undo_line_hyphenation(normalise(raw))
    require_text(filename, text)
    return ParsedDocument(
        text=text,
        turns=detect_turns(text),
        title=markdown_title(text) if markdown else None,
        metadata={"format": "md" if markdown else "txt", "encoding": encoding},
    )
