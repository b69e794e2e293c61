"""Returned packets read faithfully: track changes, edited quote cells, comments, bad files."""

from __future__ import annotations

import re
import resource
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from qualcode import quotes
from qualcode.db import Project
from qualcode.errors import PacketError
from qualcode.packets import TEXTS, parse_returned_docx, read_packets
from tests.packets.test_packets import _asta_packet, _state, _study

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


@pytest.fixture
def study(project: Project) -> Project:
    return _study(project)


def _edit(src: Path, out: Path, change: Callable[[etree._Element], None],
          extra: dict[str, bytes] | None = None) -> Path:  # fmt: skip
    """Copy a .docx, changing word/document.xml with ``change`` and adding ``extra`` parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            zout.writestr(item, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out


def _cells(root: etree._Element, label_key: str) -> list[etree._Element]:
    """The value cell of every row whose label is ``TEXTS[*][label_key]``, in order."""
    labels = {TEXTS[lang][label_key] for lang in TEXTS}
    out = []
    for tr in root.iter(f"{{{W}}}tr"):
        tcs = tr.findall("w:tc", NS)
        if len(tcs) == 2 and "".join(tcs[0].itertext()).strip() in labels:
            out.append(tcs[1])
    return out


def _put(cell: etree._Element, xml: str) -> None:
    """Replace the cell's paragraphs with ``xml`` (one or more w:p, namespace w)."""
    for p in cell.findall("w:p", NS):
        cell.remove(p)
    wrapper = etree.fromstring(f'<x xmlns:w="{W}">{xml}</x>')
    for child in wrapper:
        cell.append(child)


WORD_STYLE = {
    # Word: the typed word inside w:ins, the old one inside w:del.
    "reject": '<w:p><w:del w:id="1" w:author="E"><w:r><w:delText>Godkend</w:delText></w:r>'
    '</w:del><w:ins w:id="2" w:author="E"><w:r><w:t>Afvis</w:t></w:r></w:ins></w:p>',
    "approve": '<w:p><w:ins w:id="3" w:author="E"><w:r><w:t>Godkend</w:t></w:r></w:ins></w:p>',
}
LIBRE_STYLE = {
    # LibreOffice re-save: runs split mid-word, rPr in every run, xml:space, a moveFrom.
    "reject": '<w:p><w:pPr/><w:ins w:id="10" w:author="E" w:date="2030-04-02T10:00:00Z">'
    '<w:r><w:rPr><w:lang w:val="da-DK"/></w:rPr><w:t xml:space="preserve">Af</w:t></w:r>'
    "</w:ins><w:ins w:id=\"11\" w:author=\"E\"><w:r><w:rPr/><w:t>vis</w:t></w:r></w:ins>"
    '<w:moveFrom w:id="12" w:author="E"><w:r><w:t>Godkend</w:t></w:r></w:moveFrom></w:p>',
    "approve": '<w:p><w:ins w:id="13" w:author="E"><w:r><w:t xml:space="preserve">God</w:t>'
    '</w:r></w:ins><w:ins w:id="14" w:author="E"><w:r><w:t>kend</w:t></w:r></w:ins>'
    '<w:del w:id="15" w:author="E"><w:r><w:delText> afvis</w:delText></w:r></w:del></w:p>',
}


@pytest.mark.parametrize("style", [WORD_STYLE, LIBRE_STYLE], ids=["word", "libreoffice"])
def test_track_changes_are_read_as_the_accepted_text(
    study: Project, tmp_path: Path, style: dict[str, str]
) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    ids = packet["quotes"]

    def change(root: etree._Element) -> None:
        answers = _cells(root, "answer")
        _put(answers[0], style["reject"])
        _put(answers[1], style["approve"])

    returned = _edit(Path(packet["path"]), tmp_path / "svar.docx", change)
    report = read_packets(study, [returned])[0]
    got = {r["quote_id"]: r["status"] for r in report["recorded"]}
    assert got == {ids[0]: "rejected", ids[1]: "approved"}
    # A rejection is never lost to the sweep.
    quotes.sweep(study, today=__import__("datetime").date(2031, 1, 1))
    assert quotes.get_quote(study, ids[0])["status"] == "rejected"


