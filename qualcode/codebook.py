"""The codebook: loading and validating it, showing it as a tree, exporting it, and finding a
code by the key or label a person types."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, select

from qualcode.db import Project
from qualcode.errors import AmbiguousNameError, CodebookError, NotFoundError
from qualcode.models import CODE_KINDS, Code, Coding
from qualcode.naming import did_you_mean, fold
from qualcode.safe_write import atomic_write_text
from qualcode.visibility import visible_coder_filter

# The text fields a code carries from a codebook file into the Code table, in file order.
TEXT_FIELDS = (
    "kind",
    "label_da",
    "label_en",
    "guiding_question_da",
    "guiding_question_en",
    "description_da",
    "description_en",
    "use_when",
    "not_when",
    "colour",
)
CODE_FIELDS = {"key", "parent", "keywords", "guid", *TEXT_FIELDS}
HEADER_FIELDS = {"name", "name_en", "language", "version", "description"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LIST_FIELDS = {"keywords"}


@dataclass
class CodeSpec:
    """One code as written in a codebook file, before it is stored."""

    key: str
    label_da: str
    label_en: str = ""
    parent: str | None = None
    kind: str = "code"
    guiding_question_da: str = ""
    guiding_question_en: str = ""
    description_da: str = ""
    description_en: str = ""
    use_when: str = ""
    not_when: str = ""
    keywords: list[str] = field(default_factory=list)
    colour: str = "#888888"
    guid: str | None = None
    line: int = 0


@dataclass
class CodebookFile:
    header: dict[str, str]
    codes: list[CodeSpec]


def _code_header_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[code]]"]


def _field_line(text: str, block_start: int, name: str) -> int:
    """The line of ``name = ...`` inside the [[code]] block whose header is on ``block_start``."""
    lines = text.splitlines()
    for i in range(block_start, len(lines)):
        stripped = lines[i].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"^{re.escape(name)}\s*=", stripped):
            return i + 1
    return block_start


def parse_codebook_toml(path: Path) -> CodebookFile:
    """Read and validate a TOML codebook; every error names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CodebookError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text", "Save the codebook as UTF-8.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(f"{path}: invalid TOML: {exc}") from exc
    unknown_top = set(data) - {"codebook", "code"}
    if unknown_top:
        raise CodebookError(
            f"{path}: unknown section(s): {', '.join(sorted(unknown_top))}",
            "A codebook has one [codebook] table and [[code]] entries.",
        )
    header = data.get("codebook", {})
    bad_header = set(header) - HEADER_FIELDS
    if bad_header:
        raise CodebookError(
            f"{path}: unknown field(s) in [codebook]: {', '.join(sorted(bad_header))}",
            "Allowed: " + ", ".join(sorted(HEADER_FIELDS)),
        )
    raw_codes = data.get("code", [])
    if not raw_codes:
        raise CodebookError(f"{path}: no [[code]] entries")
    starts = _code_header_lines(text)
    specs: list[CodeSpec] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_codes):
        line = starts[i] if i < len(starts) else 0
        where = f"{path}, line {line}"
        unknown = set(raw) - CODE_FIELDS
        if unknown:
            name = sorted(unknown)[0]
            raise CodebookError(
                f"{path}, line {_field_line(text, line, name)}: unknown field {name!r}",
                did_you_mean(name, CODE_FIELDS) or "Allowed: " + ", ".join(sorted(CODE_FIELDS)),
            )
        key = str(raw.get("key", "")).strip()
        if not key:
            raise CodebookError(f"{where}: a code without a key")
        if key in seen:
            raise CodebookError(f"{where}: duplicate key {key!r} (first on line {seen[key]})")
        seen[key] = line
        for name, value in raw.items():
            if name in _LIST_FIELDS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise CodebookError(
                        f"{path}, line {_field_line(text, line, name)}: {name} must be a list "
                        "of strings"
                    )
            elif not isinstance(value, str):
                raise CodebookError(
                    f"{path}, line {_field_line(text, line, name)}: {name} must be a string"
                )
        label_da = raw.get("label_da", "").strip()
        label_en = raw.get("label_en", "").strip()
        if not label_da and not label_en:
            raise CodebookError(
                f"{where}: code {key!r} has no label", "Give label_da and label_en."
            )
        kind = raw.get("kind", "code")
        if kind not in CODE_KINDS:
            raise CodebookError(
                f"{path}, line {_field_line(text, line, 'kind')}: kind {kind!r} is not one of "
                + ", ".join(CODE_KINDS)
            )
        colour = raw.get("colour", "#888888")
        if not _COLOUR.match(colour):
            raise CodebookError(
                f"{path}, line {_field_line(text, line, 'colour')}: colour {colour!r} is not "
                "#RRGGBB"
            )
        specs.append(
            CodeSpec(
                key=key,
                label_da=label_da or label_en,
                label_en=label_en,
                parent=(raw.get("parent") or "").strip() or None,
                kind=kind,
                guiding_question_da=raw.get("guiding_question_da", ""),
                guiding_question_en=raw.get("guiding_question_en", ""),
                description_da=raw.get("description_da", ""),
                description_en=raw.get("description_en", ""),
                use_when=raw.get("use_when", ""),
                not_when=raw.get("not_when", ""),
                keywords=[k.strip() for k in raw.get("keywords", []) if k.strip()],
                colour=colour,
                guid=raw.get("guid"),
                line=line,
            )
        )
    validate_hierarchy(specs, str(path))
    return CodebookFile(header={k: str(v) for k, v in header.items()}, codes=specs)


