"""Importing source files: parse, link speakers to participants, store — one file, one
transaction, so a bad file never leaves half a document behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from qualcode.audit import log_event_with
from qualcode.errors import ImportFormatError, QualcodeError
from qualcode.formats import EXCHANGE_SUFFIXES, parse_bytes
from qualcode.formats.parsed import ParsedDocument
from qualcode.naming import unique_name
from qualcode.nlp.annotating import Annotator, helper_wanted
from qualcode.nlp.language import detect_language
from qualcode.participants import PersonRow, SpeakerLink, link_speaker, read_people, resolve_person
from qualcode.progress import Progress, no_progress
from qualcode.store.light_write import Writer, WriteTarget, as_write_target
from qualcode.vocabulary import DOCUMENT_KINDS, new_guid, utcnow

if TYPE_CHECKING:
    # The ORM is not imported here: an import of plain files into a current SQLite project
    # runs on ``store.light_write`` (sqlite3 alone); a full ``db.Project`` (either backend)
    # goes through ``store.writer``, with the same statements.
    from qualcode.db import Project
    from qualcode.exchange import ExchangeOutcome

MAX_FILE_BYTES = 200 * 1024 * 1024
_TURN_COLUMNS = (
    "document_id", "ordinal", "speaker", "participant_id", "start", "end", "media_start",
    "media_end",
)  # fmt: skip
_INSERT_DOCUMENT = (
    "INSERT INTO document (title, kind, source_name, sha256, text, date, language, word_count,"
    " meta, nlp_version, guid, created) VALUES (:title, :kind, :source_name, :sha256, :text,"
    " :date, :language, :word_count, :meta, :nlp_version, :guid, :created) RETURNING id"
)


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


def _unique_title(writer: Writer, wanted: str) -> str:
    return unique_name(wanted, [title for (title,) in writer.rows("SELECT title FROM document")])


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
    project: Project | WriteTarget,
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
    target = as_write_target(project)
    annotator = Annotator(target, annotate and helper_wanted(_total_bytes(paths)), progress)
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
    project: Project | WriteTarget,
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

                if isinstance(project, WriteTarget):
                    raise QualcodeError(
                        f"{path}: a REFI-QDA file needs the project opened in full",
                        "Import it on its own: `qualcode import FILE.qdpx`.",
                    )
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
    project: Project | WriteTarget,
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
    target = as_write_target(project)
    with target.reading() as reader:
        found = reader.rows("SELECT id, title FROM document WHERE sha256 = :sha", {"sha": sha})
    if found:
        return _duplicate(path, found[0][0], found[0][1], "already imported as")
    parsed = parse_bytes(str(path), data)
    # The same interview saved again (another encoding, line endings, a byte-order mark)
    # has other bytes but the same text once decoded and normalised: a second copy would
    # split its codings between two documents.
    with target.reading() as reader:
        found = reader.rows(
            "SELECT id, title FROM document WHERE length(text) = :n AND text = :text",
            {"n": len(parsed.text), "text": parsed.text},
        )
    if found:
        return _duplicate(path, found[0][0], found[0][1], "has the same text as")
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


def _duplicate(path: Path, doc_id: int, title: str, how: str) -> ImportOutcome:
    return ImportOutcome(
        path=str(path),
        status="duplicate",
        document_id=doc_id,
        title=title,
        message=f"{path}: {how} {title!r} (document {doc_id}); nothing added",
        hint=f"To correct that document's text: qualcode documents edit {doc_id} --text-file FILE",
    )


def store_parsed(
    project: Project | WriteTarget,
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
    built = None
    if annotate:
        # annotated before the transaction: the write lock is held only for storing
        from qualcode.nlp.pipeline import annotate_text
        from qualcode.nlp.worker import built_from

        built = built_from(0, annotate_text(parsed.text, chosen_language))  # id: once stored
    name = title or parsed.title or heading_title(parsed) or Path(source_name).stem
    with as_write_target(project).writing("import") as writer:
        people = read_people(writer)
        named = [resolve_person(people, name) for name in participants or []]
        candidates = named or people
        sole = named[0] if len(named) == 1 else None
        links: dict[str, SpeakerLink[PersonRow]] = {}
        for turn in parsed.turns:
            if turn.speaker not in links:
                links[turn.speaker] = link_speaker(turn.speaker, candidates, sole)
        words = count_words(parsed.text)
        doc_title = _unique_title(writer, name)
        doc_id = writer.insert_id(
            _INSERT_DOCUMENT,
            {
                "title": doc_title, "kind": kind or ("interview" if parsed.turns else "document"),
                "source_name": source_name, "sha256": sha256, "text": parsed.text, "date": date,
                "language": chosen_language, "word_count": words, "meta": dict(parsed.metadata),
                "nlp_version": None, "guid": new_guid(), "created": utcnow(),
            },
        )  # fmt: skip
        linked = {p.id for p in named} | {
            link.participant.id for link in links.values() if link.participant is not None
        }
        writer.insert_rows(
            "document_participant",
            ("document_id", "participant_id"),
            [(doc_id, pid) for pid in sorted(linked)],
        )
        writer.insert_rows("turn", _TURN_COLUMNS, _turn_rows(doc_id, parsed, links))
        if built is not None:
            from qualcode.nlp.store import store_built

            built.document_id = doc_id
            store_built(writer, [built])
        log_event_with(writer, "", f"import {doc_title} ({Path(label).name})", "import")
    return ImportOutcome(
        path=label,
        status="imported",
        document_id=doc_id,
        title=doc_title,
        words=words,
        turns=len(parsed.turns),
        message=f"{label}: imported as {doc_title!r} ({words} words, {len(parsed.turns)} turns)",
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


def _turn_rows(
    doc_id: int, parsed: ParsedDocument, links: dict[str, SpeakerLink[PersonRow]]
) -> list[tuple[Any, ...]]:
    """The turn rows of a document, each linked to its speaker's participant (or none)."""
    rows: list[tuple[Any, ...]] = []
    for n, t in enumerate(parsed.turns):
        person = links[t.speaker].participant
        pid = person.id if person is not None else None
        rows.append((doc_id, n, t.speaker, pid, t.start, t.end, t.media_start, t.media_end))
    return rows
