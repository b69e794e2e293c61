"""The codebook: loading it into a project, showing it as a tree, exporting it, and finding a
code by the key or label a person types. Reading and validating the file itself is
``qualcode.codebook_file`` (re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from qualcode.codebook_file import (
    CODE_FIELDS,
    HEADER_FIELDS,
    TEXT_FIELDS,
    BundledCodebook,
    BundledCodebookDict,
    CodebookFile,
    CodeSpec,
    bundled_codebooks,
    bundled_codebooks_dir,
    codebook_to_markdown,
    codebook_to_toml,
    find_codebook_file,
    parse_codebook_toml,
    validate_hierarchy,
)
from qualcode.db import Project
from qualcode.errors import AmbiguousNameError, CodebookError, NotFoundError
from qualcode.history import fresh_code_ids
from qualcode.models import Code, Coding, ProjectSetting
from qualcode.naming import did_you_mean, fold
from qualcode.safe_write import atomic_write_text
from qualcode.visibility import visible_coder_filter

__all__ = [
    "COMPARED_FIELDS",
    "CodebookLoadDict",
    "CodebookLoadResult",
    "CODE_FIELDS",
    "HEADER_FIELDS",
    "TEXT_FIELDS",
    "BundledCodebook",
    "BundledCodebookDict",
    "CodeCount",
    "CodeSpec",
    "CodebookFile",
    "CodebookLoadResult",
    "all_codes",
    "area_of",
    "bundled_codebooks",
    "bundled_codebooks_dir",
    "children_map",
    "code_counts",
    "code_dict",
    "code_label",
    "code_scope",
    "codebook_to_markdown",
    "codebook_to_toml",
    "codebook_tree",
    "coding_counts",
    "descendant_ids",
    "descendants",
    "export_codebook",
    "find_codebook_file",
    "load_codebook",
    "parse_codebook_toml",
    "resolve_code",
    "store_codebook",
    "validate_hierarchy",
]


class CodebookLoadDict(TypedDict):
    created: list[str]
    updated: list[str]
    unchanged: int


@dataclass
class CodebookLoadResult:
    """What a load did: codes created, codes whose fields changed, and how many were as in
    the project already (an unchanged file reloaded changes nothing and says so)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> CodebookLoadDict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def message(self, source: str | Path) -> str:
        if not self.created and not self.updated:
            return f"nothing changed: {self.unchanged} codes as in {source}"
        created = len(self.created)
        return (
            f"{created} {'code' if created == 1 else 'codes'} created, {len(self.updated)} "
            f"updated ({self.unchanged} unchanged) from {source}"
        )


# What a code holds that a codebook file sets: compared to tell an update from a no-op.
COMPARED_FIELDS = (*TEXT_FIELDS, "keywords", "position", "parent_id", "key")


def _fields(code: Code) -> tuple[object, ...]:
    return tuple(getattr(code, name) for name in COMPARED_FIELDS)


def load_codebook(project: Project, path: Path | str) -> CodebookLoadResult:
    """Load a codebook file (or a bundled codebook by name) into the project in one
    transaction.

    Codes are matched by key: existing ones are updated (their GUID and codings stay),
    new ones created. Codes missing from the file are kept — nothing coded is dropped.
    A ``.qdc`` file is loaded by ``qualcode.exchange.load_qdc`` (the faces route it there).
    """
    path = find_codebook_file(path)
    if path.suffix.lower() == ".qdc":  # REFI-QDA: translated by qualcode.exchange.load_qdc
        raise CodebookError(
            f"{path}: a REFI-QDA codebook is loaded through the exchange module",
            "Use `qualcode codebook load FILE.qdc` or `qualcode import FILE.qdc`.",
        )
    return store_codebook(project, parse_codebook_toml(path))


