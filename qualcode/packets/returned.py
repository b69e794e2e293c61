"""Reading a returned .docx packet faithfully (no database here).

The file is opened as a zip with size caps before anything is decompressed (a zip bomb is
refused using a bounded amount of memory), its XML is parsed without a DOCTYPE (one
anywhere is a clean error), and each cell is read as Word would show the accepted text:
tracked insertions (``w:ins``, ``w:moveTo``) kept, tracked deletions (``w:del``,
``w:moveFrom``) dropped, however the runs are split (Word or a LibreOffice re-save).
Word comments anchored in a quote's table are kept as that quote's note.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from qualcode.errors import PacketError
from qualcode.formats.packet_content import TEXTS

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PART_BYTES = 40 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 5000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_DROPPED = {f"{_W}del", f"{_W}moveFrom"}
_REF = re.compile(r"^\s*Q(\d+)-([0-9A-Fa-f]{4})\s*$")
_REFERENCE_LINE = re.compile(
    r"(?:Pakke-reference|Packet reference):\s*([0-9A-Fa-f-]{36})/([0-9A-Fa-f-]{36})"
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class ReturnedAnswer:
    ref: str
    quote_id: int
    guid4: str
    answer: str
    new_wording: str
    comment: str
    quote_cell: str | None = None  # the Quote row as returned (None when absent)


@dataclass
class ReturnedPacket:
    path: Path
    project_id: str
    token: str
    answers: list[ReturnedAnswer]
    sha256: str
    comments: dict[str, str] = field(default_factory=dict)


def _norm_label(text: str) -> str:
    return re.sub(r"[\s:]+$", "", re.sub(r"\s+", " ", text)).strip().casefold()


_FIELD_BY_LABEL: dict[str, str] = {
    _norm_label(texts[key]): key
    for texts in TEXTS.values()
    for key in ("ref", "answer", "new_wording", "comment", "quote")
}


def _refuse(path: Path, why: str) -> PacketError:
    return PacketError(
        f"{path.name}: {why}; nothing was recorded",
        "Give the .docx file the expert sent back (re-saved in Word if need be).",
    )


def _read_member(zf: zipfile.ZipFile, name: str, path: Path, budget: list[int]) -> bytes | None:
    """A member's bytes, decompressed in chunks and stopped at the caps (headers can lie)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise _refuse(path, f"{name} is too large ({info.file_size} bytes unpacked)")
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 16):
                size += len(chunk)
                budget[0] -= len(chunk)
                if size > MAX_PART_BYTES or budget[0] < 0:
                    raise _refuse(path, f"{name} unpacks to more than the size limit")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _refuse(path, f"{name} is damaged ({exc})") from exc
    return b"".join(chunks)


def _parse_xml(data: bytes, name: str, path: Path) -> etree._Element:
    try:
        tree = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _refuse(path, f"{name} is not well-formed XML ({exc.msg})") from exc
    doctype = tree.getroottree().docinfo.doctype
    if doctype or b"<!DOCTYPE" in data[:4096].upper():
        raise _refuse(path, f"{name} has a DOCTYPE, which a Word packet never has")
    return tree


