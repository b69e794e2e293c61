"""Importing source files: parse, link speakers to participants, store — one file, one
transaction, so a bad file never leaves half a document behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import insert
from sqlmodel import Session, select

from qualcode.audit import log_event
from qualcode.db import Project
from qualcode.errors import ImportFormatError, QualcodeError
from qualcode.formats import EXCHANGE_SUFFIXES, parse_bytes
from qualcode.formats.parsed import ParsedDocument
from qualcode.models import DOCUMENT_KINDS, Document, DocumentParticipant, Participant, Turn
from qualcode.naming import unique_name
from qualcode.nlp.annotating import Annotator, helper_wanted
from qualcode.nlp.language import detect_language
from qualcode.participants import link_speaker, resolve_participant
from qualcode.progress import Progress, no_progress

if TYPE_CHECKING:
    from qualcode.exchange import ExchangeOutcome

MAX_FILE_BYTES = 200 * 1024 * 1024


class SpeakerLinkDict(TypedDict):
    """How one speaker label of an imported file was linked to a participant."""

    speaker: str
    participant: str | None
    method: str  # exact | fuzzy | respondent | interviewer | none
    score: float


class ImportOutcomeDict(TypedDict):
    """One file of `qualcode import --json` (a list, one per file)."""

    path: str
    status: str
    document_id: int | None
    title: str | None
    words: int
    turns: int
    message: str
    hint: str | None
    speaker_links: list[SpeakerLinkDict]
    details: dict[str, Any]


@dataclass
class ImportOutcome:
    """What happened to one file: imported, skipped as a duplicate, or failed."""

    path: str
    status: str  # imported | duplicate | failed
    document_id: int | None = None
    title: str | None = None
    words: int = 0
    turns: int = 0
    message: str = ""
    hint: str | None = None
    speaker_links: list[SpeakerLinkDict] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> ImportOutcomeDict:
        return {
            "path": self.path,
            "status": self.status,
            "document_id": self.document_id,
            "title": self.title,
            "words": self.words,
            "turns": self.turns,
            "message": self.message,
            "hint": self.hint,
            "speaker_links": self.speaker_links,
            "details": self.details,
        }


def read_source(path: Path) -> bytes:
    """The file's bytes, or an ImportFormatError that says why they cannot be had."""
    try:
        if path.is_dir():
            raise ImportFormatError(str(path), "is a folder", "Give the files inside it.")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFormatError(
                str(path),
                f"is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB",
                "Split the file.",
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFormatError(
            str(path), "no such file", "Check the path; a pattern like *.docx must match files."
        ) from exc
    except PermissionError as exc:
        raise ImportFormatError(
            str(path), "permission denied", "Check the file's permissions or copy it here."
        ) from exc
    except OSError as exc:
        raise ImportFormatError(
            str(path), f"cannot read ({exc.strerror})", "Copy the file to a local folder."
        ) from exc


def count_words(text: str, piece: int = 1 << 20) -> int:
    """``len(text.split())`` without the list: a 50 MB text split at once is 7 million
    strings (~400 MB); this splits a megabyte at a time, cut at white space."""
    total = start = 0
    n = len(text)
    while start < n:
        end = min(n, start + piece)
        while end < n and not text[end].isspace():
            end += 1
        total += len(text[start:end].split())
        start = end
    return total


def heading_title(parsed: ParsedDocument) -> str | None:
    """A title from the text's first line when it reads like a heading ("Interview med Ida
    Holm, 3. marts"): short, before the first speaker turn, not a sentence or a label."""
    text = parsed.text
    stripped = text.lstrip()
    if not stripped:
        return None
    offset = len(text) - len(stripped)
    line = stripped.split("\n", 1)[0]
    if "\n" not in stripped.strip():
        return None  # a one-line text has no heading above a body
    if parsed.turns and parsed.turns[0].start < offset + len(line):
        return None  # the first line is a speaker's turn
    candidate = " ".join(line.lstrip("#").replace("*", "").replace("_", " ").split())
    if not 3 <= len(candidate) <= 120 or len(candidate.split()) > 14:
        return None
    if candidate[-1] in ".!?;," or re.match(r"^[^\s:]{1,40}:\s", candidate + " "):
        return None
    return candidate


def _unique_title(session: Session, wanted: str) -> str:
    return unique_name(wanted, session.exec(select(Document.title)).all())


def _exchange_outcome(got: ExchangeOutcome) -> ImportOutcome:
    """A REFI-QDA project or codebook import as one outcome among the files."""
    return ImportOutcome(
        path=got.path,
        status=got.status,
        title=got.title,
        message=got.message,
        details=dict(got.details),
    )


def import_files(
    project: Project,
    paths: list[Path],
    *,
    kind: str | None = None,
    participants: list[str] | None = None,
    language: str | None = None,
    title: str | None = None,
    date: dt.date | None = None,
    progress: Progress = no_progress,
    annotate: bool = True,
    groups: bool | None = None,
) -> list[ImportOutcome]:
    """Import each file in its own transaction; one bad file does not stop the others.

    With ``annotate`` (the default) the imported documents are annotated (words, lemmas,
    sentences) before this returns (``nlp.annotating``: each file's text is committed
    first, its annotation follows in batches, beside the next files in a helper process
    when the import is large); without it, the first search or
    ``nlp.store.annotate_missing`` does it.

    Failures come back as outcomes with status ``failed`` (the caller decides the exit
    code); a file whose bytes are already in the project is ``duplicate`` and adds nothing.
    """
    if kind is not None and kind not in DOCUMENT_KINDS:
        raise QualcodeError(f"unknown kind {kind!r}", "Use one of: " + ", ".join(DOCUMENT_KINDS))
    if title is not None and len(paths) > 1:
        raise QualcodeError(
            "--title works with one file at a time", "Import the files one by one with --title."
        )
    opts: dict[str, Any] = {
        "kind": kind, "participants": participants, "language": language, "title": title,
        "date": date, "groups": groups,
    }  # fmt: skip
    annotator = Annotator(project, annotate and helper_wanted(_total_bytes(paths)), progress)
    try:
        outcomes = _import_each(project, paths, annotator if annotate else None, progress, **opts)
        if annotate:
            annotator.finish()
    finally:
        annotator.close()
    return outcomes


def _total_bytes(paths: list[Path]) -> int:
    """The size of the plain files among ``paths`` (what annotation will read, about)."""
    total = 0
    for path in paths:
        if path.suffix.lower() in EXCHANGE_SUFFIXES:
            continue
        try:
            total += path.stat().st_size
        except OSError:
            continue  # reported by the import itself
    return total


def _import_each(
    project: Project,
    paths: list[Path],
    annotator: Annotator | None,
    progress: Progress,
    **opts: Any,
) -> list[ImportOutcome]:
    """Import each file in its own transaction, telling ``annotator`` of each document
    committed (it annotates them beside the next files, or after them)."""
    outcomes: list[ImportOutcome] = []
    total = len(paths)
    for i, path in enumerate(paths):
        progress(i, total, path.name)
        try:
            if path.suffix.lower() in EXCHANGE_SUFFIXES:
                # imported here, not at the top: REFI-QDA exchange (and the xlsx writer it
                # brings) costs every plain import half a second of start-up otherwise
                from qualcode.exchange import import_exchange_file

                got = import_exchange_file(project, path, groups=opts["groups"])
                outcomes.append(_exchange_outcome(got))
            else:
                outcome = import_one(
                    project,
                    path,
                    kind=opts["kind"],
                    participants=opts["participants"],
                    language=opts["language"],
                    title=opts["title"],
                    date=opts["date"],
                    annotate=False,
                )
                outcomes.append(outcome)
                if annotator is not None and outcome.status == "imported" and outcome.document_id:
                    annotator.add(outcome.document_id, outcome.words)
        except QualcodeError as exc:
            outcomes.append(
                ImportOutcome(path=str(path), status="failed", message=str(exc), hint=exc.hint)
            )
    progress(total, total, "")
    return outcomes


def import_one(
    project: Project,
    path: Path,
    *,
    kind: str | None = None,
    participants: list[str] | None = None,
    language: str | None = None,
    title: str | None = None,
    date: dt.date | None = None,
    annotate: bool = True,
) -> ImportOutcome:
    """Import one file: everything is parsed and checked before the transaction opens."""
    data = read_source(path)
    sha = hashlib.sha256(data).hexdigest()
    with project.session() as s:
        twin = s.exec(select(Document.id, Document.title).where(Document.sha256 == sha)).first()
    if twin is not None:
        return ImportOutcome(
            path=str(path),
            status="duplicate",
            document_id=twin[0],
            title=twin[1],
            message=f"{path}: already imported as {twin[1]!r} (document {twin[0]}); nothing added",
            hint=(
                f"To correct that document's text: "
                f"qualcode documents edit {twin[0]} --text-file FILE"
            ),
        )
    parsed = parse_bytes(str(path), data)
    return store_parsed(
        project,
        parsed,
        source_name=path.name,
        sha256=sha,
        kind=kind,
        participants=participants,
        language=language,
        title=title,
        date=date,
        path_label=str(path),
        annotate=annotate,
    )


def store_parsed(
    project: Project,
    parsed: ParsedDocument,
    *,
    source_name: str,
    sha256: str,
    kind: str | None = None,
    participants: list[str] | None = None,
    language: str | None = None,
    title: str | None = None,
    date: dt.date | None = None,
    path_label: str | None = None,
    annotate: bool = True,
) -> ImportOutcome:
    """Store a parsed document with its turns and speaker links in one transaction.

    With ``annotate`` (the default) the NLP annotation (tokens, sentences) is computed before
    the transaction and stored in it, so a document is never half-annotated and other
    writers wait only for the storing; ``annotate=False`` leaves it for
    ``qualcode.nlp.store.annotate_missing`` (the import benchmark measures both).
    """
    label = path_label or source_name
    chosen_language = language or parsed.metadata.get("language") or detect_language(parsed.text)
    annotation = None
    if annotate:
        # spaCy runs before the transaction: the write lock is held only for storing.
        from qualcode.nlp.pipeline import annotate_text

        annotation = annotate_text(parsed.text, chosen_language)
    with project.transaction("import") as s:
        named = [resolve_participant(s, name) for name in participants or []]
        candidates = named or list(s.exec(select(Participant)))
        sole = named[0] if len(named) == 1 else None
        links: dict[str, Any] = {}
        for turn in parsed.turns:
            if turn.speaker not in links:
                links[turn.speaker] = link_speaker(turn.speaker, candidates, sole)
        chosen_kind = kind or ("interview" if parsed.turns else "document")
        doc = Document(
            title=_unique_title(
                s, title or parsed.title or heading_title(parsed) or Path(source_name).stem
            ),
            kind=chosen_kind,
            source_name=source_name,
            sha256=sha256,
            text=parsed.text,
            date=date,
            language=chosen_language,
            word_count=count_words(parsed.text),
            meta=dict(parsed.metadata),
        )
        s.add(doc)
        s.flush()
        assert doc.id is not None
        linked_ids = {p.id for p in named}
        for link in links.values():
            if link.participant is not None:
                linked_ids.add(link.participant.id)
        for pid in sorted(i for i in linked_ids if i is not None):
            s.add(DocumentParticipant(document_id=doc.id, participant_id=pid))
        turn_rows = [
            {
                "document_id": doc.id,
                "ordinal": n,
                "speaker": t.speaker,
                "participant_id": (
                    links[t.speaker].participant.id if links[t.speaker].participant else None
                ),
                "start": t.start,
                "end": t.end,
                "media_start": t.media_start,
                "media_end": t.media_end,
            }
            for n, t in enumerate(parsed.turns)
        ]
        if turn_rows:  # one Core executemany: ORM objects cost ~0.7 ms a turn
            s.connection().execute(insert(Turn), turn_rows)
        if annotation is not None:
            from qualcode.nlp.pipeline import NLP_VERSION
            from qualcode.nlp.store import store_annotation

            store_annotation(s, doc.id, annotation)
            doc.nlp_version = NLP_VERSION
        log_event(s, "", f"import {doc.title} ({Path(label).name})", "import")
        outcome = ImportOutcome(
            path=label,
            status="imported",
            document_id=doc.id,
            title=doc.title,
            words=doc.word_count,
            turns=len(parsed.turns),
            message=f"{label}: imported as {doc.title!r} ({doc.word_count} words, "
            f"{len(parsed.turns)} turns)",
            speaker_links=[
                SpeakerLinkDict(
                    speaker=link.speaker,
                    participant=link.participant.name if link.participant else None,
                    method=link.method,
                    score=round(link.score, 1),
                )
                for link in links.values()
            ],
        )
    return outcome