def validate_hierarchy(specs: list[CodeSpec], source: str) -> None:
    """Parents must exist and the parent chain must not loop."""
    by_key = {s.key: s for s in specs}
    for spec in specs:
        if spec.parent is not None and spec.parent not in by_key:
            raise CodebookError(
                f"{source}, line {spec.line}: code {spec.key!r} has unknown parent {spec.parent!r}",
                did_you_mean(spec.parent, by_key),
            )
    for spec in specs:
        chain = [spec.key]
        cur = spec
        while cur.parent is not None:
            if cur.parent in chain:
                loop = " -> ".join([*chain, cur.parent])
                raise CodebookError(f"{source}, line {spec.line}: the parents form a cycle: {loop}")
            chain.append(cur.parent)
            cur = by_key[cur.parent]


@dataclass
class CodebookLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated}


def load_codebook(project: Project, path: Path) -> CodebookLoadResult:
    """Load a codebook file into the project in one transaction.

    Codes are matched by key: existing ones are updated (their GUID and codings stay),
    new ones created. Codes missing from the file are kept — nothing coded is dropped.
    A ``.qdc`` file is loaded by ``qualcode.exchange.load_qdc`` (the faces route it there).
    """
    if path.suffix.lower() == ".qdc":  # REFI-QDA: translated by qualcode.exchange.load_qdc
        raise CodebookError(
            f"{path}: a REFI-QDA codebook is loaded through the exchange module",
            "Use `qualcode codebook load FILE.qdc` or `qualcode import FILE.qdc`.",
        )
    return store_codebook(project, parse_codebook_toml(path))


def store_codebook(project: Project, book: CodebookFile) -> CodebookLoadResult:
    result = CodebookLoadResult()
    with project.transaction() as s:
        existing = {c.key: c for c in s.exec(select(Code))}
        by_guid = {c.guid: c for c in existing.values()}
        for position, spec in enumerate(book.codes):
            code = existing.get(spec.key)
            renamed = by_guid.get(spec.guid) if code is None and spec.guid else None
            if renamed is not None:
                # The same code under a new key (renamed in another tool): keep it, and
                # its codings, under the new key.
                del existing[renamed.key]
                renamed.key = spec.key
                existing[spec.key] = code = renamed
                result.updated.append(spec.key)
            elif code is None:
                code = Code(key=spec.key, label_da=spec.label_da)
                if spec.guid:
                    code.guid = spec.guid
                existing[spec.key] = code
                result.created.append(spec.key)
            else:
                result.updated.append(spec.key)
            for name in (*TEXT_FIELDS, "keywords"):
                setattr(code, name, getattr(spec, name))
            code.position = position
            s.add(code)
        s.flush()
        for spec in book.codes:
            parent = existing.get(spec.parent) if spec.parent else None
            existing[spec.key].parent_id = parent.id if parent else None
        for name in ("name", "name_en", "language"):
            if name in book.header:
                from qualcode.models import ProjectSetting

                key = f"codebook_{name}"
                row = s.get(ProjectSetting, key)
                if row is None:
                    s.add(ProjectSetting(key=key, value=book.header[name]))
                else:
                    row.value = book.header[name]
    return result


