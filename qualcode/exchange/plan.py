"""Planning an import: every source text read and every selection placed (or said why not)
before anything is written, so a bad archive leaves the project as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from qualcode.errors import ImportFormatError
from qualcode.exchange.archive import Archive, unsafe_member_name
from qualcode.exchange.positions import UNITS, PositionUnit, SourceText, choose_unit, reanchor
from qualcode.exchange.summary import ImportSummary
from qualcode.exchange.transcripts import link_transcripts, place_sync_points, skip_sync_points
from qualcode.formats import qdpx
from qualcode.formats.qdpx import QNote, QProject, QSelection, QSource
from qualcode.formats.text import decode_text, normalise

# Marks an export whose positions are UTF-16 code units over CRLF text (``--for nvivo``).
UTF16_ORIGIN_MARK = "positions: UTF-16 code units"


@dataclass
class PlannedCoding:
    guid: str
    code_guid: str
    start: int
    end: int
    memo: str
    user: str | None
    created: dt.datetime | None
    note_refs: list[str]
    selection_guid: str


@dataclass
class PlannedDocument:
    source: QSource
    text: str
    raw_bytes_sha: str
    codings: list[PlannedCoding] = field(default_factory=list)
    # A transcript's sync points: (offset into ``text``, seconds), for the turns' times.
    sync_points: list[tuple[int, float]] = field(default_factory=list)


def _internal_member(path: str | None) -> str | None:
    """``internal://x.txt`` -> ``x.txt``; other schemes (relative://, absolute) -> None."""
    if not path:
        return None
    if path.startswith("internal://"):
        return path[len("internal://") :]
    if "://" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return None
    return path


def _inline(raw: str) -> tuple[SourceText, str]:
    return SourceText(raw, raw.startswith("\ufeff")), hashlib.sha256(
        raw.encode("utf-8")
    ).hexdigest()


def source_text(
    archive: Archive, src: QSource, summary: ImportSummary
) -> tuple[SourceText, str] | None:
    """The text of a source and the sha256 of its bytes; None (reported) if it has none."""
    if src.inline_text is not None and not src.text_path:
        return _inline(src.inline_text)
    member_name = _internal_member(src.text_path)
    if member_name is not None and unsafe_member_name(member_name):
        raise ImportFormatError(
            str(archive.path),
            f"source {src.name!r} names its text {src.text_path!r}, outside the archive",
            "The archive is damaged or hostile; nothing was imported.",
        )
    member = archive.find(member_name) if member_name else None
    if member is None and member_name is None and src.text_path:
        # A path outside the archive: try the file name inside Sources/ before giving up.
        member = archive.find("Sources/" + PurePosixPath(src.text_path.replace("\\", "/")).name)
    if member is None:
        if src.inline_text is not None:
            return _inline(src.inline_text)
        summary.missing_sources.append(
            f"{src.name!r} ({src.guid}): its text {src.text_path!r} is not in "
            f"{archive.label}{' or its Sources/ folder' if archive.label.endswith('.qde') else ''}"
        )
        return None
    data = archive.read(member)
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        summary.warnings.append(f"source {src.name!r} ({src.guid}) is empty; skipped")
        return None
    had_bom = data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    raw, _encoding = decode_text(f"{archive.label}:{member}", data)
    return SourceText(raw, had_bom), sha


def _unplace_all(src: QSource, summary: ImportSummary) -> None:
    for sel in src.selections:
        for coding in sel.codings:
            summary.unplaced.append(
                {
                    "guid": sel.guid,
                    "coding_guid": coding.guid,
                    "source": src.name,
                    "reason": "the source has no text in the archive",
                }
            )


def _choose(
    qp: QProject, loaded: list[tuple[QSource, SourceText, str]]
) -> tuple[PositionUnit, str]:
    if qp.origin.startswith(qdpx.ORIGIN):
        if UTF16_ORIGIN_MARK in qp.origin:
            return PositionUnit(utf16=True), "written by qualcode for NVivo (UTF-16, CRLF)"
        return UNITS[0], "written by qualcode, which counts code points"
    # NVivo counts UTF-16 code units over its CRLF text (verified in NVivo 12.6's files).
    prefer = PositionUnit(utf16=True) if "nvivo" in qp.origin.lower() else None
    return choose_unit([(st, src.selections) for src, st, _ in loaded], prefer)


