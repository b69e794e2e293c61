"""Errors meant for people: each says what was wrong and what to do about it.

The CLI prints them as one ``error: ...`` line plus a hint and exits 1; the TUI shows
them as a notification. Anything that is not a ``QualcodeError`` is a bug in qualcode.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """Base of every error a user can cause and fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ProjectError(QualcodeError):
    """The project file or database cannot be opened or is not a qualcode project."""


class ImportFormatError(QualcodeError):
    """A file given to import cannot be read; the message starts with the file name."""

    def __init__(self, filename: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{filename}: {message}", hint)
        self.filename = filename


class DuplicateDocumentError(QualcodeError):
    """The same bytes were imported before."""


class CodebookError(QualcodeError):
    """A codebook file is invalid, or a code name is unknown or ambiguous."""


class NotFoundError(QualcodeError):
    """A document, participant, code, quote or other named thing does not exist."""


class AmbiguousNameError(QualcodeError):
    """A name matches more than one thing."""


class ParticipantError(QualcodeError):
    """A participants file or a participant reference is invalid."""


class CodingError(QualcodeError):
    """A coding cannot be made as asked (bad offsets, text not found, ...)."""


class QuoteError(QualcodeError):
    """A quote operation is not allowed (wrong state, spans two speakers, ...)."""


class PacketError(QualcodeError):
    """A packet cannot be made or a returned packet cannot be read."""


class ExportError(QualcodeError):
    """An export cannot be written (e.g. a final synthesis with unapproved quotes)."""


class ConflictError(QualcodeError):
    """Someone else changed the same thing first; nothing of yours was written."""
