"""REFI-QDA (QDA-XML 1.0): reading and writing ``project.qde`` and ``.qdc`` codebooks.

Pure XML in and out: the database side (what a code or a coding becomes in a project) lives
in ``qualcode.exchange``. Reading is liberal because files come from many tools: any
namespace spelling seen in the wild, braces or lower case in GUIDs, ``#RGB`` colours,
PDF sources with a text representation. Reading is also paranoid, because an archive is
someone else's file: a DOCTYPE is refused outright (no entities, no DTD, no network), and
lxml parses with ``resolve_entities=False, no_network=True, huge_tree=False``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from qualcode.errors import CodebookError, ImportFormatError
from qualcode.safe_write import atomic_write_bytes

if TYPE_CHECKING:
    from qualcode.codebook import CodebookFile
    from qualcode.db import Project

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
# Namespace spellings other tools have written; all are read as version 1.0.
CODEBOOK_NAMESPACES = (NS_CODEBOOK, "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4", "")
PROJECT_NAMESPACES = (NS_PROJECT, "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4", "")
ORIGIN = "qualcode"
# The last line of a code's Description carries what REFI-QDA has no field for.
META_PREFIX = "qualcode: "
# Stable namespace for GUIDs qualcode derives (selections, variables): same input, same GUID.
GUID_NAMESPACE = uuid.UUID("6f1c2a0e-4b7d-4e55-9a57-2d9c1f0b7e31")
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_RGB = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    b"<!ENTITY",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
    "<!ENTITY".encode("utf-16-le"),
    "<!ENTITY".encode("utf-16-be"),
)


# --------------------------------------------------------------------------- data


@dataclass
class QCode:
    guid: str
    name: str
    colour: str | None = None
    description: str = ""
    codable: bool = True
    children: list[QCode] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass
class QCoding:
    guid: str
    code_guid: str
    creating_user: str | None = None
    created: dt.datetime | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class QSelection:
    guid: str
    start: int
    end: int
    name: str = ""
    description: str = ""
    codings: list[QCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    creating_user: str | None = None
    created: dt.datetime | None = None
    raw_start: str = ""
    raw_end: str = ""


@dataclass
class QVariableValue:
    variable_guid: str
    value: str
    type: str = "Text"


@dataclass
class QSource:
    guid: str
    name: str
    kind: str = "TextSource"
    text_path: str | None = None
    inline_text: str | None = None
    description: str = ""
    selections: list[QSelection] = field(default_factory=list)
    codings: list[QCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    variables: list[QVariableValue] = field(default_factory=list)
    creating_user: str | None = None
    created: dt.datetime | None = None


@dataclass
class QVariable:
    guid: str
    name: str
    type: str = "Text"
    description: str = ""


@dataclass
class QCase:
    guid: str
    name: str
    description: str = ""
    variables: list[QVariableValue] = field(default_factory=list)
    source_refs: list[str] = field(default_factory=list)
    selection_refs: list[str] = field(default_factory=list)


@dataclass
class QNote:
    guid: str
    name: str = ""
    text_path: str | None = None
    inline_text: str | None = None
    creating_user: str | None = None
    created: dt.datetime | None = None


@dataclass
class QSet:
    guid: str
    name: str
    description: str = ""
    member_codes: list[str] = field(default_factory=list)
    member_sources: list[str] = field(default_factory=list)
    member_notes: list[str] = field(default_factory=list)


@dataclass
class QProject:
    """A REFI-QDA project as plain data: what the XML says, nothing resolved yet."""

    name: str = ""
    origin: str = ""
    namespace: str = NS_PROJECT
    creating_user: str | None = None
    created: dt.datetime | None = None
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: list[QCode] = field(default_factory=list)  # roots
    variables: list[QVariable] = field(default_factory=list)
    cases: list[QCase] = field(default_factory=list)
    sources: list[QSource] = field(default_factory=list)
    notes: list[QNote] = field(default_factory=list)
    sets: list[QSet] = field(default_factory=list)
    description: str = ""
    note_refs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def norm_guid(value: str | None) -> str | None:
    """A GUID in one spelling (upper case, no braces); None for anything that is not one."""
    if not value:
        return None
    m = _GUID.match(value.strip())
    return m.group(1).upper() if m else None


def derived_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (stable across exports)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts))).upper()


def norm_colour(value: str | None) -> str | None:
    """``#RRGGBB`` from ``#RGB``, ``RRGGBB`` or ``#rrggbb``; None if it is not a colour."""
    if not value:
        return None
    m = _RGB.match(value.strip())
    if not m:
        return None
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


