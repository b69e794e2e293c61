"""Exchange with other QDA tools: REFI-QDA (.qdpx) export and import, and a CSV of codings.

Import is liberal in what it reads and says what it did: positions counted in UTF-16 units
or with CRLF as two characters are detected and converted, selections that cannot be placed
are listed by GUID, never dropped silently. It is also careful with someone else's archive:
nothing is extracted to disk, member names that climb out of the archive are refused, sizes
and member counts are bounded, and the XML parser refuses DOCTYPEs. Everything is read and
checked before one transaction writes, so a bad archive leaves the project as it was.

Export is a research-team exchange, but consent still rules: a participant who is not
``named`` appears only as ``participants.attribution`` allows — in cases, in source texts,
titles, notes and the CSV. Names are replaced in the text and coding offsets are moved with
them, so the other tool sees the same passages coded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

import qualcode
from qualcode.db import Project
from qualcode.errors import ExportError, ImportFormatError, QualcodeError
from qualcode.formats import qdpx
from qualcode.formats.qdpx import QCase, QCoding, QNote, QProject, QSelection, QSource
from qualcode.formats.text import decode_text, normalise
from qualcode.formats.turns import detect_turns
from qualcode.importing import ImportOutcome, _unique_title
from qualcode.models import (
    CONSENTS,
    Code,
    Coder,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    Quote,
    Turn,
    new_guid,
    utcnow,
)
from qualcode.naming import fold
from qualcode.participants import attribution, link_speaker, pseudonym
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import atomic_write_bytes, atomic_writer

# Limits on a .qdpx archive (someone else's file): members, sizes, compression ratio.
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024
IMPORT_CODER = "import"


# =========================================================================== archive safety


def _unsafe_member_name(name: str) -> bool:
    """True for names that would land outside a target folder if extracted (zip-slip)."""
    if not name or "\x00" in name:
        return True
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return True
    return any(part == ".." for part in unified.split("/"))


class SafeArchive:
    """A zip read in memory only, after its names, count and sizes were checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError as exc:
            raise ImportFormatError(str(path), "no such file") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportFormatError(
                str(path),
                "is not a zip archive (a .qdpx file is one)",
                "Export the project again from the other tool as REFI-QDA (.qdpx).",
            ) from exc
        self.budget = MAX_TOTAL_BYTES
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            self.close()
            raise ImportFormatError(
                str(path),
                f"holds {len(infos)} files; qualcode reads at most {MAX_MEMBERS}",
                "This is not an ordinary REFI-QDA archive; check where it came from.",
            )
        declared = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if _unsafe_member_name(info.filename):
                self.close()
                raise ImportFormatError(
                    str(path),
                    f"member {info.filename!r} points outside the archive (zip-slip)",
                    "The archive is damaged or hostile; nothing was imported.",
                )
            if info.flag_bits & 0x1:
                self.close()
                raise ImportFormatError(str(path), f"member {info.filename!r} is encrypted")
            declared += info.file_size
            if info.file_size > MAX_MEMBER_BYTES or declared > MAX_TOTAL_BYTES:
                self.close()
                raise ImportFormatError(
                    str(path),
                    "unpacks to more than qualcode accepts "
                    f"({MAX_MEMBER_BYTES // 2**20} MB a file, {MAX_TOTAL_BYTES // 2**20} MB "
                    "in all)",
                    "This looks like a zip bomb or a very large media archive.",
                )
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                self.close()
                raise ImportFormatError(
                    str(path),
                    f"member {info.filename!r} is compressed more than {MAX_RATIO}:1 (a zip bomb?)",
                    "Nothing was imported.",
                )
            if not info.is_dir():
                self.members[info.filename.replace("\\", "/")] = info

    def close(self) -> None:
        self.zip.close()

    def find(self, name: str) -> str | None:
        """The member called ``name`` (exact, then case-insensitive, then by base name)."""
        name = name.replace("\\", "/").lstrip("/")
        if name in self.members:
            return name
        lowered = {m.lower(): m for m in self.members}
        if name.lower() in lowered:
            return lowered[name.lower()]
        base = PurePosixPath(name).name.lower()
        hits = [m for m in self.members if PurePosixPath(m).name.lower() == base]
        return hits[0] if len(hits) == 1 else None

    def read(self, member: str) -> bytes:
        """A member's bytes, read in chunks so a lying header cannot blow the memory."""
        info = self.members[member]
        limit = min(MAX_MEMBER_BYTES, self.budget)
        out = io.BytesIO()
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    if out.tell() > limit:
                        raise ImportFormatError(
                            str(self.path),
                            f"member {member!r} unpacks to more than its header says or "
                            "qualcode accepts (a zip bomb?)",
                            "Nothing was imported.",
                        )
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # CRC, truncation
            raise ImportFormatError(str(self.path), f"member {member!r} is damaged: {exc}") from exc
        except RuntimeError as exc:  # encrypted or unsupported
            raise ImportFormatError(str(self.path), f"member {member!r}: {exc}") from exc
        self.budget -= out.tell()
        return out.getvalue()

    def project_member(self) -> tuple[str, list[str]]:
        """The one ``.qde`` file (any name, any folder), with notes about the choice."""
        qde = [m for m in self.members if m.lower().endswith(".qde")]
        if not qde:
            raise ImportFormatError(
                str(self.path),
                "holds no .qde project file",
                "A REFI-QDA archive has project.qde at its root; was this exported as .qdpx?",
            )
        if len(qde) == 1:
            notes = [] if qde[0] == "project.qde" else [f"project file read from {qde[0]!r}"]
            return qde[0], notes
        if "project.qde" in qde:
            others = ", ".join(m for m in qde if m != "project.qde")
            return "project.qde", [f"several .qde files; read project.qde, ignored {others}"]
        raise ImportFormatError(
            str(self.path),
            f"holds {len(qde)} .qde files ({', '.join(sorted(qde)[:5])}); which one is the "
            "project is unclear",
            "Keep one .qde file in the archive.",
        )