def all_codes(session: Session) -> list[Code]:
    return list(session.exec(select(Code).order_by(Code.position, Code.id)))


def coding_counts(session: Session, visible: ColumnElement[bool] | None = None) -> dict[int, int]:
    """Codings per code id; ``visible`` (``qualcode.visibility``) limits whose count."""
    query = select(Coding.code_id, func.count()).group_by(Coding.code_id)
    if visible is not None:
        query = query.where(visible)
    rows = session.exec(query)
    return {code_id: n for code_id, n in rows}


def code_dict(code: Code, keys_by_id: dict[int, str], counts: dict[int, int]) -> dict[str, Any]:
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
        "codings": counts.get(code.id or 0, 0),
    }


def codebook_tree(project: Project, viewer: str | None = None) -> list[dict[str, Any]]:
    """The codebook as nested dicts (roots first, each with ``children``); the counts are
    those ``viewer`` may see under blind coding (None: every coding)."""
    with project.session() as s:
        codes = all_codes(s)
        counts = coding_counts(s, visible_coder_filter(project, viewer) if viewer else None)
    keys = {c.id: c.key for c in codes}
    nodes = {c.id: {**code_dict(c, keys, counts), "children": []} for c in codes}
    roots: list[dict[str, Any]] = []
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
    raise NotFoundError(f"unknown code {name!r}", did_you_mean(name, candidates))


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


def _flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in tree:
        out.append(node)
        out.extend(_flatten(node["children"]))
    return out


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def codebook_to_toml(tree: list[dict[str, Any]], settings: dict[str, str]) -> str:
    lines = ["[codebook]"]
    for name in ("name", "name_en", "language"):
        if settings.get(f"codebook_{name}"):
            lines.append(f"{name} = {_toml_str(settings[f'codebook_{name}'])}")
    for node in _flatten(tree):
        lines += ["", "[[code]]", f"key = {_toml_str(node['key'])}"]
        if node["parent"]:
            lines.append(f"parent = {_toml_str(node['parent'])}")
        for name in (*TEXT_FIELDS, "guid"):
            if node[name]:
                lines.append(f"{name} = {_toml_str(node[name])}")
        lines.append("keywords = [" + ", ".join(_toml_str(k) for k in node["keywords"]) + "]")
    return "\n".join(lines) + "\n"


def codebook_to_markdown(tree: list[dict[str, Any]], settings: dict[str, str]) -> str:
    title = settings.get("codebook_name") or "Codebook"
    lines = [f"# {title}", ""]

    def emit(node: dict[str, Any], depth: int) -> None:
        heading = "#" * min(depth + 2, 6)
        label = node["label_da"] + (f" / {node['label_en']}" if node["label_en"] else "")
        lines.append(f"{heading} {node['key']} {label}")
        lines.append("")
        for title_, name in (
            ("Guiding question", "guiding_question_da"),
            ("Description", "description_da"),
            ("Description (en)", "description_en"),
            ("Use when", "use_when"),
            ("Not when", "not_when"),
        ):
            if node[name]:
                lines.append(f"- **{title_}:** {node[name]}")
        if node["keywords"]:
            lines.append("- **Keywords:** " + ", ".join(node["keywords"]))
        lines.append(f"- **Codings:** {node['codings']}")
        lines.append("")
        for child in node["children"]:
            emit(child, depth + 1)

    for node in tree:
        emit(node, 0)
    return "\n".join(lines)


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