def format_datetime(value: dt.datetime | None) -> str | None:
    """xsd:dateTime in UTC with a ``Z``; naive values are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def parse_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def encode_code_description(description: str, meta: dict[str, Any]) -> str:
    """The description a person reads, then one line of what REFI-QDA has no field for."""
    meta = {k: v for k, v in meta.items() if v not in ("", None, [])}
    if not meta:
        return description
    line = META_PREFIX + json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return f"{description}\n\n{line}" if description else line


def decode_code_description(text: str) -> tuple[str, dict[str, Any]]:
    """Split a Description into the readable part and qualcode's metadata line (if any)."""
    if not text:
        return "", {}
    head, _, last = text.rstrip().rpartition("\n")
    candidate = last if head or last.startswith(META_PREFIX) else ""
    if candidate.startswith(META_PREFIX):
        try:
            meta = json.loads(candidate[len(META_PREFIX) :])
        except json.JSONDecodeError:
            return text, {}
        if isinstance(meta, dict):
            return head.rstrip("\n"), meta
    return text, {}


# --------------------------------------------------------------------------- safe parsing


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


def parse_xml(data: bytes, filename: str) -> etree._Element:
    """Parse untrusted XML: a DOCTYPE (and so any entity) is refused before parsing starts."""
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise ImportFormatError(
            filename,
            "the XML declares a DOCTYPE or entities; qualcode refuses those in exchange files",
            "REFI-QDA files never need a DOCTYPE. Remove it, or export the file again.",
        )
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise ImportFormatError(
            filename,
            f"is not well-formed XML: {exc.msg}{line}",
            "The file is damaged or not a REFI-QDA file; export it again from the other tool.",
        ) from exc
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise ImportFormatError(filename, f"cannot be read as XML: {exc}") from exc
    if root is None:
        raise ImportFormatError(filename, "holds no XML element")
    if root.getroottree().docinfo.doctype:
        raise ImportFormatError(filename, "the XML declares a DOCTYPE; refused")
    return root


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def _ns(el: etree._Element) -> str:
    return etree.QName(el.tag).namespace or ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext())


def _attr(el: etree._Element, *names: str) -> str | None:
    """An attribute by any of several spellings (tools differ in case)."""
    for name in names:
        value = el.get(name)
        if value is not None:
            return value
    lowered = {k.lower(): v for k, v in el.attrib.items() if isinstance(k, str)}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