def _text(el: etree._Element) -> str:
    """The accepted text under ``el``: insertions kept, deletions dropped, one line a paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []

    def walk(node: etree._Element) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _DROPPED:
                continue
            if tag == f"{_W}t":
                current.append(child.text or "")
            elif tag == f"{_W}tab":
                current.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                current.append("\n")
            elif tag == f"{_W}p":
                walk(child)
                paragraphs.append("".join(current))
                current.clear()
            elif tag == f"{_W}tbl":
                continue  # a nested table is read on its own
            else:
                walk(child)

    if el.tag == f"{_W}p":
        walk(el)
        paragraphs.append("".join(current))
    else:
        walk(el)
        if current:
            paragraphs.append("".join(current))
    return "\n".join(paragraphs).strip()


def _comments(zf: zipfile.ZipFile, path: Path, budget: list[int]) -> dict[str, str]:
    data = _read_member(zf, "word/comments.xml", path, budget)
    if not data:
        return {}
    root = _parse_xml(data, "word/comments.xml", path)
    return {c.get(f"{_W}id", ""): _text(c) for c in root.iter(f"{_W}comment")}


def _custom_properties(zf: zipfile.ZipFile, path: Path, budget: list[int]) -> dict[str, str]:
    data = _read_member(zf, "docProps/custom.xml", path, budget)
    if not data:
        return {}
    root = _parse_xml(data, "docProps/custom.xml", path)
    out: dict[str, str] = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            out[name] = prop[0].text or ""
    return out


def _answer_of(
    table: etree._Element, comments: dict[str, str], path: Path
) -> ReturnedAnswer | None:
    fields: dict[str, str] = {}
    for row in table.iterchildren(f"{_W}tr"):
        cells = list(row.iterchildren(f"{_W}tc"))
        if len(cells) < 2:
            continue
        key = _FIELD_BY_LABEL.get(_norm_label(_text(cells[0])))
        if key and key not in fields:
            fields[key] = _text(cells[1])
    if "ref" not in fields:
        return None
    m = _REF.match(fields["ref"])
    if m is None:
        raise PacketError(
            f"{path.name}: a quote id was edited ({fields['ref']!r} is not a quote id of "
            "this packet); nothing was recorded",
            "Ask the expert for the file again, or record the answers with "
            "`qualcode quotes respond`.",
        )
    anchored = {
        el.get(f"{_W}id", "")
        for tag in ("commentRangeStart", "commentReference")
        for el in table.iter(f"{_W}{tag}")
    }
    notes = [fields.get("comment", "")] + [comments[i] for i in sorted(anchored) if i in comments]
    return ReturnedAnswer(
        ref=fields["ref"].strip(),
        quote_id=int(m.group(1)),
        guid4=m.group(2).upper(),
        answer=fields.get("answer", ""),
        new_wording=fields.get("new_wording", ""),
        comment="\n".join(n for n in notes if n.strip()),
        quote_cell=fields.get("quote"),
    )


def parse_returned_docx(path: Path) -> ReturnedPacket:
    """Read the identity and the answer fields of a returned packet (no database)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _refuse(path, f"the file is too large ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise PacketError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PacketError(
            f"{path.name}: not a Word packet (cannot open it as .docx: {exc.__class__.__name__})",
            "Give the .docx file the expert sent back.",
        ) from exc
    with zf:
        if len(zf.infolist()) > MAX_MEMBERS:
            raise _refuse(path, f"the file holds {len(zf.infolist())} parts")
        budget = [MAX_TOTAL_BYTES]
        body = _read_member(zf, "word/document.xml", path, budget)
        if body is None:
            raise PacketError(
                f"{path.name}: not a Word packet (no word/document.xml)",
                "Give the .docx file the expert sent back.",
            )
        root = _parse_xml(body, "word/document.xml", path)
        props = _custom_properties(zf, path, budget)
        comments = _comments(zf, path, budget)
    token = props.get("qualcode_packet", "")
    proj = props.get("qualcode_project", "")
    if not token:
        for para in root.iter(f"{_W}p"):
            m = _REFERENCE_LINE.search(_text(para))
            if m:
                proj, token = m.group(1), m.group(2)
                break
    if not token:
        raise PacketError(
            f"{path.name}: not a qualcode packet (it has no packet reference)",
            "Give the packet file made by `qualcode packets make` and returned by the expert.",
        )
    answers = [a for t in root.iter(f"{_W}tbl") if (a := _answer_of(t, comments, path))]
    return ReturnedPacket(path, proj, token, answers, hashlib.sha256(data).hexdigest(), comments)


# --- answer words ---------------------------------------------------------------------------

ANSWER_WORDS: dict[str, str] = {}
for _action, _words in {
    "approve": [
        "godkend", "godkendt", "godkender", "godkendes", "ja", "ok", "okay", "fint",
        "godkend uden ændringer", "approve", "approved", "yes", "accept", "accepted",
        "i approve",
    ],
    "revise": [
        "godkend med ændringer", "godkendt med ændringer", "godkender med ændringer",
        "med ændringer", "ret", "rettet", "ændret", "ændring", "ændringer", "ny formulering",
        "approve with changes", "approved with changes", "with changes", "revise", "revised",
        "change", "changes", "changed", "amend", "amended",
    ],
    "reject": ["afvis", "afvist", "afviser", "afvises", "nej", "reject", "rejected", "no"],
}.items():  # fmt: skip
    for _w in _words:
        ANSWER_WORDS[_w] = _action
_PHRASES = sorted(ANSWER_WORDS, key=len, reverse=True)
_FILLER = {"tak", "gerne", "hermed", "please", "thanks", "thank", "you", "x", "og", "and"}
_UNTICKED = re.compile(r"[☐□]\s*[^☐□☒☑✓✔\n]*")


def normalise_answer(text: str) -> str:
    """The answer as written, reduced to lower-case words (tolerates case, space, marks)."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def answer_actions(text: str) -> tuple[set[str], str]:
    """Every action the answer names (an unticked box ☐ and its label left out), and what
    words were left over."""
    rest = " " + normalise_answer(_UNTICKED.sub(" ", text)) + " "
    found: set[str] = set()
    for phrase in _PHRASES:
        needle = f" {phrase} "
        while needle in rest:
            found.add(ANSWER_WORDS[phrase])
            rest = rest.replace(needle, " ", 1)
    left = " ".join(w for w in rest.split() if w not in _FILLER)
    return found, left


def parse_answer(text: str) -> str | None:
    """``approve``/``revise``/``reject`` for an answer word, "" for blank, None if unreadable
    (an unknown word, or more than one answer ticked)."""
    if not normalise_answer(_UNTICKED.sub(" ", text)):
        return ""
    found, left = answer_actions(text)
    if len(found) != 1 or left:
        return None
    return next(iter(found))