def store_codebook(project: Project, book: CodebookFile) -> CodebookLoadResult:
    """Create or update the codes of ``book`` (matched by key, then by GUID for a code
    renamed elsewhere); a code counts as updated only when one of its fields changed."""
    result = CodebookLoadResult()
    with project.transaction() as s:
        existing = {c.key: c for c in s.exec(select(Code))}
        by_guid = {c.guid: c for c in existing.values()}
        before = {id(c): _fields(c) for c in existing.values()}
        stored: list[Code] = []
        code_ids = fresh_code_ids(s)
        for position, spec in enumerate(book.codes):
            code = existing.get(spec.key)
            renamed = by_guid.get(spec.guid) if code is None and spec.guid else None
            if renamed is not None:
                # The same code under a new key (renamed in another tool): keep it, and
                # its codings, under the new key.
                del existing[renamed.key]
                renamed.key = spec.key
                existing[spec.key] = code = renamed
            elif code is None:
                code = Code(id=next(code_ids), key=spec.key, label_da=spec.label_da)
                if spec.guid:
                    code.guid = spec.guid
                existing[spec.key] = code
                result.created.append(spec.key)
            for name in (*TEXT_FIELDS, "keywords"):
                if name == "colour" and str(code.colour).lower() == spec.colour.lower():
                    continue  # the same colour (REFI-QDA files write it in upper case)
                setattr(code, name, getattr(spec, name))
            code.position = position
            s.add(code)
            stored.append(code)
        s.flush()
        for spec in book.codes:
            parent = existing.get(spec.parent) if spec.parent else None
            existing[spec.key].parent_id = parent.id if parent else None
        for code in stored:
            if id(code) not in before:
                continue
            if before[id(code)] != _fields(code):
                result.updated.append(code.key)
            else:
                result.unchanged += 1
        _store_header(s, book.header)
    return result


def _store_header(s: Session, header: dict[str, str]) -> None:
    for name in ("name", "name_en", "language"):
        if name in header:
            key = f"codebook_{name}"
            row = s.get(ProjectSetting, key)
            if row is None:
                s.add(ProjectSetting(key=key, value=header[name]))
            else:
                row.value = header[name]


def all_codes(session: Session) -> list[Code]:
    return list(session.exec(select(Code).order_by(col(Code.position), col(Code.id))))


def coding_counts(session: Session, visible: ColumnElement[bool] | None = None) -> dict[int, int]:
    """Codings per code id, the code's own only (see ``code_counts`` for areas);
    ``visible`` (``qualcode.visibility``) limits whose codings count."""
    query = select(Coding.code_id, func.count()).group_by(col(Coding.code_id))
    if visible is not None:
        query = query.where(visible)
    rows = session.exec(query)
    return {code_id: n for code_id, n in rows}