class _Reader:
    """Turns elements into the Q* data, collecting what it had to guess as warnings."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.warnings: list[str] = []
        self.seen_guids: set[str] = set()

    def ident(self, raw: str | None) -> str | None:
        """A GUID for an identifier: the GUID itself, or one derived from a non-GUID id
        (some tools write ``guid="c12"``), the same for its definition and every reference."""
        if raw is None or not raw.strip():
            return None
        return norm_guid(raw) or derived_guid("refi-id", raw.strip())

    def guid(self, el: etree._Element, what: str) -> str:
        raw = _attr(el, "guid", "GUID")
        value = self.ident(raw)
        if value is None:
            value = derived_guid(self.filename, what, str(len(self.warnings)), str(id(el)))
            self.warnings.append(f"{what} has no GUID; gave it {value}")
        elif norm_guid(raw) is None:
            self.warnings.append(f"{what}: id {raw!r} is not a GUID; stored as {value}")
        return value

    def refs(self, el: etree._Element, name: str) -> list[str]:
        out = []
        for ref in _children(el, name):
            target = self.ident(_attr(ref, "targetGUID", "targetGuid", "guid"))
            if target:
                out.append(target)
        return out

    def code(self, el: etree._Element) -> QCode:
        name = _attr(el, "name") or ""
        guid = self.guid(el, f"code {name!r}")
        raw_colour = _attr(el, "color", "colour")
        colour = norm_colour(raw_colour)
        if raw_colour and colour is None:
            self.warnings.append(f"code {name!r}: colour {raw_colour!r} is not #RRGGBB; ignored")
        codable = (_attr(el, "isCodable") or "true").strip().lower() not in ("false", "0")
        code = QCode(
            guid=guid,
            name=name.strip() or f"code {guid[:8]}",
            colour=colour,
            description=_text_of(_child(el, "Description")),
            codable=codable,
            note_refs=self.refs(el, "NoteRef"),
        )
        code.children = [self.code(c) for c in _children(el, "Code")]
        return code

    def coding(self, el: etree._Element) -> QCoding | None:
        ref = _child(el, "CodeRef")
        target = self.ident(_attr(ref, "targetGUID", "targetGuid")) if ref is not None else None
        guid = self.guid(el, "coding")
        if target is None:
            self.warnings.append(f"coding {guid} names no code (CodeRef); skipped")
            return None
        return QCoding(
            guid=guid,
            code_guid=target,
            creating_user=self.ident(_attr(el, "creatingUser", "creatingUserGUID")),
            created=parse_datetime(_attr(el, "creationDateTime")),
            note_refs=self.refs(el, "NoteRef"),
        )

    def selection(self, el: etree._Element) -> QSelection:
        guid = self.guid(el, "selection")
        raw_start = _attr(el, "startPosition", "start") or ""
        raw_end = _attr(el, "endPosition", "end") or ""
        start = _int(raw_start)
        end = _int(raw_end)
        return QSelection(
            guid=guid,
            start=start if start is not None else -1,
            end=end if end is not None else -1,
            name=_attr(el, "name") or "",
            description=_text_of(_child(el, "Description")),
            codings=[c for c in (self.coding(x) for x in _children(el, "Coding")) if c],
            note_refs=self.refs(el, "NoteRef"),
            creating_user=self.ident(_attr(el, "creatingUser", "creatingUserGUID")),
            created=parse_datetime(_attr(el, "creationDateTime")),
            raw_start=raw_start,
            raw_end=raw_end,
        )

    def variable_values(self, el: etree._Element) -> list[QVariableValue]:
        out = []
        for vv in _children(el, "VariableValue"):
            ref = _child(vv, "VariableRef")
            target = self.ident(_attr(ref, "targetGUID")) if ref is not None else None
            if target is None:
                continue
            for kind in ("Text", "Boolean", "Integer", "Float", "Date", "DateTime"):
                value_el = _child(vv, f"{kind}Value")
                if value_el is not None:
                    out.append(QVariableValue(target, _text_of(value_el), kind))
                    break
        return out

    def text_source(self, el: etree._Element, name: str | None = None) -> QSource:
        label = name or _attr(el, "name") or ""
        guid = self.guid(el, f"source {label!r}")
        content = _child(el, "PlainTextContent")
        return QSource(
            guid=guid,
            name=label.strip() or f"source {guid[:8]}",
            kind=_local(el),
            text_path=_attr(el, "plainTextPath"),
            inline_text=_text_of(content) if content is not None else None,
            description=_text_of(_child(el, "Description")),
            selections=[self.selection(s) for s in _children(el, "PlainTextSelection")],
            codings=[c for c in (self.coding(x) for x in _children(el, "Coding")) if c],
            note_refs=self.refs(el, "NoteRef"),
            variables=self.variable_values(el),
            creating_user=self.ident(_attr(el, "creatingUser")),
            created=parse_datetime(_attr(el, "creationDateTime")),
        )

    def note(self, el: etree._Element) -> QNote:
        content = _child(el, "PlainTextContent")
        return QNote(
            guid=self.guid(el, "note"),
            name=_attr(el, "name") or "",
            text_path=_attr(el, "plainTextPath"),
            inline_text=_text_of(content) if content is not None else None,
            creating_user=self.ident(_attr(el, "creatingUser")),
            created=parse_datetime(_attr(el, "creationDateTime")),
        )


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        try:
            as_float = float(value.strip())
        except ValueError:
            return None
        return int(as_float) if as_float.is_integer() else None


def read_project_xml(data: bytes, filename: str = "project.qde") -> QProject:
    """Read a ``project.qde`` (any namespace spelling) into plain data."""
    root = parse_xml(data, filename)
    if _local(root) != "Project":
        raise ImportFormatError(
            filename,
            f"the root element is <{_local(root)}>, not <Project>",
            "A .qdpx archive must hold a REFI-QDA project (.qde) file.",
        )
    reader = _Reader(filename)
    ns = _ns(root)
    project = QProject(
        name=_attr(root, "name") or "",
        origin=_attr(root, "origin") or "",
        namespace=ns,
        creating_user=reader.ident(_attr(root, "creatingUserGUID", "creatingUser")),
        created=parse_datetime(_attr(root, "creationDateTime")),
    )
    if ns not in PROJECT_NAMESPACES:
        reader.warnings.append(f"unknown namespace {ns!r}; read as {NS_PROJECT}")
    elif ns != NS_PROJECT:
        reader.warnings.append(f"namespace {ns or '(none)'!r} read as {NS_PROJECT}")
    users = _child(root, "Users")
    if users is not None:
        for user in _children(users, "User"):
            guid = reader.guid(user, "user")
            project.users[guid] = (_attr(user, "name") or _attr(user, "id") or "").strip()
    codebook = _child(root, "CodeBook")
    if codebook is not None:
        codes = _child(codebook, "Codes")
        if codes is not None:
            project.codes = [reader.code(c) for c in _children(codes, "Code")]
    variables = _child(root, "Variables")
    if variables is not None:
        for var in _children(variables, "Variable"):
            project.variables.append(
                QVariable(
                    guid=reader.guid(var, "variable"),
                    name=(_attr(var, "name") or "").strip(),
                    type=_attr(var, "typeOfVariable") or "Text",
                    description=_text_of(_child(var, "Description")),
                )
            )
    cases = _child(root, "Cases")
    if cases is not None:
        for case in _children(cases, "Case"):
            project.cases.append(
                QCase(
                    guid=reader.guid(case, "case"),
                    name=(_attr(case, "name") or "").strip(),
                    description=_text_of(_child(case, "Description")),
                    variables=reader.variable_values(case),
                    source_refs=reader.refs(case, "SourceRef"),
                    selection_refs=reader.refs(case, "SelectionRef"),
                )
            )
    sources = _child(root, "Sources")
    if sources is not None:
        for src in sources:
            kind = _local(src)
            if kind == "TextSource":
                project.sources.append(reader.text_source(src))
            elif kind == "PDFSource" and _child(src, "Representation") is not None:
                rep = _child(src, "Representation")
                assert rep is not None
                source = reader.text_source(rep, name=_attr(src, "name"))
                source.kind = "PDFSource"
                project.sources.append(source)
            elif kind:
                name = _attr(src, "name") or ""
                reader.warnings.append(
                    f"{kind} {name!r} ({norm_guid(_attr(src, 'guid'))}) has no text "
                    "qualcode can code; skipped"
                )
    notes = _child(root, "Notes")
    if notes is not None:
        project.notes = [reader.note(n) for n in _children(notes, "Note")]
    sets = _child(root, "Sets")
    if sets is not None:
        for st in _children(sets, "Set"):
            project.sets.append(
                QSet(
                    guid=reader.guid(st, "set"),
                    name=_attr(st, "name") or "",
                    description=_text_of(_child(st, "Description")),
                    member_codes=reader.refs(st, "MemberCode"),
                    member_sources=reader.refs(st, "MemberSource"),
                    member_notes=reader.refs(st, "MemberNote"),
                )
            )
    project.description = _text_of(_child(root, "Description"))
    project.note_refs = reader.refs(root, "NoteRef")
    project.warnings = reader.warnings
    return project


def read_codebook_xml(data: bytes, filename: str) -> tuple[list[QCode], list[str]]:
    """Read a ``.qdc`` codebook: (root codes, warnings). Three namespace spellings accepted."""
    root = parse_xml(data, filename)
    if _local(root) != "CodeBook":
        raise ImportFormatError(
            filename,
            f"the root element is <{_local(root)}>, not <CodeBook>",
            "A .qdc file is a REFI-QDA codebook.",
        )
    reader = _Reader(filename)
    ns = _ns(root)
    if ns not in CODEBOOK_NAMESPACES:
        reader.warnings.append(f"unknown namespace {ns!r}; read as {NS_CODEBOOK}")
    codes_el = _child(root, "Codes")
    codes = [reader.code(c) for c in _children(codes_el, "Code")] if codes_el is not None else []
    return codes, reader.warnings


# --------------------------------------------------------------------------- codes <-> specs


def slug_key(name: str, taken: set[str]) -> str:
    """A codebook key for a code that came without one: its name, folded, made unique."""
    from qualcode.naming import fold

    base = re.sub(r"\s+", "-", fold(name)).strip("-")[:60] or "code"
    key = base
    n = 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    taken.add(key)
    return key


def code_meta(qcode: QCode) -> tuple[str, dict[str, Any]]:
    return decode_code_description(qcode.description)


def flatten_codes(roots: list[QCode]) -> list[tuple[QCode, QCode | None]]:
    """Every code with its parent, parents first."""
    out: list[tuple[QCode, QCode | None]] = []

    def walk(code: QCode, parent: QCode | None) -> None:
        out.append((code, parent))
        for child in code.children:
            walk(child, code)

    for root in roots:
        walk(root, None)
    return out


def codes_to_specs(roots: list[QCode], taken: set[str] | None = None) -> list[Any]:
    """REFI-QDA codes as ``CodeSpec``s: keys from qualcode's metadata line, else slugs."""
    from qualcode.codebook import CodeSpec
    from qualcode.models import CODE_KINDS

    taken = set() if taken is None else taken
    flat = flatten_codes(roots)
    keys: dict[str, str] = {}
    for code, _parent in flat:
        _desc, meta = code_meta(code)
        wanted = str(meta.get("key", "")).strip()
        if wanted and wanted not in taken:
            taken.add(wanted)
            keys[code.guid] = wanted
    for code, _parent in flat:
        if code.guid not in keys:
            keys[code.guid] = slug_key(code.name, taken)
    specs = []
    for code, parent in flat:
        desc, meta = code_meta(code)
        kind = meta.get("kind", "code")
        keywords = meta.get("keywords", [])
        specs.append(
            CodeSpec(
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
                colour=code.colour or "#888888",
                guid=code.guid,
            )
        )
    return specs


