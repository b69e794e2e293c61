"""Codes between a project and REFI-QDA: the codebook of a ``.qdpx`` and a ``.qdc`` file.

A REFI-QDA code has a name, a colour (or none) and a description; what qualcode adds (key,
kind, English label, guiding questions, keywords) rides on the last line of the description
(``qualcode: {...}``) so a ``.qdc`` alone keeps it. ATLAS.ti writes groups into names
(``Group::Code``); those become a hierarchy (on by default for ATLAS.ti files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from sqlmodel import select

from qualcode.codebook import (
    CodebookFile,
    CodeSpec,
    all_codes,
    store_codebook,
    validate_hierarchy,
)
from qualcode.consent import Redactor
from qualcode.db import Project
from qualcode.errors import CodebookError, ImportFormatError
from qualcode.exchange.redact import RedactionDict, export_redactor, redaction_dict
from qualcode.formats import qdpx, writers
from qualcode.formats.qdpx import QCode, QCodebook, QSet
from qualcode.models import CODE_KINDS, Code, Participant
from qualcode.naming import fold
from qualcode.safe_write import atomic_write_bytes

GROUP_SEPARATOR = "::"


class QdcLoadDict(TypedDict):
    path: str
    created: list[str]
    updated: list[str]
    unchanged: int
    sets: list[str]
    groups: list[str]
    warnings: list[str]


class QdcExportDict(TypedDict):
    path: str
    codes: int
    redactions: RedactionDict


@dataclass
class QdcLoadResult:
    path: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    sets: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> QdcLoadDict:
        return QdcLoadDict(
            path=self.path,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            sets=self.sets,
            groups=self.groups,
            warnings=self.warnings,
        )

    def message(self) -> str:
        if not self.created and not self.updated:
            head = f"{self.path}: nothing changed ({self.unchanged} codes as in the project)"
        else:
            head = (
                f"{self.path}: {len(self.created)} codes created, {len(self.updated)} updated, "
                f"{self.unchanged} unchanged"
            )
        lines = [head]
        lines.extend(f"  groups made from '::' names: {g}" for g in self.groups)
        lines.extend(f"  set not imported (listed): {s}" for s in self.sets)
        lines.extend(f"  note: {w}" for w in self.warnings)
        return "\n".join(lines)


# --------------------------------------------------------------------------- QCode -> specs


def slug_key(name: str, taken: set[str]) -> str:
    """A codebook key for a code that came without one: its name, folded, made unique."""
    base = re.sub(r"\s+", "-", fold(name)).strip("-")[:60] or "code"
    key = base
    n = 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    taken.add(key)
    return key


def split_groups(roots: list[QCode], _path: str = "") -> tuple[list[QCode], list[str]]:
    """``Group::Code`` names as a group code with children (ATLAS.ti's code groups), at any
    depth (``A::B::C``); a group whose name is already a code at that level is that code."""
    out: list[QCode] = []
    groups: dict[str, QCode] = {}
    made: list[str] = []
    by_name = {c.name.strip(): c for c in roots if GROUP_SEPARATOR not in c.name}
    for code in roots:
        group, sep, rest = code.name.partition(GROUP_SEPARATOR)
        group = group.strip()
        if not sep or not group or not rest.strip():
            out.append(code)
            continue
        parent = groups.get(group) or by_name.get(group)
        if parent is None:
            full = f"{_path}{group}"
            parent = QCode(guid=qdpx.derived_guid("code-group", full), name=group, codable=False)
            out.append(parent)
            made.append(full)
        groups[group] = parent
        code.name = rest.strip()
        parent.children.append(code)
    for code in out:
        code.children, below = split_groups(code.children, f"{_path}{code.name}{GROUP_SEPARATOR}")
        made.extend(below)
    return out, sorted(made)


def is_atlas(origin: str, base_path: str = "") -> bool:
    """Written by ATLAS.ti: its name in the ``origin`` (``ATLAS.ti 8.4``, ``ATLAS.ti Mac``)
    or in the ``basePath`` (its project folders are named after it)."""
    return any("atlas" in text.lower() for text in (origin, base_path))


def wants_groups(origin: str, option: bool | None, base_path: str = "") -> bool:
    """``Group::Code`` names become a hierarchy: as asked, else for ATLAS.ti files."""
    return option if option is not None else is_atlas(origin, base_path)


def codes_to_specs(roots: list[QCode], taken: set[str] | None = None) -> list[CodeSpec]:
    """REFI-QDA codes as ``CodeSpec``s: keys from qualcode's metadata line, else slugs."""
    taken = set() if taken is None else taken
    flat = qdpx.flatten_codes(roots)
    keys: dict[str, str] = {}
    for code, _parent in flat:
        _desc, meta = qdpx.code_meta(code)
        wanted = str(meta.get("key", "")).strip()
        if wanted and wanted not in taken:
            taken.add(wanted)
            keys[code.guid] = wanted
    for code, _parent in flat:
        if code.guid not in keys:
            keys[code.guid] = slug_key(code.name, taken)
    return [_spec(code, parent, keys) for code, parent in flat]


def _spec(code: QCode, parent: QCode | None, keys: dict[str, str]) -> CodeSpec:
    desc, meta = qdpx.code_meta(code)
    kind = meta.get("kind", "code")
    keywords = meta.get("keywords", [])
    return CodeSpec(
        key=keys[code.guid],
        label_da=code.name,
        label_en=str(meta.get("label_en", "")),
        parent=keys[parent.guid] if parent else None,
        kind=kind if kind in CODE_KINDS else "code",
        guiding_question_da=str(meta.get("guiding_question_da", "")),
        guiding_question_en=str(meta.get("guiding_question_en", "")),
        description_da=desc,
        description_en=str(meta.get("description_en", "")),
        use_when=str(meta.get("use_when", "")),
        not_when=str(meta.get("not_when", "")),
        keywords=[str(k) for k in keywords] if isinstance(keywords, list) else [],
        colour=code.colour or "",
        guid=code.guid,
    )


# --------------------------------------------------------------------------- project -> QCode


def project_codes(codes: list[Code], redactor: Redactor) -> list[QCode]:
    """The project's codebook as REFI-QDA codes (GUIDs and colours as stored, or none)."""
    by_id: dict[int, QCode] = {}
    for c in codes:
        meta = {
            "key": c.key,
            "kind": c.kind,
            "label_en": redactor.redact(c.label_en),
            "description_en": redactor.redact(c.description_en),
            "guiding_question_da": redactor.redact(c.guiding_question_da),
            "guiding_question_en": redactor.redact(c.guiding_question_en),
            "use_when": redactor.redact(c.use_when),
            "not_when": redactor.redact(c.not_when),
            "keywords": [redactor.redact(k) for k in c.keywords or []],
        }
        by_id[c.id or 0] = QCode(
            guid=qdpx.norm_guid(c.guid) or qdpx.derived_guid("code", c.key),
            name=redactor.redact(c.label_da or c.label_en or c.key),
            colour=qdpx.norm_colour(c.colour),
            description=qdpx.encode_code_description(redactor.redact(c.description_da), meta),
        )
    roots: list[QCode] = []
    for c in codes:
        node = by_id[c.id or 0]
        if c.parent_id is not None and c.parent_id in by_id and c.parent_id != c.id:
            by_id[c.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


# --------------------------------------------------------------------------- .qdc files


def read_qdc(path: Path, groups: bool | None = None) -> tuple[CodebookFile, QdcLoadResult]:
    """A ``.qdc`` file as the ``CodebookFile`` the codebook loader stores, and a report."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError(f"{path}: no such file") from exc
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        book = qdpx.read_codebook(data, str(path))
    except ImportFormatError as exc:
        raise CodebookError(exc.message, exc.hint) from exc
    if not book.codes:
        raise CodebookError(f"{path}: the codebook has no codes", "Is this the right file?")
    result = QdcLoadResult(path=str(path), warnings=list(book.warnings))
    roots = book.codes
    if wants_groups(book.origin, groups):
        roots, result.groups = split_groups(roots)
    result.sets = [_describe_set(st) for st in book.sets]
    specs = codes_to_specs(roots)
    validate_hierarchy(specs, str(path))
    return CodebookFile(header={}, codes=specs), result


def _describe_set(st: QSet) -> str:
    return (
        f"{st.name!r} ({len(st.member_codes)} codes, {len(st.member_sources)} sources, "
        f"{len(st.member_notes)} notes)"
    )


def load_qdc(project: Project, path: Path, groups: bool | None = None) -> QdcLoadResult:
    """Load a ``.qdc`` codebook; codes matched by key, none deleted; reports what changed."""
    book, result = read_qdc(path, groups)
    stored = store_codebook(project, book)
    result.created, result.updated, result.unchanged = (
        stored.created,
        stored.updated,
        stored.unchanged,
    )
    return result


def export_qdc(project: Project, out: Path, *, full: bool = False) -> QdcExportDict:
    """Write the project's codebook as a ``.qdc`` file (names as consent allows)."""
    with project.session() as s:
        redactor = export_redactor(s.exec(select(Participant)), full=full)
        roots = project_codes(all_codes(s), redactor)
    if not roots:
        raise CodebookError(
            "the project has no codebook to export", "Load one with `qualcode codebook load`."
        )
    try:
        atomic_write_bytes(out, writers.render("export", "qdc", QCodebook(codes=roots)))
    except OSError as exc:
        raise CodebookError(f"{out}: cannot write ({exc.strerror})") from exc
    return QdcExportDict(
        path=str(out),
        codes=len(qdpx.flatten_codes(roots)),
        redactions=redaction_dict(redactor),
    )