def children_map(session: Session) -> dict[int | None, list[int]]:
    """Each code id's direct children (``None``: the top-level codes)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.exec(select(Code.id, Code.parent_id).order_by(col(Code.position))):
        if cid is not None:
            children.setdefault(parent, []).append(cid)
    return children


def descendant_ids(
    session: Session, code_id: int, children: dict[int | None, list[int]] | None = None
) -> set[int]:
    """Every code below ``code_id`` (children, their children, ...), not the code itself."""
    children = children if children is not None else children_map(session)
    out: set[int] = set()
    todo = [code_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def code_scope(session: Session, code: Code, only: bool = False) -> set[int]:
    """The code ids a filter by ``code`` means: the code and everything below it (an area
    with its attention points), or with ``only`` the code alone."""
    assert code.id is not None
    return {code.id} if only else {code.id} | descendant_ids(session, code.id)


@dataclass(frozen=True)
class CodeCount:
    """Codings of a code: its ``own`` and ``with_descendants`` (an area with its points)."""

    own: int
    with_descendants: int

    @property
    def total(self) -> int:
        """The same as ``with_descendants``."""
        return self.with_descendants


def descendants(codes: list[Code]) -> dict[int, set[int]]:
    """For codes already loaded: each code id -> the ids of every code below it."""
    children: dict[int | None, list[int]] = {}
    for c in codes:
        if c.id is not None:
            children.setdefault(c.parent_id, []).append(c.id)
    out: dict[int, set[int]] = {}
    for c in codes:
        if c.id is not None:
            found: set[int] = set()
            todo = [c.id]
            while todo:
                for child in children.get(todo.pop(), []):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
            out[c.id] = found
    return out


def code_counts(
    session: Session, visible: ColumnElement[bool] | None = None
) -> dict[int, CodeCount]:
    """Coding counts of every code (rows of the coding table: two coders, two codings).

    The one place screens and exports get "how many codings": an area's
    ``with_descendants`` includes its attention points' codings. ``visible`` limits whose
    codings count (blind coding, ``qualcode.visibility``).
    """
    own = coding_counts(session, visible)
    children = children_map(session)
    totals: dict[int, int] = {}

    def total(code_id: int, seen: frozenset[int]) -> int:
        if code_id not in totals:
            totals[code_id] = own.get(code_id, 0) + sum(
                total(c, seen | {code_id}) for c in children.get(code_id, []) if c not in seen
            )
        return totals[code_id]

    ids = [cid for ids in children.values() for cid in ids]
    return {cid: CodeCount(own.get(cid, 0), total(cid, frozenset())) for cid in ids}


class CodeDict(TypedDict):
    """One code as `codebook show --json` prints it (without its children)."""

    id: int | None
    key: str
    parent: str | None
    kind: str
    label_da: str
    label_en: str
    guiding_question_da: str
    guiding_question_en: str
    description_da: str
    description_en: str
    use_when: str
    not_when: str
    keywords: list[str]
    colour: str
    guid: str
    codings: int
    codings_with_descendants: int


class CodeNode(CodeDict):
    """A code of the `codebook show --json` tree, with the codes below it."""

    children: list[CodeNode]


def code_dict(code: Code, keys_by_id: dict[int, str], counts: dict[int, CodeCount]) -> CodeDict:
    return {
        "id": code.id,
        "key": code.key,
        "parent": keys_by_id.get(code.parent_id) if code.parent_id else None,
        "kind": code.kind,
        "label_da": code.label_da,
        "label_en": code.label_en,
        "guiding_question_da": code.guiding_question_da,
        "guiding_question_en": code.guiding_question_en,
        "description_da": code.description_da,
        "description_en": code.description_en,
        "use_when": code.use_when,
        "not_when": code.not_when,
        "keywords": list(code.keywords),
        "colour": code.colour,
        "guid": code.guid,
        "codings": counts.get(code.id or 0, CodeCount(0, 0)).own,
        "codings_with_descendants": counts.get(code.id or 0, CodeCount(0, 0)).with_descendants,
    }


def codebook_tree(project: Project, viewer: str | None = None) -> list[CodeNode]:
    """The codebook as nested dicts (roots first, each with ``children``); the counts are
    those ``viewer`` may see under blind coding (None: every coding)."""
    with project.session() as s:
        codes = all_codes(s)
        counts = code_counts(s, visible_coder_filter(project, viewer) if viewer else None)
    keys = {c.id: c.key for c in codes if c.id is not None}
    nodes: dict[int | None, CodeNode] = {
        c.id: {**code_dict(c, keys, counts), "children": []} for c in codes
    }
    roots: list[CodeNode] = []
    for c in codes:
        if c.parent_id is not None and c.parent_id in nodes:
            nodes[c.parent_id]["children"].append(nodes[c.id])
        else:
            roots.append(nodes[c.id])
    return roots


def resolve_code(session: Session, name: str) -> Code:
    """A code by key (``1.3``, ``ulighed``), or by its Danish or English label.

    Unknown or ambiguous names are errors that list the nearest candidates.
    """
    exact = session.exec(select(Code).where(Code.key == name.strip())).first()
    if exact is not None:  # the common case, one indexed row (every coding names its code)
        return exact
    codes = all_codes(session)
    for c in codes:
        if c.key == name.strip():
            return c
    key = fold(name)
    hits = [c for c in codes if key in (fold(c.key), fold(c.label_da), fold(c.label_en))]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise AmbiguousNameError(
            f"{name!r} matches {len(hits)} codes: " + ", ".join(c.key for c in hits),
            "Use the code's key.",
        )
    candidates = {c.key: c for c in codes}
    for c in codes:
        candidates[c.label_da] = c
        if c.label_en:
            candidates[c.label_en] = c
    if not codes:
        raise NotFoundError(
            f"unknown code {name!r}: the project has no codebook",
            "Load one with `qualcode codebook load FILE`.",
        )
    raise NotFoundError(
        f"unknown code {name!r}",
        did_you_mean(name, candidates) or "See the keys with `qualcode codebook show`.",
    )


def export_codebook(project: Project, fmt: str, out: Path) -> Path:
    """Write the codebook as toml, md or (REFI-QDA) qdc."""
    fmt = fmt.lower()
    if fmt == "qdc":  # REFI-QDA, with consent: qualcode.exchange.export_qdc
        raise CodebookError(
            "a REFI-QDA codebook is written through the exchange module",
            "Use `qualcode codebook export --format qdc --out FILE`.",
        )
    tree = codebook_tree(project)
    settings = project.settings()
    if fmt == "toml":
        text = codebook_to_toml(tree, settings)
    elif fmt == "md":
        text = codebook_to_markdown(tree, settings)
    else:
        raise CodebookError(f"unknown codebook format {fmt!r}", "Use qdc, toml or md.")
    atomic_write_text(out, text)
    return out


def code_label(code: Code, language: str = "da") -> str:
    """The label in the wanted language, falling back to the other."""
    if language == "en":
        return code.label_en or code.label_da
    return code.label_da or code.label_en


def area_of(code: Code, by_id: dict[int, Code]) -> Code:
    """The top-level ancestor of a code (its development area)."""
    cur = code
    seen = {cur.id}
    while cur.parent_id is not None and cur.parent_id in by_id and cur.parent_id not in seen:
        cur = by_id[cur.parent_id]
        seen.add(cur.id)
    return cur
