"""A codebook as a file: the TOML format read and validated (every error names the file and
the line), the bundled codebooks found by name, and a codebook tree written back as TOML or
Markdown. ``qualcode.codebook`` stores what is read here and re-exports it."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from qualcode.errors import CodebookError
from qualcode.models import CODE_KINDS
from qualcode.naming import did_you_mean

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


class BundledCodebookDict(TypedDict):
    """`codebook load --list --json`: one bundled codebook."""

    name: str
    title: str
    codes: int


@dataclass
class BundledCodebook:
    """A codebook that ships with qualcode, loadable by its name."""

    name: str
    path: Path
    title: str
    codes: int

    def as_dict(self) -> BundledCodebookDict:
        return BundledCodebookDict(name=self.name, title=self.title, codes=self.codes)


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


def _flatten(tree: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for node in tree:
        out.append(node)
        out.extend(_flatten(node["children"]))
    return out


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def codebook_to_toml(tree: Sequence[Mapping[str, Any]], settings: dict[str, str]) -> str:
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


def codebook_to_markdown(tree: Sequence[Mapping[str, Any]], settings: dict[str, str]) -> str:
    title = settings.get("codebook_name") or "Codebook"
    lines = [f"# {title}", ""]

    def emit(node: Mapping[str, Any], depth: int) -> None:
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
