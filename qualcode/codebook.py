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
from sqlmodel import Session, col, select

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


def _check_value_types(path: Path, text: str, line: int, raw: dict[str, Any]) -> None:
    """Lists of strings where lists belong, strings everywhere else."""

    for name, value in raw.items():
        if name in _LIST_FIELDS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CodebookError(
                    f"{path}, line {_field_line(text, line, name)}: {name} must be a list "
                    "of strings",
                    'Write it as keywords = ["ord", "andet ord"].',
                )
        elif not isinstance(value, str):
            raise CodebookError(
                f"{path}, line {_field_line(text, line, name)}: {name} must be a string",
                'Put the value in double quotes: name = "value".',
            )


def parse_codebook_toml(path: Path) -> CodebookFile:
    """Read and validate a TOML codebook; every error names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CodebookError(
            f"{path}: no such file",
            "Bundled codebooks load by name (`qualcode codebook load kraeftplan`); "
            "`qualcode codebook load --list` shows them.",
        ) from exc
    except IsADirectoryError as exc:
        raise CodebookError(f"{path}: is a folder", "Give a .toml or .qdc file.") from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text", "Save the codebook as UTF-8.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(
            f"{path}: invalid TOML: {exc}",
            "Check the quotes and brackets on that line; see codebooks/kraeftplan.toml "
            "(`qualcode codebook export --format toml --out FILE`) for a model.",
        ) from exc
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
        raise CodebookError(
            f"{path}: no [[code]] entries", "Each code is a [[code]] table with key and label_da."
        )
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
            raise CodebookError(f"{where}: a code without a key", 'Add key = "..." to it.')
        if key in seen:
            raise CodebookError(
                f"{where}: duplicate key {key!r} (first on line {seen[key]})",
                "Every code needs its own key.",
            )
        seen[key] = line
        _check_value_types(path, text, line, raw)
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
                + ", ".join(CODE_KINDS),
                did_you_mean(str(kind), CODE_KINDS) or "Leave kind out for a plain code.",
            )
        colour = raw.get("colour", "#888888")
        if not _COLOUR.match(colour):
            raise CodebookError(
                f"{path}, line {_field_line(text, line, 'colour')}: colour {colour!r} is not "
                "#RRGGBB",
                'Write a hex colour such as colour = "#1f77b4".',
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
                did_you_mean(spec.parent, by_key) or "The parent must be the key of another code.",
            )
    for spec in specs:
        chain = [spec.key]
        cur = spec
        while cur.parent is not None:
            if cur.parent in chain:
                loop = " -> ".join([*chain, cur.parent])
                raise CodebookError(
                    f"{source}, line {spec.line}: the parents form a cycle: {loop}",
                    "A code cannot be inside itself; change one parent.",
                )
            chain.append(cur.parent)
            cur = by_key[cur.parent]


@dataclass
class CodebookLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated}


def bundled_codebooks_dir() -> Path:
    """The codebooks shipped with qualcode: beside the package in a checkout, inside it when
    installed (the same places ``demo.bundled_dir`` looks)."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir.parent / "codebooks", package_dir / "_bundled" / "codebooks"):
        if candidate.is_dir():
            return candidate
    raise CodebookError(
        "the bundled codebooks are missing from this installation",
        "Reinstall qualcode (pip install .) from a complete checkout.",
    )


@dataclass
class BundledCodebook:
    """A codebook that ships with qualcode, loadable by its name."""

    name: str
    path: Path
    title: str
    codes: int


def bundled_codebooks() -> list[BundledCodebook]:
    """The bundled codebooks, by name (the file stem), with their title and code count."""
    out = []
    for path in sorted(bundled_codebooks_dir().glob("*.toml")):
        book = parse_codebook_toml(path)
        out.append(
            BundledCodebook(path.stem, path, book.header.get("name", path.stem), len(book.codes))
        )
    return out


def find_codebook_file(ref: str | Path) -> Path:
    """A codebook file by path, or a bundled codebook by name (``kraeftplan``).

    A path that exists wins; otherwise a bare name (or a path whose file name is a bundled
    codebook's, as in the README's ``codebooks/kraeftplan.toml``) is the bundled one.
    """
    path = Path(ref)
    if path.exists():
        return path
    try:
        bundled = {b.name: b.path for b in bundled_codebooks()}
    except CodebookError:
        bundled = {}
    stem = path.name.removesuffix(".toml")
    if stem in bundled and path.suffix.lower() in ("", ".toml"):
        return bundled[stem]
    if path.suffix == "" and len(path.parts) == 1:
        raise CodebookError(
            f"no codebook named {str(ref)!r} and no such file",
            (did_you_mean(str(ref), bundled) or "")
            + (" " if bundled else "")
            + "Bundled codebooks: "
            + (", ".join(sorted(bundled)) or "none")
            + " (`qualcode codebook load --list`).",
        )
    return path


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


def code_dict(
    code: Code, keys_by_id: dict[int, str], counts: dict[int, CodeCount]
) -> dict[str, Any]:
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


def codebook_tree(project: Project, viewer: str | None = None) -> list[dict[str, Any]]:
    """The codebook as nested dicts (roots first, each with ``children``); the counts are
    those ``viewer`` may see under blind coding (None: every coding)."""
    with project.session() as s:
        codes = all_codes(s)
        counts = code_counts(s, visible_coder_filter(project, viewer) if viewer else None)
    keys = {c.id: c.key for c in codes if c.id is not None}
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