def _placement(
    st: SourceText, sel: QSelection, unit: PositionUnit
) -> tuple[int, int, str | None, str | None]:
    """(start, end, why unplaced, why adjusted) for one selection."""
    if sel.problem:
        return 0, 0, sel.problem, None
    s = st.convert(sel.start, unit)
    e = st.convert(sel.end, unit)
    if sel.start < 0 or sel.end < 0:
        return 0, 0, f"positions {sel.raw_start!r}-{sel.raw_end!r} are not numbers", None
    if s is None or e is None:
        return (
            0,
            0,
            f"positions {sel.start}-{sel.end} do not fall on characters of the "
            f"{len(st.text)}-character text (counted as {unit.describe()})",
            None,
        )
    if s >= e:
        return 0, 0, f"positions {sel.start}-{sel.end} make an empty selection", None
    moved = reanchor(st.text, s, e, sel.name)
    if moved is not None:
        return moved[0], moved[1], None, "moved to where its text is"
    if (s, e) != (sel.start, sel.end):
        return s, e, None, f"converted from {unit.describe()} / source newlines"
    return s, e, None, None


def _plan_selection(
    plan: PlannedDocument,
    sel: QSelection,
    st: SourceText,
    unit: PositionUnit,
    code_guids: set[str],
    summary: ImportSummary,
) -> None:
    src = plan.source
    s, e, reason, adjusted_why = _placement(st, sel, unit)
    for coding in sel.codings:
        why = reason
        if why is None and coding.code_guid not in code_guids:
            why = f"code {coding.code_guid} is not in the codebook"
        if why is not None:
            summary.unplaced.append(
                {
                    "guid": sel.guid,
                    "coding_guid": coding.guid,
                    "source": src.name,
                    "start": sel.start,
                    "end": sel.end,
                    "reason": why,
                }
            )
            continue
        if adjusted_why:
            summary.adjusted.append(
                {
                    "guid": sel.guid,
                    "coding_guid": coding.guid,
                    "source": src.name,
                    "to": [s, e],
                    "reason": adjusted_why,
                }
            )
        plan.codings.append(
            PlannedCoding(
                guid=coding.guid,
                code_guid=coding.code_guid,
                start=s,
                end=e,
                memo=sel.description.strip(),
                user=coding.creating_user or sel.creating_user or src.creating_user,
                created=coding.created or sel.created,
                note_refs=[*sel.note_refs, *coding.note_refs],
                selection_guid=sel.guid,
            )
        )


def plan_import(qp: QProject, archive: Archive, summary: ImportSummary) -> list[PlannedDocument]:
    """Read every source and place every selection, before anything is written."""
    code_guids = {c.guid for c, _ in qdpx.flatten_codes(qp.codes)}
    link_transcripts(qp)
    loaded: list[tuple[QSource, SourceText, str]] = []
    for src in qp.sources:
        got = source_text(archive, src, summary)
        if got is None:
            _unplace_all(src, summary)
            if src.sync_points:
                skip_sync_points(summary, src, "of a transcript without its text")
            continue
        loaded.append((src, got[0], got[1]))
    unit, evidence = _choose(qp, loaded)
    summary.position_unit = unit.describe()
    summary.position_evidence = evidence
    plans: list[PlannedDocument] = []
    for src, st, sha in loaded:
        plan = PlannedDocument(source=src, text=st.text, raw_bytes_sha=sha)
        plan.sync_points = place_sync_points(src, st, unit, summary)
        for coding in src.codings:
            summary.warnings.append(
                f"source {src.name!r}: coding {coding.guid} of the whole source was made a "
                "coding of the whole text"
            )
            src.selections.append(
                QSelection(guid=coding.guid, start=0, end=len(st.raw), codings=[coding])
            )
        for sel in src.selections:
            if sel.codings:
                _plan_selection(plan, sel, st, unit, code_guids, summary)
        plans.append(plan)
    summary.codings_unplaced = len(summary.unplaced)
    summary.codings_adjusted = len(summary.adjusted)
    return plans


def note_text(archive: Archive, note: QNote, summary: ImportSummary) -> str | None:
    """A note's text (inline or from the archive); None, reported, if it is missing."""
    if note.inline_text is not None and not note.text_path:
        return note.inline_text
    member_name = _internal_member(note.text_path)
    member = archive.find(member_name) if member_name else None
    if member is None:
        if note.inline_text is not None:
            return note.inline_text
        summary.warnings.append(
            f"note {note.guid}: its text {note.text_path!r} is not in the archive; skipped"
        )
        return None
    data = archive.read(member)
    if not data:
        return ""
    text, _encoding = decode_text(f"{archive.label}:{member} (note)", data)
    return normalise(text)
