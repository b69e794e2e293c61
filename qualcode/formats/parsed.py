"""What every file-format parser returns: one normalised text and the speaker turns in it.

The importer stores ``ParsedDocument.text`` as ``Document.text``; every offset in the
project (turns, codings, quotes) points into that one string, so parsers settle the text
once here and nothing downstream rewrites it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParsedTurn:
    """One speaker's stretch of text, as character offsets into the document text."""

    speaker: str  # label as written, e.g. "I", "Interviewer", "Birgitte Holmgaard"
    start: int  # Python str index of the label's first character
    end: int  # exclusive; trailing whitespace before the next label is left out
    media_start: float | None = None  # seconds into the recording (subtitles only)
    media_end: float | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """A parsed file: NFC text with ``\\n`` newlines only, no BOM and no NUL."""

    text: str
    turns: list[ParsedTurn]
    title: str | None = None
    # Facts about the source, e.g. {"format": "docx"} or {"encoding": "cp1252"}.
    # Never holds names of people (document authors etc.): consent rules apply to them.
    metadata: dict[str, str] = field(default_factory=dict)