# =========================================================================== positions


def normalise_with_map(raw: str) -> tuple[str, list[int]]:
    """``normalise(raw)`` and a map from every raw index (0..len) to a normalised index."""
    if normalise(raw) == raw:  # the usual case: nothing moves
        return raw, range(len(raw) + 1)  # type: ignore[return-value]
    out: list[str] = []
    m1: list[int] = []
    other_breaks = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        m1.append(len(out))
        if ch in "\ufeff\x00":
            pass
        elif ch == "\r":
            if i + 1 < n and raw[i + 1] == "\n":
                m1.append(len(out))
                i += 1
            out.append("\n")
        elif ch in other_breaks:
            out.append("\n")
        else:
            out.append(ch)
        i += 1
    m1.append(len(out))
    text1 = "".join(out)
    if unicodedata.is_normalized("NFC", text1):
        result, mapping = text1, m1
    else:
        pieces: list[str] = []
        m2 = [0] * (len(text1) + 1)
        pos = 0
        j = 0
        while j < len(text1):
            k = j + 1
            while k < len(text1) and unicodedata.combining(text1[k]):
                k += 1
            composed = unicodedata.normalize("NFC", text1[j:k])
            for x in range(j, k):
                m2[x] = pos
            pieces.append(composed)
            pos += len(composed)
            j = k
        m2[len(text1)] = pos
        result = "".join(pieces)
        mapping = [m2[x] for x in m1]
    if result != normalise(raw):  # exotic compositions: fall back to the plain form
        result = normalise(raw)
        mapping = [min(x, len(result)) for x in mapping]
    return result, mapping


@dataclass(frozen=True)
class PositionUnit:
    """How another tool counted: code points or UTF-16 units, CRLF as one or two, BOM or not."""

    utf16: bool = False
    crlf_as_one: bool = False
    bom_counted: bool = False

    def describe(self) -> str:
        parts = ["UTF-16 code units" if self.utf16 else "Unicode code points"]
        if self.crlf_as_one:
            parts.append("CRLF counted as one character")
        if self.bom_counted:
            parts.append("the byte-order mark counted as a character")
        return ", ".join(parts)


# How much better another counting unit must place the selections than code points.
MIN_UNIT_MARGIN = 2
UNITS = [
    PositionUnit(),
    PositionUnit(crlf_as_one=True),
    PositionUnit(utf16=True),
    PositionUnit(utf16=True, crlf_as_one=True),
    PositionUnit(bom_counted=True),
    PositionUnit(crlf_as_one=True, bom_counted=True),
    PositionUnit(utf16=True, bom_counted=True),
    PositionUnit(utf16=True, crlf_as_one=True, bom_counted=True),
]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class SourceText:
    """A source's raw text and its stored form, with position converters for each unit."""

    def __init__(self, raw: str, had_bom: bool) -> None:
        self.raw = raw
        self.had_bom = had_bom
        self.text, self.to_text = normalise_with_map(raw)
        self.has_astral = _ASTRAL.search(raw) is not None
        self.has_crlf = "\r\n" in raw
        self._cache: dict[PositionUnit, dict[int, int]] = {}

    def relevant(self, unit: PositionUnit) -> bool:
        """Units that differ from code points only where this text gives them a chance."""
        return (
            (not unit.utf16 or self.has_astral)
            and (not unit.crlf_as_one or self.has_crlf)
            and (not unit.bom_counted or self.had_bom)
        )

    def _table(self, unit: PositionUnit) -> dict[int, int]:
        table = self._cache.get(unit)
        if table is None:
            table = {}
            u = 1 if unit.bom_counted else 0
            raw = self.raw
            for i, ch in enumerate(raw):
                table.setdefault(u, i)
                if unit.crlf_as_one and ch == "\r" and raw[i + 1 : i + 2] == "\n":
                    continue
                u += 2 if unit.utf16 and ord(ch) > 0xFFFF else 1
            table.setdefault(u, len(raw))
            self._cache[unit] = table
        return table

    def convert(self, position: int, unit: PositionUnit) -> int | None:
        """The stored-text index of a position counted in ``unit``; None if it has none."""
        if position < 0:
            return None
        if unit == UNITS[0]:
            return self.to_text[position] if position <= len(self.raw) else None
        raw_index = self._table(unit).get(position)
        return None if raw_index is None else self.to_text[raw_index]


def _is_boundary(text: str, pos: int) -> bool:
    if pos <= 0 or pos >= len(text):
        return True
    return not (text[pos - 1].isalnum() and text[pos].isalnum())


def _name_text(name: str) -> str:
    """A selection's ``name`` as comparable text: squashed spaces, no trailing ellipsis."""
    return _squash(normalise(name).strip().rstrip("…").removesuffix("...").strip())


def _squash(text: str) -> str:
    return " ".join(text.split())


def _names_match(got: str, wanted: str) -> bool:
    got = _squash(got)
    return got == wanted or (len(wanted) >= 8 and got.startswith(wanted))


def _score(src: SourceText, selections: list[QSelection], unit: PositionUnit) -> int:
    score = 0
    for sel in selections:
        s = src.convert(sel.start, unit)
        e = src.convert(sel.end, unit)
        if s is None or e is None or s >= e:
            score -= 20
            continue
        score += _is_boundary(src.text, s) + _is_boundary(src.text, e)
        wanted = _name_text(sel.name)
        if len(wanted) >= 4 and _names_match(src.text[s:e], wanted):
            score += 5
    return score


def choose_unit(sources: list[tuple[SourceText, list[QSelection]]]) -> tuple[PositionUnit, str]:
    """The counting unit that places the selections best (code points when in doubt)."""
    candidates = [u for u in UNITS if any(src.relevant(u) for src, _ in sources)]
    if len(candidates) <= 1:
        return UNITS[0], "no text where the counting unit matters"
    scores = {u: sum(_score(src, sels, u) for src, sels in sources) for u in candidates}
    best = max(candidates, key=lambda u: (scores[u], -candidates.index(u)))
    if scores[best] < scores[UNITS[0]] + MIN_UNIT_MARGIN:  # the standard's unit unless clearly not
        best = UNITS[0]
    why = ", ".join(f"{u.describe()}: {scores[u]}" for u in candidates)
    return best, f"placement scores ({why})"


