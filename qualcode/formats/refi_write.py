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
        for ref in code.note_refs:
            _el(el, "NoteRef", ns, targetGUID=ref)
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
        for ref in coding.note_refs:
            _el(ce, "NoteRef", ns, targetGUID=ref)
    for ref in sel.note_refs:
        _el(se, "NoteRef", ns, targetGUID=ref)


def _source_el(parent: etree._Element, src: QSource, ns: str) -> None:
    s = _el(
        parent,
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
        _selection_el(s, sel, ns)
    for ref in src.note_refs:
        _el(s, "NoteRef", ns, targetGUID=ref)
    for value in src.variables:
        _value_el(s, value, ns)


def _media_el(parent: etree._Element, media: QMedia, ns: str) -> None:
    m = _el(parent, media.kind, ns, guid=media.guid, name=_xml_safe(media.name), path=media.path)
    for tr in media.transcripts:
        t = _el(
            m,
            "Transcript",
            ns,
            guid=tr.guid,
            name=_xml_safe(tr.name),
            plainTextPath=tr.text_path,
            creationDateTime=format_datetime(tr.created),
        )
        _text_el(t, "Description", ns, tr.description)
        if tr.inline_text is not None and tr.text_path is None:
            _el(t, "PlainTextContent", ns).text = _xml_safe(tr.inline_text)
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
    for ref in st.member_codes:
        _el(se, "MemberCode", ns, targetGUID=ref)
    for ref in st.member_sources:
        _el(se, "MemberSource", ns, targetGUID=ref)
    for ref in st.member_notes:
        _el(se, "MemberNote", ns, targetGUID=ref)


def _cases_el(root: etree._Element, project: QProject, ns: str) -> None:
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


def _notes_el(root: etree._Element, project: QProject, ns: str) -> None:
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
        _text_el(n, "Description", ns, note.description)
        if note.inline_text is not None and note.text_path is None:
            _el(n, "PlainTextContent", ns).text = _xml_safe(note.inline_text)


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
    for ref in project.note_refs:
        _el(root, "NoteRef", ns, targetGUID=ref)
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