def read_codebook_file(path: Path) -> CodebookFile:
    """A ``.qdc`` file as the ``CodebookFile`` that ``codebook.store_codebook`` loads."""
    from qualcode.codebook import CodebookFile, validate_hierarchy

    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError(f"{path}: no such file") from exc
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        roots, _warnings = read_codebook_xml(data, str(path))
    except ImportFormatError as exc:
        raise CodebookError(exc.message, exc.hint) from exc
    if not roots:
        raise CodebookError(f"{path}: the codebook has no codes")
    specs = codes_to_specs(roots)
    validate_hierarchy(specs, str(path))
    return CodebookFile(header={}, codes=specs)


# --------------------------------------------------------------------------- writing


def _el(parent: etree._Element | None, tag_name: str, ns: str, **attrs: str | None) -> Any:
    clean = {k: v for k, v in attrs.items() if v is not None}
    tag = f"{{{ns}}}{tag_name}"
    if parent is None:
        return etree.Element(tag, clean, nsmap={None: ns})
    return etree.SubElement(parent, tag, clean)


def _text_el(parent: etree._Element, name: str, ns: str, text: str) -> None:
    if text:
        _el(parent, name, ns).text = _xml_safe(text)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters; they become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _code_el(parent: etree._Element, code: QCode, ns: str, with_notes: bool) -> None:
    el = _el(
        parent,
        "Code",
        ns,
        guid=code.guid,
        name=_xml_safe(code.name),
        isCodable="true" if code.codable else "false",
        color=code.colour,
    )
    _text_el(el, "Description", ns, code.description)
    if with_notes:
        for ref in code.note_refs:
            _el(el, "NoteRef", ns, targetGUID=ref)
    for child in code.children:
        _code_el(el, child, ns, with_notes)