# =========================================================================== import


@dataclass
class _PlannedCoding:
    guid: str
    code_guid: str
    start: int
    end: int
    memo: str
    user: str | None
    created: Any
    note_refs: list[str]
    selection_guid: str


@dataclass
class _PlannedDocument:
    source: QSource
    text: str
    raw_bytes_sha: str
    codings: list[_PlannedCoding] = field(default_factory=list)


@dataclass
class ImportSummary:
    """What an import did, for the person who ran it (also ``ImportOutcome.details``)."""

    documents: int = 0
    documents_existing: int = 0
    codes_created: int = 0
    codes_matched: int = 0
    codings_placed: int = 0
    codings_adjusted: int = 0
    codings_unplaced: int = 0
    codings_already_present: int = 0
    cases: int = 0
    notes: int = 0
    coders: int = 0
    position_unit: str = "Unicode code points"
    position_evidence: str = ""
    origin: str = ""
    unplaced: list[dict[str, Any]] = field(default_factory=list)
    adjusted: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "documents_existing": self.documents_existing,
            "codes_created": self.codes_created,
            "codes_matched": self.codes_matched,
            "codings_placed": self.codings_placed,
            "codings_adjusted": self.codings_adjusted,
            "codings_unplaced": self.codings_unplaced,
            "codings_already_present": self.codings_already_present,
            "cases": self.cases,
            "notes": self.notes,
            "coders": self.coders,
            "position_unit": self.position_unit,
            "position_evidence": self.position_evidence,
            "origin": self.origin,
            "unplaced": self.unplaced,
            "adjusted": self.adjusted,
            "warnings": self.warnings,
        }


def _internal_member(path: str | None) -> str | None:
    """``internal://x.txt`` -> ``x.txt``; other schemes (relative://, absolute) -> None."""
    if not path:
        return None
    if path.startswith("internal://"):
        return path[len("internal://") :]
    if "://" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return None
    return path


def _decode_member(archive: SafeArchive, member: str, what: str) -> tuple[str, bool]:
    data = archive.read(member)
    if not data:
        return "", False
    had_bom = data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    text, _encoding = decode_text(f"{archive.label}:{member} ({what})", data)
    return text, had_bom


