"""Writing REFI-QDA ``project.qde`` and ``.qdc`` XML from the plain data of ``refi_model``,
in the element order the schemas require (every export is validated against them in tests).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import lxml.etree as etree

from qualcode.formats.refi_model import (
    NS_CODEBOOK,
    NS_PROJECT,
    ORIGIN,
    QArchive,
    QCode,
    QMedia,
    QNote,
    QProject,
    QSet,
    QSource,
    QVariableValue,
    format_datetime,
)

__all__ = [
    "write_codebook_xml",
    "write_project_xml",
    "write_qdpx_archive",
]


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
        _refs(el, "NoteRef", ns, code.note_refs)
    for child in code.children:
        _code_el(el, child, ns, with_notes)


def _value_el(parent: etree._Element, value: QVariableValue, ns: str) -> None:
    vv = _el(parent, "VariableValue", ns)
    _el(vv, "VariableRef", ns, targetGUID=value.variable_guid)
    _el(vv, f"{value.type}Value", ns).text = _xml_safe(value.value)


def _selection_el(parent: etree._Element, sel: Any, ns: str) -> None:
    se = _el(
        parent,
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
        _refs(ce, "NoteRef", ns, coding.note_refs)
    _refs(se, "NoteRef", ns, sel.note_refs)


def _refs(parent: etree._Element, tag_name: str, ns: str, targets: list[str]) -> None:
    for target in targets:
        _el(parent, tag_name, ns, targetGUID=target)


def _with_text(parent: etree._Element, tag_name: str, ns: str, item: QSource | QNote) -> Any:
    """A ``TextSource``, ``Transcript`` or ``Note``: attributes, Description and the text
    (a file's path, or inline content), in the order the schema wants."""
    el = _el(
        parent,
        tag_name,
        ns,
        guid=item.guid,
        name=_xml_safe(item.name) if item.name else None,
        plainTextPath=item.text_path,
        creatingUser=item.creating_user,
        creationDateTime=format_datetime(item.created),
    )
    _text_el(el, "Description", ns, item.description)
    if item.inline_text is not None and item.text_path is None:
        _el(el, "PlainTextContent", ns).text = _xml_safe(item.inline_text)
    return el


def _source_el(parent: etree._Element, src: QSource, ns: str) -> None:
    s = _with_text(parent, "TextSource", ns, src)
    for sel in src.selections:
        _selection_el(s, sel, ns)
    _refs(s, "NoteRef", ns, src.note_refs)
    for value in src.variables:
        _value_el(s, value, ns)


def _media_el(parent: etree._Element, media: QMedia, ns: str) -> None:
    m = _el(parent, media.kind, ns, guid=media.guid, name=_xml_safe(media.name), path=media.path)
    for tr in media.transcripts:
        t = _with_text(m, "Transcript", ns, tr)
        for point in tr.sync_points:
            _el(
                t,
                "SyncPoint",
                ns,
                guid=point.guid,
                timeStamp=None if point.time_ms is None else str(point.time_ms),
                position=None if point.position is None else str(point.position),
            )


def _set_el(parent: etree._Element, st: QSet, ns: str) -> None:
    se = _el(parent, "Set", ns, guid=st.guid, name=_xml_safe(st.name))
    _text_el(se, "Description", ns, st.description)
    _refs(se, "MemberCode", ns, st.member_codes)
    _refs(se, "MemberSource", ns, st.member_sources)
    _refs(se, "MemberNote", ns, st.member_notes)


def _cases_el(root: etree._Element, project: QProject, ns: str) -> None:
    cases = _el(root, "Cases", ns)
    for case in project.cases:
        c = _el(cases, "Case", ns, guid=case.guid, name=_xml_safe(case.name))
        _text_el(c, "Description", ns, case.description)
        for value in case.variables:
            _value_el(c, value, ns)
        _refs(c, "SourceRef", ns, case.source_refs)
        _refs(c, "SelectionRef", ns, case.selection_refs)


def _notes_el(root: etree._Element, project: QProject, ns: str) -> None:
    notes = _el(root, "Notes", ns)
    for note in project.notes:
        _with_text(notes, "Note", ns, note)


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
        _cases_el(root, project, ns)
    if project.sources or project.media:
        sources = _el(root, "Sources", ns)
        for src in project.sources:
            _source_el(sources, src, ns)
        for media in project.media:
            _media_el(sources, media, ns)
    if project.notes:
        _notes_el(root, project, ns)
    if project.sets:
        sets = _el(root, "Sets", ns)
        for st in project.sets:
            _set_el(sets, st, ns)
    _text_el(root, "Description", ns, project.description)
    _refs(root, "NoteRef", ns, project.note_refs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_codebook_xml(
    codes: list[QCode], origin: str = ORIGIN, sets: list[QSet] | None = None
) -> bytes:
    """A ``.qdc`` codebook (namespace ``urn:QDA-XML:codebook:1.0``)."""
    ns = NS_CODEBOOK
    root = _el(None, "CodeBook", ns, origin=origin)
    codes_el = _el(root, "Codes", ns)
    for code in codes:
        _code_el(codes_el, code, ns, with_notes=False)
    if sets:
        sets_el = _el(root, "Sets", ns)
        for st in sets:
            _set_el(sets_el, st, ns)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_qdpx_archive(archive: QArchive) -> bytes:
    """A ``.qdpx``: ``project.qde``, then each source text (UTF-8, with a BOM when asked),
    then the other members."""
    bom = b"\xef\xbb\xbf" if archive.bom else b""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", write_project_xml(archive.project))
        for member, text in archive.texts.items():
            zf.writestr(member, bom + text.encode("utf-8"))
        for member, data in archive.members.items():
            zf.writestr(member, data)
    return buffer.getvalue()
