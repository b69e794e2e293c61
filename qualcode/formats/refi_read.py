"""Reading REFI-QDA ``project.qde`` and ``.qdc`` XML into the plain data of ``refi_model``.

Liberal because files come from many tools: any namespace spelling seen in the wild, braces
or lower case in GUIDs, ``#RGB`` colours, PDF sources with a text representation. Paranoid
because an archive is someone else's file: a DOCTYPE is refused outright (no entities, no
DTD, no network), and lxml parses with ``resolve_entities=False, no_network=True,
huge_tree=False``. A transcript of an audio or video source is read as a text source with
its sync points; what qualcode cannot hold (PDF regions, pictures, the media themselves,
links, graphs) is counted in ``QProject.skipped``, never dropped silently.
"""

from __future__ import annotations

import lxml.etree as etree

from qualcode.errors import ImportFormatError
from qualcode.formats.refi_model import (
    CODEBOOK_NAMESPACES,
    NS_CODEBOOK,
    NS_PROJECT,
    PROJECT_NAMESPACES,
    QCase,
    QCode,
    QCodebook,
    QCoding,
    QNote,
    QProject,
    QSelection,
    QSet,
    QSource,
    QSyncPoint,
    QVariable,
    QVariableValue,
    derived_guid,
    norm_colour,
    norm_guid,
    parse_datetime,
)

__all__ = [
    "parse_xml",
    "read_codebook",
    "read_codebook_xml",
    "read_project_xml",
]

_DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    b"<!ENTITY",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
    "<!ENTITY".encode("utf-16-le"),
    "<!ENTITY".encode("utf-16-be"),
)


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

    def transcript(self, el: etree._Element, media: etree._Element) -> QSource:
        """A media source's ``Transcript`` as a text source with its sync points; each
        ``TranscriptSelection`` runs from one sync point's position to another's."""
        media_name = _attr(media, "name") or ""
        source = self.text_source(el, name=_attr(el, "name") or media_name)
        source.kind = "Transcript"
        source.media_guid = self.ident(_attr(media, "guid"))
        source.media_name = media_name
        for point in _children(el, "SyncPoint"):
            source.sync_points.append(
                QSyncPoint(
                    guid=self.guid(point, "sync point"),
                    position=_int(_attr(point, "position")),
                    time_ms=_int(_attr(point, "timeStamp")),
                )
            )
        at = {p.guid: p.position for p in source.sync_points}
        for sel_el in _children(el, "TranscriptSelection"):
            sel = self.selection(sel_el)
            ends = [self.ident(_attr(sel_el, name)) for name in ("fromSyncPoint", "toSyncPoint")]
            where = [at.get(ref) if ref else None for ref in ends]
            if where[0] is None or where[1] is None:
                sel.problem = "its sync points are missing or have no position"
            else:
                sel.start, sel.end = where[0], where[1]
            source.selections.append(sel)
        return source

    def note(self, el: etree._Element) -> QNote:
        content = _child(el, "PlainTextContent")
        return QNote(
            guid=self.guid(el, "note"),
            name=_attr(el, "name") or "",
            text_path=_attr(el, "plainTextPath"),
            inline_text=_text_of(content) if content is not None else None,
            description=_text_of(_child(el, "Description")),
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


# Selection elements of sources qualcode cannot code, by the kind they are counted as.
_MEDIA_SELECTIONS = {
    "PDFSelection": "pdf_selections",
    "PictureSelection": "picture_selections",
    "AudioSelection": "audio_selections",
    "VideoSelection": "video_selections",
}


_MEDIA_SOURCES = ("AudioSource", "VideoSource")


def _count_media(project: QProject, src: etree._Element, label: str) -> None:
    """Count what a source holds that has no place in a text project (PDF regions, media)."""
    for tag, kind in _MEDIA_SELECTIONS.items():
        found = _children(src, tag)
        codings = sum(len(_children(x, "Coding")) for x in found)
        project.skip(kind, f"{label}: {len(found)} {tag} ({codings} codings)", len(found))


def _read_sources(project: QProject, reader: _Reader, sources: etree._Element) -> None:
    for src in sources:
        kind = _local(src)
        if not kind:
            continue
        name = _attr(src, "name") or ""
        label = f"{kind} {name!r}"
        if kind == "TextSource":
            project.sources.append(reader.text_source(src))
            continue
        _count_media(project, src, label)
        rep = _child(src, "Representation") if kind == "PDFSource" else None
        transcripts = _children(src, "Transcript") if kind in _MEDIA_SOURCES else []
        if transcripts:
            # The transcripts are text qualcode holds (with their sync points); the media
            # itself and codings of the whole recording are not.
            project.sources.extend(reader.transcript(t, src) for t in transcripts)
            codings = len(_children(src, "Coding"))
            project.skip("media_codings", f"{label}: {codings} codings of the whole media", codings)
        elif rep is not None:
            source = reader.text_source(rep, name=name)
            source.kind = "PDFSource"
            project.sources.append(source)
        else:
            codings = len(_children(src, "Coding"))
            project.skip(
                "sources_without_text",
                f"{label} ({norm_guid(_attr(src, 'guid'))}) has no text qualcode can code"
                + (f"; {codings} codings of the whole source" if codings else ""),
            )


def _read_sets(reader: _Reader, parent: etree._Element) -> list[QSet]:
    sets = _child(parent, "Sets")
    if sets is None:
        return []
    return [
        QSet(
            guid=reader.guid(st, "set"),
            name=_attr(st, "name") or "",
            description=_text_of(_child(st, "Description")),
            member_codes=reader.refs(st, "MemberCode"),
            member_sources=reader.refs(st, "MemberSource"),
            member_notes=reader.refs(st, "MemberNote"),
        )
        for st in _children(sets, "Set")
    ]


def _read_cases(reader: _Reader, cases: etree._Element) -> list[QCase]:
    return [
        QCase(
            guid=reader.guid(case, "case"),
            name=(_attr(case, "name") or "").strip(),
            description=_text_of(_child(case, "Description")),
            variables=reader.variable_values(case),
            source_refs=reader.refs(case, "SourceRef"),
            selection_refs=reader.refs(case, "SelectionRef"),
        )
        for case in _children(cases, "Case")
    ]


def _read_variables(reader: _Reader, variables: etree._Element) -> list[QVariable]:
    return [
        QVariable(
            guid=reader.guid(var, "variable"),
            name=(_attr(var, "name") or "").strip(),
            type=_attr(var, "typeOfVariable") or "Text",
            description=_text_of(_child(var, "Description")),
        )
        for var in _children(variables, "Variable")
    ]


def _read_graphs_and_links(project: QProject, root: etree._Element) -> None:
    links = _child(root, "Links")
    if links is not None:
        for link in _children(links, "Link"):
            project.skip("links", f"link {(_attr(link, 'name') or '')!r}")
    graphs = _child(root, "Graphs")
    if graphs is not None:
        for graph in _children(graphs, "Graph"):
            project.skip(
                "graphs",
                f"graph {(_attr(graph, 'name') or '')!r} ({len(_children(graph, 'Vertex'))} "
                f"vertices, {len(_children(graph, 'Edge'))} edges)",
            )


def _project_root(data: bytes, filename: str) -> etree._Element:
    root = parse_xml(data, filename)
    if _local(root) != "Project":
        raise ImportFormatError(
            filename,
            f"the root element is <{_local(root)}>, not <Project>",
            "A .qdpx archive must hold a REFI-QDA project (.qde) file.",
        )
    return root


def read_project_xml(data: bytes, filename: str = "project.qde") -> QProject:
    """Read a ``project.qde`` (any namespace spelling) into plain data."""
    root = _project_root(data, filename)
    reader = _Reader(filename)
    ns = _ns(root)
    project = QProject(
        name=_attr(root, "name") or "",
        origin=_attr(root, "origin") or "",
        base_path=_attr(root, "basePath") or "",
        namespace=ns,
        creating_user=reader.ident(_attr(root, "creatingUserGUID", "creatingUser")),
        created=parse_datetime(_attr(root, "creationDateTime")),
    )
    if ns not in PROJECT_NAMESPACES:
        reader.warnings.append(f"unknown namespace {ns!r}; read as {NS_PROJECT}")
    elif ns != NS_PROJECT:
        reader.warnings.append(f"namespace {ns or '(none)'!r} read as {NS_PROJECT}")
    users = _child(root, "Users")
    for user in _children(users, "User") if users is not None else []:
        guid = reader.guid(user, "user")
        project.users[guid] = (_attr(user, "name") or _attr(user, "id") or "").strip()
    codebook = _child(root, "CodeBook")
    codes = _child(codebook, "Codes") if codebook is not None else None
    if codes is not None:
        project.codes = [reader.code(c) for c in _children(codes, "Code")]
    variables = _child(root, "Variables")
    if variables is not None:
        project.variables = _read_variables(reader, variables)
    cases = _child(root, "Cases")
    if cases is not None:
        project.cases = _read_cases(reader, cases)
    sources = _child(root, "Sources")
    if sources is not None:
        _read_sources(project, reader, sources)
    notes = _child(root, "Notes")
    if notes is not None:
        project.notes = [reader.note(n) for n in _children(notes, "Note")]
    project.sets = _read_sets(reader, root)
    _read_graphs_and_links(project, root)
    project.description = _text_of(_child(root, "Description"))
    project.note_refs = reader.refs(root, "NoteRef")
    project.warnings = reader.warnings
    return project


def read_codebook(data: bytes, filename: str) -> QCodebook:
    """Read a ``.qdc`` codebook: codes, sets and warnings. Three namespace spellings."""
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
    return QCodebook(
        codes=codes,
        sets=_read_sets(reader, root),
        warnings=reader.warnings,
        origin=_attr(root, "origin") or "",
    )


def read_codebook_xml(data: bytes, filename: str) -> tuple[list[QCode], list[str]]:
    """Read a ``.qdc`` codebook: (root codes, warnings)."""
    book = read_codebook(data, filename)
    return book.codes, book.warnings