def _source_text(
    archive: SafeArchive, src: QSource, summary: ImportSummary
) -> tuple[SourceText, str] | None:
    """The text of a source and the sha256 of its bytes; None (reported) if it has none."""
    if src.inline_text is not None and not src.text_path:
        raw = src.inline_text
        return SourceText(raw, raw.startswith("\ufeff")), hashlib.sha256(
            raw.encode("utf-8")
        ).hexdigest()
    member_name = _internal_member(src.text_path)
    if member_name is not None and _unsafe_member_name(member_name):
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
            raw = src.inline_text
            return SourceText(raw, False), hashlib.sha256(raw.encode("utf-8")).hexdigest()
        summary.warnings.append(
            f"source {src.name!r} ({src.guid}): its text {src.text_path!r} is not in the "
            "archive; skipped"
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


def _reanchor(text: str, start: int, end: int, name: str) -> tuple[int, int] | None:
    """Where a selection's own text (its ``name``) is, nearest to where it was said to be."""
    wanted = _name_text(name)
    if len(wanted) < 8 or _names_match(text[start:end], wanted):
        return None
    hits = [m.start() for m in re.finditer(re.escape(wanted), text)]
    if not hits:
        return None
    best = min(hits, key=lambda h: abs(h - start))
    length = max(end - start, len(wanted))
    if not name.strip().endswith(("…", "...")):
        length = len(wanted)
    return best, min(best + length, len(text))


def plan_import(
    project_xml: QProject, archive: SafeArchive, summary: ImportSummary
) -> list[_PlannedDocument]:
    """Read every source and place every selection, before anything is written."""
    code_guids = {c.guid for c, _ in qdpx.flatten_codes(project_xml.codes)}
    loaded: list[tuple[QSource, SourceText, str]] = []
    for src in project_xml.sources:
        got = _source_text(archive, src, summary)
        if got is None:
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
            continue
        loaded.append((src, got[0], got[1]))
    if project_xml.origin.startswith(qdpx.ORIGIN):
        unit, evidence = UNITS[0], "written by qualcode, which counts code points"
    else:
        unit, evidence = choose_unit([(st, src.selections) for src, st, _ in loaded])
    summary.position_unit = unit.describe()
    summary.position_evidence = evidence
    plans: list[_PlannedDocument] = []
    for src, st, sha in loaded:
        plan = _PlannedDocument(source=src, text=st.text, raw_bytes_sha=sha)
        for coding in src.codings:
            summary.warnings.append(
                f"source {src.name!r}: coding {coding.guid} of the whole source was made a "
                "coding of the whole text"
            )
            sel = QSelection(guid=coding.guid, start=0, end=len(st.raw), codings=[coding])
            src.selections.append(sel)
        for sel in src.selections:
            if not sel.codings:
                continue
            s = st.convert(sel.start, unit)
            e = st.convert(sel.end, unit)
            reason = None
            if sel.start < 0 or sel.end < 0:
                reason = f"positions {sel.raw_start!r}-{sel.raw_end!r} are not numbers"
            elif s is None or e is None:
                reason = (
                    f"positions {sel.start}-{sel.end} do not fall on characters of the "
                    f"{len(st.text)}-character text (counted as {unit.describe()})"
                )
            elif s >= e:
                reason = f"positions {sel.start}-{sel.end} make an empty selection"
            adjusted_why = None
            if reason is None:
                assert s is not None and e is not None
                moved = _reanchor(st.text, s, e, sel.name)
                if moved is not None:
                    s, e = moved
                    adjusted_why = "moved to where its text is"
                elif (s, e) != (sel.start, sel.end):
                    adjusted_why = f"converted from {unit.describe()} / source newlines"
            memo = sel.description.strip()
            for coding in sel.codings:
                if reason is None and coding.code_guid not in code_guids:
                    this_reason = f"code {coding.code_guid} is not in the codebook"
                else:
                    this_reason = reason
                if this_reason is not None:
                    summary.unplaced.append(
                        {
                            "guid": sel.guid,
                            "coding_guid": coding.guid,
                            "source": src.name,
                            "start": sel.start,
                            "end": sel.end,
                            "reason": this_reason,
                        }
                    )
                    continue
                assert s is not None and e is not None
                if adjusted_why:
                    summary.adjusted.append(
                        {
                            "guid": sel.guid,
                            "coding_guid": coding.guid,
                            "source": src.name,
                            "from": [sel.start, sel.end],
                            "to": [s, e],
                            "reason": adjusted_why,
                        }
                    )
                plan.codings.append(
                    _PlannedCoding(
                        guid=coding.guid,
                        code_guid=coding.code_guid,
                        start=s,
                        end=e,
                        memo=memo,
                        user=coding.creating_user or sel.creating_user or src.creating_user,
                        created=coding.created or sel.created,
                        note_refs=[*sel.note_refs, *coding.note_refs],
                        selection_guid=sel.guid,
                    )
                )
        plans.append(plan)
    summary.codings_unplaced = len(summary.unplaced)
    summary.codings_adjusted = len(summary.adjusted)
    return plans


_VARIABLE_ALIASES = {
    "title": "title",
    "titel": "title",
    "stilling": "title",
    "role": "title",
    "organisation": "organisation",
    "organization": "organisation",
    "arbejdssted": "organisation",
    "consent": "consent",
    "samtykke": "consent",
    "pseudonym": "pseudonym",
    "email": "email",
    "e-mail": "email",
    "expertise": "expertise",
    "ekspertise": "expertise",
    "language": "language",
    "sprog": "language",
}


def _case_fields(case: QCase, variables: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in case.variables:
        name = fold(variables.get(value.variable_guid, ""))
        canonical = _VARIABLE_ALIASES.get(name)
        if canonical and value.value.strip():
            out[canonical] = value.value.strip()
    return out


def _note_text(archive: SafeArchive, note: QNote, summary: ImportSummary) -> str | None:
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
    text, _bom = _decode_member(archive, member, "note")
    return text


def import_qdpx(
    project: Project, path: Path, progress: Progress = no_progress, annotate: bool = True
) -> ImportOutcome:
    """Import a REFI-QDA project archive in one transaction and report what happened.

    ``annotate`` stores tokens and sentences with each new document, as every import does.
    """
    summary = ImportSummary()
    archive = SafeArchive(path)
    try:
        member, notes = archive.project_member()
        summary.warnings.extend(notes)
        progress(0, 3, "reading")
        qp = qdpx.read_project_xml(archive.read(member), f"{path.name}:{member}")
        summary.warnings.extend(qp.warnings)
        summary.origin = qp.origin
        plans = plan_import(qp, archive, summary)
        note_texts = {}
        for note in qp.notes:
            text = _note_text(archive, note, summary)
            if text is not None and text.strip():
                note_texts[note.guid] = normalise(text)
    finally:
        archive.close()
    progress(1, 3, "writing")
    with project.transaction() as s:
        _write_import(s, qp, plans, note_texts, summary, path, annotate)
    progress(3, 3, "done")
    lines = [
        f"{path}: imported {summary.documents} documents"
        + (
            f" ({summary.documents_existing} already in the project)"
            if summary.documents_existing
            else ""
        )
        + f", {summary.codes_created} new codes ({summary.codes_matched} matched), "
        f"{summary.codings_placed} codings placed ({summary.codings_adjusted} adjusted, "
        f"{summary.codings_unplaced} unplaced), {summary.cases} cases, {summary.notes} notes"
    ]
    if summary.position_unit != UNITS[0].describe():
        lines.append(f"  positions were counted in {summary.position_unit}; converted")
    for item in summary.unplaced:
        lines.append(
            f"  unplaced: selection {item['guid']} in {item['source']!r}: {item['reason']}"
        )
    for warning in summary.warnings:
        lines.append(f"  note: {warning}")
    return ImportOutcome(
        path=str(path),
        status="imported",
        document_id=None,
        title=qp.name or path.stem,
        message="\n".join(lines),
        details=summary.as_dict(),
    )


def _coder_for(
    s: Session,
    guid: str | None,
    qp: QProject,
    cache: dict[str | None, Coder],
    summary: ImportSummary,
) -> Coder:
    if guid in cache:
        return cache[guid]
    if guid is None:
        name = IMPORT_CODER
    else:
        name = qp.users.get(guid) or f"user-{guid[:8].lower()}"
    coder = s.exec(select(Coder).where(Coder.name == name)).first()
    if coder is None:
        coder = Coder(name=name)
        if guid and s.exec(select(Coder).where(Coder.guid == guid)).first() is None:
            coder.guid = guid
        s.add(coder)
        s.flush()
        summary.coders += 1
    cache[guid] = coder
    return coder


def _write_import(
    s: Session,
    qp: QProject,
    plans: list[_PlannedDocument],
    note_texts: dict[str, str],
    summary: ImportSummary,
    path: Path,
    annotate: bool = True,
) -> None:
    coder_cache: dict[str | None, Coder] = {}
    for guid in qp.users:
        _coder_for(s, guid, qp, coder_cache, summary)
    # --- codes: match by GUID, then by qualcode key; else create
    existing = list(s.exec(select(Code)))
    by_guid = {c.guid.upper(): c for c in existing}
    by_key = {c.key: c for c in existing}
    taken = set(by_key)
    code_for: dict[str, Code] = {}
    position = max((c.position for c in existing), default=-1) + 1
    new_specs = []
    flat = qdpx.flatten_codes(qp.codes)
    for qcode, _parent in flat:
        _desc, meta = qdpx.code_meta(qcode)
        match = by_guid.get(qcode.guid) or by_key.get(str(meta.get("key", "")) or "\x00")
        if match is not None:
            code_for[qcode.guid] = match
            summary.codes_matched += 1
    unmatched = [q for q, _ in flat if q.guid not in code_for]
    if unmatched:
        specs = {spec.guid: spec for spec in qdpx.codes_to_specs(qp.codes, set(taken))}
        for qcode in unmatched:
            spec = specs[qcode.guid]
            code = Code(
                key=spec.key,
                label_da=spec.label_da,
                label_en=spec.label_en,
                kind=spec.kind,
                description_da=spec.description_da,
                description_en=spec.description_en,
                guiding_question_da=spec.guiding_question_da,
                guiding_question_en=spec.guiding_question_en,
                use_when=spec.use_when,
                not_when=spec.not_when,
                keywords=spec.keywords,
                colour=spec.colour,
                position=position,
                guid=qcode.guid,
            )
            position += 1
            s.add(code)
            code_for[qcode.guid] = code
            new_specs.append(qcode.guid)
            summary.codes_created += 1
        s.flush()
        for qcode, parent in flat:
            if qcode.guid in new_specs and parent is not None:
                code_for[qcode.guid].parent_id = code_for[parent.guid].id
    # --- cases -> participants
    variables = {v.guid: v.name for v in qp.variables}
    people = list(s.exec(select(Participant)))
    participant_for_case: dict[str, Participant] = {}
    for case in qp.cases:
        fields = _case_fields(case, variables)
        name = case.name or fields.get("pseudonym") or f"Case {case.guid[:8]}"
        person = next((p for p in people if p.guid.upper() == case.guid), None) or next(
            (p for p in people if fold(name) in (fold(p.name), fold(p.pseudonym))), None
        )
        if person is None:
            consent = fields.get("consent", "").strip().lower()
            if consent not in CONSENTS:
                if consent:
                    summary.warnings.append(
                        f"case {name!r}: consent {consent!r} unknown; set to anonymous"
                    )
                else:
                    summary.warnings.append(
                        f"case {name!r}: no consent given; set to anonymous until you say "
                        "otherwise (`qualcode participants import`)"
                    )
                consent = "anonymous"
            person = Participant(
                name=name,
                title=fields.get("title", ""),
                organisation=fields.get("organisation", ""),
                expertise=fields.get("expertise", ""),
                consent=consent,
                pseudonym=fields.get("pseudonym", ""),
                email=fields.get("email", ""),
                language=(fields.get("language") or "da")[:10],
            )
            if not any(p.guid.upper() == case.guid for p in people):
                person.guid = case.guid
            s.add(person)
            s.flush()
            if not person.pseudonym:
                person.pseudonym = f"Ekspert {person.id}"
            people.append(person)
            summary.cases += 1
        participant_for_case[case.guid] = person
    selection_source: dict[str, str] = {}
    for plan in plans:
        for sel in plan.source.selections:
            selection_source[sel.guid] = plan.source.guid
    people_for_source: dict[str, list[Participant]] = {}
    for case in qp.cases:
        refs = set(case.source_refs) | {
            selection_source[r] for r in case.selection_refs if r in selection_source
        }
        for ref in refs:
            people_for_source.setdefault(ref, []).append(participant_for_case[case.guid])
    # --- documents, turns, codings
    from qualcode.nlp.language import detect_language

    doc_for_source: dict[str, Document] = {}
    coding_for_selection: dict[str, int] = {}
    coding_guids = set(s.exec(select(Coding.guid)))
    created_now: set[int] = set()
    for plan in plans:
        src = plan.source
        doc = s.exec(select(Document).where(Document.guid == src.guid)).first()
        if doc is not None and doc.text != plan.text:
            summary.warnings.append(
                f"source {src.name!r} has the GUID of document {doc.title!r} but another text "
                "(e.g. names replaced for consent); imported as a separate document"
            )
            doc = None
        if doc is None:
            doc = s.exec(select(Document).where(Document.sha256 == plan.raw_bytes_sha)).first()
        sha = plan.raw_bytes_sha
        if doc is not None and doc.id in created_now:
            # Two sources with the same text in one archive stay two documents.
            doc = None
            sha = hashlib.sha256(f"{sha}:{src.guid}".encode()).hexdigest()
        if doc is not None:
            summary.documents_existing += 1
        else:
            taken_guid = s.exec(select(Document.id).where(Document.guid == src.guid)).first()
            turns = detect_turns(plan.text)
            doc = Document(
                title=_unique_title(s, src.name),
                kind="interview" if turns else "document",
                source_name=PurePosixPath((src.text_path or src.name).replace("\\", "/")).name,
                sha256=sha,
                text=plan.text,
                language=detect_language(plan.text),
                word_count=len(plan.text.split()),
                meta={"imported_from": path.name, "refi_origin": qp.origin, "refi_guid": src.guid},
            )
            if taken_guid is None:
                doc.guid = src.guid
            s.add(doc)
            s.flush()
            created_now.add(doc.id)  # type: ignore[arg-type]
            linked = people_for_source.get(src.guid, [])
            for person in {p.id: p for p in linked}.values():
                s.add(DocumentParticipant(document_id=doc.id, participant_id=person.id))
            sole = linked[0] if len(linked) == 1 else None
            links = {}
            turn_rows = []
            for n, t in enumerate(turns):
                if t.speaker not in links:
                    links[t.speaker] = link_speaker(t.speaker, linked, sole)
                who = links[t.speaker].participant
                turn_rows.append(
                    {
                        "document_id": doc.id,
                        "ordinal": n,
                        "speaker": t.speaker,
                        "participant_id": who.id if who else None,
                        "start": t.start,
                        "end": t.end,
                        "media_start": None,
                        "media_end": None,
                    }
                )
            if turn_rows:
                s.execute(insert(Turn), turn_rows)  # bulk: long interviews have many turns
            if annotate:
                from qualcode.nlp.store import annotate_document_in

                annotate_document_in(s, doc)  # tokens and sentences, as every import does
            summary.documents += 1
        doc_for_source[src.guid] = doc
        present = set(s.exec(select(Coding.guid).where(Coding.document_id == doc.id)))
        rows = []
        selection_of: dict[str, str] = {}
        for pc in plan.codings:
            if pc.guid in present:
                summary.codings_already_present += 1
                continue
            coder = _coder_for(s, pc.user or qp.creating_user, qp, coder_cache, summary)
            # A GUID already used elsewhere (a copy of this coding): keep GUIDs unique.
            guid = pc.guid if pc.guid not in coding_guids else new_guid()
            coding_guids.add(guid)
            present.add(pc.guid)
            selection_of.setdefault(pc.selection_guid, guid)
            rows.append(
                {
                    "document_id": doc.id,
                    "code_id": code_for[pc.code_guid].id,
                    "coder_id": coder.id,
                    "start": pc.start,
                    "end": pc.end,
                    "memo": pc.memo,
                    "origin": "import",
                    "guid": guid,
                    "created": pc.created or utcnow(),
                }
            )
        if rows:
            s.execute(insert(Coding), rows)  # bulk: thousands of codings per archive
            ids = dict(
                s.exec(select(Coding.guid, Coding.id).where(Coding.document_id == doc.id)).all()
            )
            for sel_guid, guid in selection_of.items():
                coding_for_selection[sel_guid] = ids[guid]
            summary.codings_placed += len(rows)
    s.flush()
    # --- notes -> memos, attached where they were referenced
    targets: dict[str, tuple[str, int | None]] = {}
    for ref in qp.note_refs:
        targets.setdefault(ref, ("project", None))
    for qcode, _ in qdpx.flatten_codes(qp.codes):
        for ref in qcode.note_refs:
            targets.setdefault(ref, ("code", code_for[qcode.guid].id))
    for plan in plans:
        doc = doc_for_source[plan.source.guid]
        for ref in plan.source.note_refs:
            targets.setdefault(ref, ("document", doc.id))
        for sel in plan.source.selections:
            coding_id = coding_for_selection.get(sel.guid)
            for ref in sel.note_refs + [r for c in sel.codings for r in c.note_refs]:
                if coding_id is not None:
                    targets.setdefault(ref, ("coding", coding_id))
                else:
                    targets.setdefault(ref, ("document", doc.id))
    # Notes already here as memos, or qualcode's own quote notes coming home, are skipped.
    existing_memos = set(s.exec(select(Memo.guid))) | set(s.exec(select(Quote.guid)))
    for note in qp.notes:
        text = note_texts.get(note.guid)
        if text is None or note.guid in existing_memos:
            continue
        if note.name and not text.startswith(note.name):
            text = f"{note.name}\n\n{text}"
        kind, target = targets.get(note.guid, ("project", None))
        coder = _coder_for(s, note.creating_user or qp.creating_user, qp, coder_cache, summary)
        memo = Memo(
            target_kind=kind, target_id=target, text=text, coder_id=coder.id, guid=note.guid
        )
        if note.created is not None:
            memo.created = note.created
        s.add(memo)
        summary.notes += 1


# =========================================================================== consent


class Redactor:
    """Replaces names that consent does not allow with what it does allow, keeping a map.

    For every participant who is not ``named``: the full name, each part of it (also with a
    genitive s), and the e-mail address become ``attribution`` (role or pseudonym); for
    ``anonymous`` the organisation and a multi-word title become ``[organisation]`` and
    ``[titel]`` as well.
    """

    def __init__(self, participants: Iterable[Participant], language: str = "da") -> None:
        rules: list[tuple[str, str, bool]] = []  # (needle, replacement, ignore case)
        for p in participants:
            if p.consent == "named":
                continue
            label = attribution(p, language) if p.consent == "role_only" else pseudonym(p, language)
            rules.append((p.name, label, True))
            if p.email:
                rules.append((p.email, label, True))
            for part in re.split(r"[\s]+", p.name):
                if len(part) >= 2 and fold(part) not in {fold(label)}:
                    rules.append((part, label, False))
                    if "-" in part:
                        rules.extend(
                            (sub, label, False) for sub in part.split("-") if len(sub) >= 2
                        )
            if p.consent == "anonymous":
                if len(p.organisation) >= 4:
                    rules.append((p.organisation, "[organisation]", True))
                if " " in p.title.strip():
                    rules.append((p.title, "[titel]", True))
        rules.sort(key=lambda r: -len(r[0]))
        self.replacement: dict[str, str] = {}
        parts = []
        for needle, label, ignore_case in rules:
            key = needle.casefold() if ignore_case else needle
            if key in self.replacement:
                continue
            self.replacement[key] = label
            body = re.escape(needle)
            pattern = rf"(?<!\w){body}(?=s?\b|'|’|$|\W)"
            parts.append(f"(?i:{pattern})" if ignore_case else pattern)
        self.pattern = re.compile("|".join(parts)) if parts else None

    @property
    def active(self) -> bool:
        return self.pattern is not None

    def _label(self, found: str) -> str:
        return self.replacement.get(found) or self.replacement.get(found.casefold()) or ""

    def text(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda m: self._label(m.group(0)), text)

    def with_map(self, text: str) -> tuple[str, OffsetMap]:
        """The redacted text and a map that moves offsets of ``text`` into it."""
        if self.pattern is None:
            return text, OffsetMap([])
        out: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        last = 0
        new_len = 0
        for m in self.pattern.finditer(text):
            out.append(text[last : m.start()])
            new_len += m.start() - last
            label = self._label(m.group(0))
            spans.append((m.start(), m.end(), new_len, new_len + len(label)))
            out.append(label)
            new_len += len(label)
            last = m.end()
        out.append(text[last:])
        return "".join(out), OffsetMap(spans)


class OffsetMap:
    """Moves an offset of the original text to the redacted one (replacements shift it)."""

    def __init__(self, spans: list[tuple[int, int, int, int]]) -> None:
        self.spans = spans
        self._starts = [s[0] for s in spans]

    def start(self, offset: int) -> int:
        return self._move(offset, at_end=False)

    def end(self, offset: int) -> int:
        return self._move(offset, at_end=True)

    def _move(self, offset: int, at_end: bool) -> int:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        old_start, old_end, new_start, new_end = self.spans[i]
        if offset >= old_end:
            return offset + (new_end - old_end)
        if offset == old_start:
            return new_start
        return new_end if at_end else new_start


def _case_for(p: Participant, variables: dict[str, str]) -> QCase:
    """A participant as a REFI-QDA case, showing only what their consent allows."""
    values: list[tuple[str, str]] = []
    if p.consent == "named":
        name = p.name
        values = [("title", p.title), ("organisation", p.organisation), ("expertise", p.expertise)]
    elif p.consent == "role_only":
        name = attribution(p)
        values = [
            ("title", p.title),
            ("organisation", p.organisation),
            ("expertise", p.expertise),
            ("pseudonym", p.pseudonym),
        ]
    else:
        name = pseudonym(p)
        values = [("pseudonym", pseudonym(p))]
    values.append(("consent", p.consent))
    return QCase(
        guid=qdpx.norm_guid(p.guid) or qdpx.derived_guid("participant", str(p.id)),
        name=name,
        variables=[qdpx.QVariableValue(variables[k], v) for k, v in values if v and k in variables],
    )


PARTICIPANT_VARIABLES = ("title", "organisation", "expertise", "pseudonym", "consent")


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def build_export(
    project: Project, progress: Progress = no_progress
) -> tuple[QProject, dict[str, str]]:
    """The project as REFI-QDA data plus the source texts (member name -> text)."""
    from qualcode.codebook import all_codes

    with project.session() as s:
        participants = list(s.exec(select(Participant).order_by(Participant.id)))
        redactor = Redactor(participants)
        coders = list(s.exec(select(Coder).order_by(Coder.id)))
        coder_guid = {
            c.id: qdpx.norm_guid(c.guid) or qdpx.derived_guid("coder", c.name) for c in coders
        }
        codes = all_codes(s)
        code_guid = {
            c.id: qdpx.norm_guid(c.guid) or qdpx.derived_guid("code", c.key) for c in codes
        }
        docs = list(s.exec(select(Document).order_by(Document.id)))
        memos = list(s.exec(select(Memo).order_by(Memo.id)))
        quotes = list(s.exec(select(Quote).order_by(Quote.id)))
        links = list(s.exec(select(DocumentParticipant)))
        qp = QProject(
            name=redactor.text(project.name),
            origin=f"qualcode {qualcode.__version__}",
            users={coder_guid[c.id]: c.name for c in coders},  # type: ignore[index]
        )
        qp.codes = qdpx.project_codes(project)
        qcode_by_guid = {c.guid: c for c, _ in qdpx.flatten_codes(qp.codes)}
        for qcode in qcode_by_guid.values():  # a codebook may quote a person too
            qcode.name = redactor.text(qcode.name)
            qcode.description = redactor.text(qcode.description)
        qp.variables = [
            qdpx.QVariable(guid=qdpx.derived_guid("variable", name), name=name)
            for name in PARTICIPANT_VARIABLES
        ]
        variable_guid = {v.name: v.guid for v in qp.variables}
        doc_guid = {
            d.id: qdpx.norm_guid(d.guid) or qdpx.derived_guid("document", str(d.id)) for d in docs
        }
        cases = {p.id: _case_for(p, variable_guid) for p in participants}
        for link in links:
            if link.participant_id in cases and link.document_id in doc_guid:
                cases[link.participant_id].source_refs.append(doc_guid[link.document_id])
        qp.cases = list(cases.values())
        notes: dict[str, QNote] = {}
        memo_targets: dict[tuple[str, int | None], list[str]] = {}
        for memo in memos:
            guid = qdpx.norm_guid(memo.guid) or qdpx.derived_guid("memo", str(memo.id))
            text = redactor.text(memo.text)
            notes[guid] = QNote(
                guid=guid,
                name=_snippet(text.split("\n", 1)[0], 60),
                inline_text=text,
                creating_user=coder_guid.get(memo.coder_id) if memo.coder_id else None,
                created=memo.created,
            )
            memo_targets.setdefault((memo.target_kind, memo.target_id), []).append(guid)
        qp.note_refs = [
            g for (kind, _tid), gs in memo_targets.items() if kind == "project" for g in gs
        ]
        for code in codes:
            q = qcode_by_guid.get(code_guid[code.id])  # type: ignore[index]
            if q is not None:
                q.note_refs = memo_targets.get(("code", code.id), [])
        texts: dict[str, str] = {}
        by_doc_quotes: dict[int, list[Quote]] = {}
        for quote in quotes:
            by_doc_quotes.setdefault(quote.document_id, []).append(quote)
        people = {p.id: p for p in participants}
        codes_by_id = {c.id: c for c in codes}
        quote_notes: list[str] = []
        for n, doc in enumerate(docs):
            progress(n, len(docs), doc.title)
            guid = doc_guid[doc.id]  # type: ignore[index]
            text, moved = redactor.with_map(doc.text)
            member = f"{guid}.txt"
            texts[f"Sources/{member}"] = text
            src = QSource(
                guid=guid,
                name=redactor.text(doc.title),
                text_path=f"internal://{member}",
                description=" · ".join(
                    x
                    for x in (doc.kind, doc.date.isoformat() if doc.date else "", doc.language)
                    if x
                ),
                creating_user=None,
                created=doc.created,
                note_refs=memo_targets.get(("document", doc.id), []),
            )
            codings = list(
                s.exec(
                    select(Coding)
                    .where(Coding.document_id == doc.id)
                    .order_by(Coding.start, Coding.id)
                )
            )
            for coding in codings:
                start, end = moved.start(coding.start), moved.end(coding.end)
                cguid = qdpx.norm_guid(coding.guid) or qdpx.derived_guid("coding", str(coding.id))
                src.selections.append(
                    QSelection(
                        guid=qdpx.derived_guid("selection", cguid),
                        start=start,
                        end=end,
                        name=_snippet(text[start:end]),
                        description=redactor.text(coding.memo),
                        codings=[
                            QCoding(
                                guid=cguid,
                                code_guid=code_guid[coding.code_id],
                                creating_user=coder_guid.get(coding.coder_id),
                                created=coding.created,
                            )
                        ],
                        note_refs=memo_targets.get(("coding", coding.id), []),
                        creating_user=coder_guid.get(coding.coder_id),
                        created=coding.created,
                    )
                )
            for quote in by_doc_quotes.get(doc.id or -1, []):
                qguid = qdpx.norm_guid(quote.guid) or qdpx.derived_guid("quote", str(quote.id))
                person = people.get(quote.participant_id)
                code = codes_by_id.get(quote.code_id) if quote.code_id else None
                start, end = moved.start(quote.start), moved.end(quote.end)
                lines = [
                    f"Citat ({quote.status})",
                    "",
                    redactor.text(quote.approved_wording or quote.wording),
                    "",
                    f"Kilde: {src.name}, {start}-{end}",
                ]
                if person is not None:
                    lines.append(f"Attribution: {attribution(person, doc.language)}")
                if code is not None:
                    lines.append(f"Kode: {code.key} {code.label_da}")
                notes[qguid] = QNote(
                    guid=qguid,
                    name=f"Citat: {_snippet(text[start:end], 50)}",
                    inline_text="\n".join(lines),
                    created=quote.created,
                )
                quote_notes.append(qguid)
                if start < end:
                    src.selections.append(
                        QSelection(
                            guid=qdpx.derived_guid("quote-selection", qguid),
                            start=start,
                            end=end,
                            name=_snippet(text[start:end]),
                            note_refs=[qguid, *memo_targets.get(("quote", quote.id), [])],
                        )
                    )
            qp.sources.append(src)
        qp.notes = list(notes.values())
        if quote_notes:
            qp.sets = [
                qdpx.QSet(
                    guid=qdpx.derived_guid("set", "quotes"),
                    name="Citater",
                    description="Quotes chosen for the report, one note each.",
                    member_notes=quote_notes,
                )
            ]
    progress(len(docs), len(docs), "")
    return qp, texts


def export_qdpx(project: Project, out: Path, progress: Progress = no_progress) -> dict[str, Any]:
    """Write the project as a REFI-QDA ``.qdpx`` (project.qde + Sources/); returns counts."""
    qp, texts = build_export(project, progress)
    xml = qdpx.write_project_xml(qp)
    try:
        with (
            atomic_writer(out, "wb") as fh,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        ):
            zf.writestr("project.qde", xml)
            for member, text in texts.items():
                zf.writestr(member, text.encode("utf-8"))
    except OSError as exc:
        raise ExportError(
            f"{out}: cannot write ({exc.strerror})", "Check that the folder exists and is writable."
        ) from exc
    codings = sum(len([x for x in src.selections if x.codings]) for src in qp.sources)
    return {
        "path": str(out),
        "documents": len(qp.sources),
        "codes": len(qdpx.flatten_codes(qp.codes)),
        "codings": codings,
        "cases": len(qp.cases),
        "notes": len(qp.notes),
        "coders": len(qp.users),
    }


# =========================================================================== CSV

CSV_COLUMNS = (
    "document_id",
    "document",
    "participant",
    "speaker",
    "code",
    "code_label",
    "start",
    "end",
    "text",
    "coder",
    "memo",
    "origin",
    "created",
)


def export_csv(project: Project, out: Path) -> dict[str, Any]:
    """One row per coding, UTF-8 with a BOM (Excel then shows æøå); names as consent allows."""
    from qualcode.documents import TurnIndex, document_participants, document_turns

    rows: list[list[Any]] = []
    with project.session() as s:
        participants = list(s.exec(select(Participant)))
        redactor = Redactor(participants)
        people = {p.id: p for p in participants}
        codes = {c.id: c for c in s.exec(select(Code))}
        coders = {c.id: c.name for c in s.exec(select(Coder))}
        for doc in s.exec(select(Document).order_by(Document.id)):
            turns = TurnIndex(document_turns(s, doc.id))  # type: ignore[arg-type]
            in_doc = document_participants(s, doc.id)  # type: ignore[arg-type]
            for coding in s.exec(
                select(Coding).where(Coding.document_id == doc.id).order_by(Coding.start, Coding.id)
            ):
                turn = turns.at(coding.start)
                person = people.get(turn.participant_id) if turn and turn.participant_id else None
                if person is None and turn is None and len(in_doc) == 1:
                    person = in_doc[0]
                speaker = ""
                if turn is not None:
                    speaker = (
                        attribution(person, doc.language) if person else redactor.text(turn.speaker)
                    )
                code = codes.get(coding.code_id)
                rows.append(
                    [
                        doc.id,
                        redactor.text(doc.title),
                        attribution(person, doc.language) if person else "",
                        speaker,
                        code.key if code else "",
                        code.label_da if code else "",
                        coding.start,
                        coding.end,
                        redactor.text(doc.text[coding.start : coding.end]),
                        coders.get(coding.coder_id, ""),
                        redactor.text(coding.memo),
                        coding.origin,
                        coding.created.isoformat() if coding.created else "",
                    ]
                )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    try:
        atomic_write_bytes(out, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    except OSError as exc:
        raise ExportError(f"{out}: cannot write ({exc.strerror})") from exc
    return {"path": str(out), "rows": len(rows)}


__all__ = [
    "ImportSummary",
    "OffsetMap",
    "QualcodeError",
    "Redactor",
    "SafeArchive",
    "export_csv",
    "export_qdpx",
    "import_qdpx",
    "normalise_with_map",
]