def test_an_edited_quote_cell_is_an_approval_with_changes(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    ids = packet["quotes"]
    new = "Vi måler forskelligt i de fem regioner, så ingen kan sammenligne."

    def change(root: etree._Element) -> None:
        _put(_cells(root, "quote")[0], f"<w:p><w:r><w:t>»{new}«</w:t></w:r></w:p>")
        _put(_cells(root, "answer")[0], "<w:p><w:r><w:t>Godkend</w:t></w:r></w:p>")
        _put(_cells(root, "quote")[1], "<w:p><w:r><w:t>Helt ny tekst</w:t></w:r></w:p>")

    returned = _edit(Path(packet["path"]), tmp_path / "svar.docx", change)
    report = read_packets(study, [returned])[0]
    recorded = {r["quote_id"]: r for r in report["recorded"]}
    assert recorded[ids[0]]["status"] == "approved_with_changes"
    assert recorded[ids[0]]["approved_wording"] == new
    q = quotes.get_quote(study, ids[0])
    assert "approved_wording" in q["fidelity"]
    # An edited cell with no answer at all is also a revision, never a silent approval.
    assert recorded[ids[1]]["status"] == "approved_with_changes"
    assert recorded[ids[1]]["approved_wording"] == "Helt ny tekst"


def test_word_comments_on_a_quote_become_its_note(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    ids = packet["quotes"]

    def change(root: etree._Element) -> None:
        cell = _cells(root, "quote")[1]
        p = cell.find("w:p", NS)
        assert p is not None
        start = etree.SubElement(p, f"{{{W}}}commentRangeStart")
        start.set(f"{{{W}}}id", "7")
        p.insert(0, start)
        ref = etree.SubElement(p, f"{{{W}}}r")
        etree.SubElement(ref, f"{{{W}}}commentReference").set(f"{{{W}}}id", "7")
        _put(_cells(root, "answer")[1], "<w:p><w:r><w:t>Afvis</w:t></w:r></w:p>")

    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W}">'
        '<w:comment w:id="7" w:author="E"><w:p><w:r><w:t>Tallet er fra 2029, ikke i år.</w:t>'
        "</w:r></w:p></w:comment></w:comments>"
    ).encode()
    returned = _edit(Path(packet["path"]), tmp_path / "svar.docx", change,
                     {"word/comments.xml": comments})  # fmt: skip
    report = read_packets(study, [returned])[0]
    rec = {r["quote_id"]: r for r in report["recorded"]}
    assert rec[ids[1]]["status"] == "rejected"
    assert rec[ids[1]]["note"] == "Tallet er fra 2029, ikke i år."


@pytest.mark.parametrize("answer", ["Godkend / Afvis", "☒ Godkend ☒ Afvis", "ja nej", "kanske"])
def test_two_answers_or_an_unknown_word_refuse_the_file(
    study: Project, tmp_path: Path, answer: str
) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    ids = packet["quotes"]

    def change(root: etree._Element) -> None:
        _put(_cells(root, "answer")[0], "<w:p><w:r><w:t>Godkend</w:t></w:r></w:p>")
        _put(_cells(root, "answer")[2], f"<w:p><w:r><w:t>{answer}</w:t></w:r></w:p>")

    returned = _edit(Path(packet["path"]), tmp_path / "svar.docx", change)
    before = _state(study)
    with pytest.raises(PacketError) as err:
        read_packets(study, [returned])
    assert f"Q{ids[2]}-" in err.value.message and "nothing was recorded" in err.value.message
    if "Afvis" in answer:
        assert "both" in err.value.message
    assert _state(study) == before


def test_an_unticked_box_is_not_an_answer(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")

    def change(root: etree._Element) -> None:
        _put(_cells(root, "answer")[0], "<w:p><w:r><w:t>☒ Godkend ☐ Afvis</w:t></w:r></w:p>")

    returned = _edit(Path(packet["path"]), tmp_path / "svar.docx", change)
    report = read_packets(study, [returned])[0]
    assert [r["status"] for r in report["recorded"]] == ["approved"]


def test_a_doctype_is_a_clean_error(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    src, out = Path(packet["path"]), tmp_path / "dtd.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = re.sub(
                    rb"^(<\?xml[^>]*\?>)",
                    rb'\1<!DOCTYPE x [<!ENTITY e "boom">]>',
                    data,
                )
            zout.writestr(item, data)
    before = _state(study)
    with pytest.raises(PacketError, match="DOCTYPE"):
        read_packets(study, [out])
    assert _state(study) == before


def test_a_zip_bomb_is_refused_with_bounded_memory(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    bomb = tmp_path / "bomb.docx"
    shutil.copy(packet["path"], bomb)
    # 256 MB of zeros compresses to about 250 kB; a reader that inflates it whole balloons.
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf, zf.open(
        "word/comments.xml", "w", force_zip64=True
    ) as fh:
        chunk = b"\0" * (1 << 24)
        for _ in range(16):
            fh.write(chunk)
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(PacketError, match="too large|size limit"):
        parse_returned_docx(bomb)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_rss
    assert grown_kb < 100 * 1024, grown_kb


def test_a_lying_size_header_is_still_capped(tmp_path: Path) -> None:
    """Headers can lie: the streamed read stops at the cap whatever the header says."""
    from qualcode.packets import returned as ret

    path = tmp_path / "liar.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<a/>" + b" " * (ret.MAX_PART_BYTES + 10))
    # Forge the header's uncompressed size down to 10 bytes.
    data = bytearray(path.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        i = data.find(sig)
        offset = 22 if sig == b"PK\x03\x04" else 24
        data[i + offset : i + offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(PacketError):
        parse_returned_docx(path)