def _value_el(parent: etree._Element, value: QVariableValue, ns: str) -> None:
    vv = _el(parent, "VariableValue", ns)
    _el(vv, "VariableRef", ns, targetGUID=value.variable_guid)
    _el(vv, f"{value.type}Value", ns).text = _xml_safe(value.value)


def write_project_xml(project: QProject) -> bytes:
    """The ``project.qde`` for the data, in the element order the schema requires."""
    ns = NS_PROJECT
    root = _el(
        None,
        "Project",
        ns,
        name=_xml_safe(project.name) or "qualcode project",
        origin=project.origin or ORIGIN,
        creatingUserGUID=project.creating_user,
        creationDateTime=format_datetime(project.created),
    )
    if project.users:
        users = _el(root, "Users", ns)
        for guid, name in project.users.items():
            _el(users, "User", ns, guid=guid, name=_xml_safe(name))
    if project.codes:
        codes = _el(_el(root, "CodeBook", ns), "Codes", ns)
        for code in project.codes:
            _code_el(codes, code, ns, with_notes=True)
    if project.variables:
        variables = _el(root, "Variables", ns)
        for var in project.variables:
            v = _el(
                variables, "Variable", ns, guid=var.guid, name=var.name, typeOfVariable=var.type
            )
            _text_el(v, "Description", ns, var.description)
    if project.cases:
        cases = _el(root, "Cases", ns)
        for case in project.cases:
            c = _el(cases, "Case", ns, guid=case.guid, name=_xml_safe(case.name))
            _text_el(c, "Description", ns, case.description)
            for value in case.variables:
                _value_el(c, value, ns)
            for ref in case.source_refs:
                _el(c, "SourceRef", ns, targetGUID=ref)
            for ref in case.selection_refs:
                _el(c, "SelectionRef", ns, targetGUID=ref)
    if project.sources:
        sources = _el(root, "Sources", ns)
        for src in project.sources:
            s = _el(
                sources,
                "TextSource",
                ns,
                guid=src.guid,
                name=_xml_safe(src.name),
                plainTextPath=src.text_path,
                creatingUser=src.creating_user,
                creationDateTime=format_datetime(src.created),
            )
            _text_el(s, "Description", ns, src.description)
            if src.inline_text is not None and src.text_path is None:
                _el(s, "PlainTextContent", ns).text = _xml_safe(src.inline_text)
            for sel in src.selections:
                se = _el(
                    s,
                    "PlainTextSelection",
                    ns,
                    guid=sel.guid,
                    name=_xml_safe(sel.name) if sel.name else None,
                    startPosition=str(sel.start),
                    endPosition=str(sel.end),
                    creatingUser=sel.creating_user,
                    creationDateTime=format_datetime(sel.created),
                )
                _text_el(se, "Description", ns, sel.description)
                for coding in sel.codings:
                    ce = _el(
                        se,
                        "Coding",
                        ns,
                        guid=coding.guid,
                        creatingUser=coding.creating_user,
                        creationDateTime=format_datetime(coding.created),
                    )
                    _el(ce, "CodeRef", ns, targetGUID=coding.code_guid)
                    for ref in coding.note_refs:
                        _el(ce, "NoteRef", ns, targetGUID=ref)
                for ref in sel.note_refs:
                    _el(se, "NoteRef", ns, targetGUID=ref)
            for ref in src.note_refs:
                _el(s, "NoteRef", ns, targetGUID=ref)
            for value in src.variables:
                _value_el(s, value, ns)
    if project.notes:
        notes = _el(root, "Notes", ns)
        for note in project.notes:
            n = _el(
                notes,
                "Note",
                ns,
                guid=note.guid,
                name=_xml_safe(note.name) if note.name else None,
                plainTextPath=note.text_path,
                creatingUser=note.creating_user,
                creationDateTime=format_datetime(note.created),
            )
            if note.inline_text is not None and note.text_path is None:
                _el(n, "PlainTextContent", ns).text = _xml_safe(note.inline_text)
    if project.sets:
        sets = _el(root, "Sets", ns)
        for st in project.sets:
            se = _el(sets, "Set", ns, guid=st.guid, name=_xml_safe(st.name))
            _text_el(se, "Description", ns, st.description)
            for ref in st.member_codes:
                _el(se, "MemberCode", ns, targetGUID=ref)
            for ref in st.member_sources:
                _el(se, "MemberSource", ns, targetGUID=ref)
            for ref in st.member_notes:
                _el(se, "MemberNote", ns, targetGUID=ref)
    _text_el(root, "Description", ns, project.description)
    for ref in project.note_refs:
        _el(root, "NoteRef", ns, targetGUID=ref)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_codebook_xml(codes: list[QCode], origin: str = ORIGIN) -> bytes:
    """A ``.qdc`` codebook (namespace ``urn:QDA-XML:codebook:1.0``)."""
    ns = NS_CODEBOOK
    root = _el(None, "CodeBook", ns, origin=origin)
    codes_el = _el(root, "Codes", ns)
    for code in codes:
        _code_el(codes_el, code, ns, with_notes=False)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def project_codes(project: Project) -> list[QCode]:
    """The project's codebook as REFI-QDA codes (GUIDs and colours as stored)."""
    from qualcode.codebook import all_codes

    with project.session() as s:
        codes = all_codes(s)
    by_id: dict[int, QCode] = {}
    for c in codes:
        meta = {
            "key": c.key,
            "kind": c.kind,
            "label_en": c.label_en,
            "description_en": c.description_en,
            "guiding_question_da": c.guiding_question_da,
            "guiding_question_en": c.guiding_question_en,
            "use_when": c.use_when,
            "not_when": c.not_when,
            "keywords": list(c.keywords or []),
        }
        by_id[c.id] = QCode(  # type: ignore[index]
            guid=norm_guid(c.guid) or derived_guid("code", c.key),
            name=c.label_da or c.label_en or c.key,
            colour=norm_colour(c.colour),
            description=encode_code_description(c.description_da, meta),
        )
    roots: list[QCode] = []
    for c in codes:
        node = by_id[c.id]  # type: ignore[index]
        if c.parent_id is not None and c.parent_id in by_id and c.parent_id != c.id:
            by_id[c.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def write_codebook_file(project: Project, out: Path) -> None:
    """Write the project's codebook as a REFI-QDA ``.qdc`` file (names as consent allows)."""
    from sqlmodel import select

    from qualcode.exchange import Redactor
    from qualcode.models import Participant

    roots = project_codes(project)
    with project.session() as s:
        redactor = Redactor(list(s.exec(select(Participant))))
    for code, _parent in flatten_codes(roots):
        code.name = redactor.text(code.name)
        code.description = redactor.text(code.description)
    if not roots:
        raise CodebookError(
            "the project has no codebook to export", "Load one with `qualcode codebook load`."
        )
    data = write_codebook_xml(roots)
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise CodebookError(f"{out}: cannot write ({exc.strerror})") from exc
