"""Files in the style of NVivo and ATLAS.ti, written by hand (fictional people and text):
what each tool writes that qualcode cannot hold is counted by kind and listed, a bare .qde
and a .qdc are accepted where users have them, and an export for NVivo counts the way
NVivo counts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from lxml import etree
from sqlmodel import select

from qualcode.codebook import codebook_tree
from qualcode.coding import list_codings
from qualcode.db import Project, open_project
from qualcode.exchange import export_qdpx, import_qdpx
from qualcode.importing import import_files
from qualcode.models import Document, Memo, Turn
from tests.exchange.fidelity import fingerprint
from tests.exchange.helpers import DANISH_TEXT, EMOJI_TEXT, build_project, schema, write_qdpx

U = "0a1b2c3d-0000-4000-8000-0000000000{:02d}"


def g(n: int) -> str:
    return U.format(n)


# --------------------------------------------------------------------------- ATLAS.ti style

ATLAS_TEXT = (
    "Mødenoter fra Nordby Kommune\n\n"
    "Hjemmesygeplejen fortalte om lange ventetider på hjælpemidler. "
    "Borgerne i yderområderne venter længst.\n"
)


def _atlas_qde() -> str:
    start = ATLAS_TEXT.index("lange ventetider")
    end = start + len("lange ventetider på hjælpemidler")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Nordby" origin="ATLAS.ti 23.4.0 (Mac)">
  <Users><User guid="{g(1)}" name="Signe"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(2)}" name="Adgang::Ventetid" isCodable="true" color="#336699"/>
    <Code guid="{g(3)}" name="Adgang::Geografi" isCodable="true"/>
    <Code guid="{g(4)}" name="Økonomi" isCodable="true" color="#AA0000"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(10)}" name="Mødenoter" plainTextPath="internal://{g(10)}.txt">
      <PlainTextSelection guid="{g(11)}" startPosition="{start}" endPosition="{end}"
          creatingUser="{g(1)}">
        <Coding guid="{g(12)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(2)}"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PDFSource guid="{g(20)}" name="rapport.pdf" path="internal://{g(20)}.pdf">
      <PDFSelection guid="{g(21)}" page="1" firstX="10" firstY="10" secondX="90" secondY="40">
        <Coding guid="{g(22)}"><CodeRef targetGUID="{g(4)}"/></Coding>
      </PDFSelection>
      <PDFSelection guid="{g(23)}" page="2" firstX="10" firstY="10" secondX="90" secondY="40">
        <Coding guid="{g(24)}"><CodeRef targetGUID="{g(3)}"/></Coding>
      </PDFSelection>
    </PDFSource>
    <PictureSource guid="{g(30)}" name="tavle.jpg" path="internal://{g(30)}.jpg">
      <PictureSelection guid="{g(31)}" firstX="1" firstY="1" secondX="5" secondY="5">
        <Coding guid="{g(32)}"><CodeRef targetGUID="{g(4)}"/></Coding>
      </PictureSelection>
    </PictureSource>
    <VideoSource guid="{g(40)}" name="møde.mp4" path="internal://{g(40)}.mp4">
      <Transcript guid="{g(41)}" name="møde-udskrift" plainTextPath="internal://{g(41)}.txt">
        <SyncPoint guid="{g(42)}" timeStamp="0" position="0"/>
        <SyncPoint guid="{g(43)}" timeStamp="5000" position="20"/>
      </Transcript>
      <VideoSelection guid="{g(44)}" begin="0" end="4000">
        <Coding guid="{g(45)}"><CodeRef targetGUID="{g(2)}"/></Coding>
      </VideoSelection>
    </VideoSource>
    <AudioSource guid="{g(50)}" name="opkald.m4a" path="internal://{g(50)}.m4a">
      <AudioSelection guid="{g(51)}" begin="0" end="1000">
        <Coding guid="{g(52)}"><CodeRef targetGUID="{g(3)}"/></Coding>
      </AudioSelection>
    </AudioSource>
  </Sources>
  <Notes>
    <Note guid="{g(60)}" name="Kommentar til mødet">
      <Description>Spørg kommunen om tallene</Description>
      <PlainTextContent>Vigtigt møde.</PlainTextContent>
    </Note>
  </Notes>
  <Links>
    <Link guid="{g(70)}" name="forklarer" originGUID="{g(2)}" targetGUID="{g(4)}"/>
  </Links>
  <Sets>
    <Set guid="{g(80)}" name="Kodegruppe: Adgang">
      <MemberCode targetGUID="{g(2)}"/><MemberCode targetGUID="{g(3)}"/>
    </Set>
    <Set guid="{g(81)}" name="Dokumentgruppe: Kommuner"><MemberSource targetGUID="{g(10)}"/></Set>
  </Sets>
  <Graphs>
    <Graph guid="{g(90)}" name="Netværk">
      <Vertex guid="{g(91)}" representedGUID="{g(2)}" firstX="0" firstY="0"/>
      <Vertex guid="{g(92)}" representedGUID="{g(4)}" firstX="9" firstY="9"/>
      <Edge guid="{g(93)}" sourceVertex="{g(91)}" targetVertex="{g(92)}"/>
    </Graph>
  </Graphs>
  <NoteRef targetGUID="{g(60)}"/>
</Project>"""


def test_atlas_style_reports_everything_it_cannot_hold(project: Project, tmp_path: Path) -> None:
    archive = write_qdpx(
        tmp_path / "atlas.qdpx", _atlas_qde(), {f"Sources/{g(10)}.txt": ATLAS_TEXT}
    )
    outcome = import_qdpx(project, archive)
    d = outcome.details
    assert d["codings_placed"] == 1 and d["documents"] == 1
    assert d["not_imported"] == {
        "pdf_selections": 2,
        "picture_selections": 1,
        "video_selections": 1,
        "audio_selections": 1,
        "sync_points": 2,  # of the video's transcript, whose text is not in the archive
        "sets": 2,
        "links": 1,
        "graphs": 1,
        "sources_without_text": 3,  # the PDF (no text layer), picture and audio
    }
    (missing,) = d["missing_sources"]
    assert "møde-udskrift" in missing
    assert {s["name"] for s in d["sets"]} == {"Kodegruppe: Adgang", "Dokumentgruppe: Kommuner"}
    assert "not imported" in outcome.message and "2 pdf selections" in outcome.message
    assert "set 'Kodegruppe: Adgang' (2 codes, 0 sources, 0 notes): listed" in outcome.message
    # Group::Code names became a hierarchy (ATLAS.ti origin).
    tree = codebook_tree(project)
    adgang = next(n for n in tree if n["label_da"] == "Adgang")
    assert {c["label_da"] for c in adgang["children"]} == {"Ventetid", "Geografi"}
    assert next(n for n in tree if n["label_da"] == "Økonomi")["colour"] == "#AA0000"
    # A code without a colour stays without one.
    assert next(c for c in adgang["children"] if c["label_da"] == "Geografi")["colour"] == ""
    (coding,) = list_codings(project)
    assert coding["text"] == "lange ventetider på hjælpemidler"
    with project.session() as s:
        memo = s.exec(select(Memo)).one()
    assert "Vigtigt møde." in memo.text and "Spørg kommunen om tallene" in memo.text
    assert memo.text.startswith("Kommentar til mødet")  # a title of its own stays on top


def test_bare_qde_with_sources_folder_and_a_missing_source(
    project: Project, tmp_path: Path
) -> None:
    folder = tmp_path / "eksport"
    (folder / "Sources").mkdir(parents=True)
    qde = _atlas_qde().replace(
        "</Sources>",
        f'<TextSource guid="{g(15)}" name="Forsvundet" plainTextPath="internal://{g(15)}.txt"/>'
        "</Sources>",
    )
    (folder / "Nordby.qde").write_text(qde, encoding="utf-8")
    (folder / "Sources" / f"{g(10)}.txt").write_text(ATLAS_TEXT, encoding="utf-8")
    (outcome,) = import_files(project, [folder / "Nordby.qde"])
    assert outcome.status == "imported", outcome.message
    assert outcome.details["documents"] == 1 and outcome.details["codings_placed"] == 1
    forsvundet, transcript = sorted(outcome.details["missing_sources"])
    assert "Forsvundet" in forsvundet and "møde-udskrift" in transcript
    assert "missing source" in outcome.message


def test_qdc_through_import_with_a_set_and_an_unchanged_reload(
    cli, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kodebog.qdc"
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti 8.4"><Codes>'
        f'<Code guid="{g(2)}" name="Adgang::Ventetid" isCodable="true" color="#336699"/>'
        f'<Code guid="{g(4)}" name="Økonomi" isCodable="true"/></Codes>'
        f'<Sets><Set guid="{g(80)}" name="Vigtige"><MemberCode targetGUID="{g(4)}"/></Set>'
        "</Sets></CodeBook>",
        encoding="utf-8",
    )
    code, out, err = cli("import", str(path))
    assert code == 0, err
    assert "2 codes created" in out or "3 codes created" in out
    assert "set not imported (listed): 'Vigtige'" in out
    code, out, err = cli("import", str(path))
    assert code == 0 and "nothing changed" in out, out
    code, out, err = cli("codebook", "load", str(path), "--json")
    assert json.loads(out)["updated"] == [] and json.loads(out)["created"] == []


def test_unsupported_type_names_the_exchange_formats(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "projekt.nvp"
    path.write_bytes(b"not ours")
    (outcome,) = import_files(project, [path])
    assert outcome.status == "failed"
    assert ".qdpx" in outcome.message and ".qde" in outcome.message and ".qdc" in outcome.message
    assert outcome.hint is not None and "REFI-QDA" in outcome.hint


# --------------------------------------------------------------------------- NVivo style


def test_export_for_nvivo_counts_utf16_units_over_crlf(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    out = tmp_path / "nvivo.qdpx"
    result = export_qdpx(project, out, positions="utf16")
    assert result["positions"] == "utf16"
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        xsd = schema("Project-mrt2019.xsd")
        assert xsd.validate(root), xsd.error_log
        seen = set()
        for src in root.iterfind(".//q:TextSource", ns):
            data = zf.read("Sources/" + src.get("plainTextPath").removeprefix("internal://"))
            assert data.startswith(b"\xef\xbb\xbf")  # as NVivo's own files
            text = data[3:].decode("utf-8")
            assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
            units = text.encode("utf-16-le")
            for sel in src.iterfind("q:PlainTextSelection", ns):
                a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
                seen.add(units[2 * a : 2 * b].decode("utf-16-le"))
    # Read as NVivo reads (UTF-16 units), the selections are exactly the coded words.
    assert {"🐢 alt for lang", "æøå-folket 🇩🇰", "Ulighed 𝔘 fylder også."} <= seen
    assert "ventetiden på svar for lang" in seen
    # And qualcode reads its own NVivo export back to the same project.
    fresh = open_project(tmp_path / "fresh.qualcode", create=True)
    try:
        details = import_qdpx(fresh, out, annotate=False).details
        assert details["codings_unplaced"] == 0
        with fresh.session() as s:
            texts = {d.title: d.text for d in s.exec(select(Document))}
        assert DANISH_TEXT in texts.values() and EMOJI_TEXT in texts.values()
        assert fingerprint(fresh)["codings"] == fingerprint(project)["codings"]
    finally:
        fresh.close()


def test_cli_export_for_nvivo_and_full_note(cli, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_project(project, tmp_path)
    code, out, err = cli("export", "qdpx", str(tmp_path / "a.qdpx"), "--for", "nvivo", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["positions"] == "utf16" and data["redacted"] is True
    assert set(data["redactions"]) == {"total", "by_participant", "by_kind"}
    assert "full export" not in err
    code, out, err = cli("export", "qdpx", str(tmp_path / "b.qdpx"), "--full")
    assert code == 0 and "full export" in err and "real names" in err
    assert "nothing redacted" in out
    code, out, err = cli("export", "qdpx", str(tmp_path / "c.qdpx"), "--for", "maxqda")
    assert code == 1 and "unknown tool" in err


# --------------------------------------------------------------------------- turns


def test_comment_thread_is_not_split_into_turns(project: Project, tmp_path: Path) -> None:
    thread = "".join(
        f"{name}: {line}\n"
        for name, line in [
            ("Orbán", "A kormány nem fog változtatni a terven, és ez így van jól."),
            ("Kovács Anna", "Ez nem igaz, hogy a kórházak rendben vannak."),
            ("Orbán", "Már mondtam, hogy a pénz meg van."),
            ("Orbán", "És azt is, hogy nem lesz több vita."),
            ("Nagy Péter", "Ha ez így van, akkor miért kell még várni?"),
            ("Orbán", "Mert a szabály az szabály."),
            ("Szabó Éva", "De a betegek nem várhatnak egy évig."),
            ("Tóth Gábor", "Egyetértek, és még most is csak ígéretek vannak."),
        ]
    )
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Hozzászólások" origin="Other tool 1.0">
  <Sources><TextSource guid="{g(10)}" name="Szál"><PlainTextContent>{thread}</PlainTextContent>
  </TextSource></Sources></Project>"""
    archive = write_qdpx(tmp_path / "thread.qdpx", qde)
    import_qdpx(project, archive)
    with project.session() as s:
        doc = s.exec(select(Document)).one()
        turns = list(s.exec(select(Turn)))
    assert doc.language == "hu"
    assert turns == [] and doc.kind == "document"


def test_labels_of_an_interview_still_make_turns(project: Project, tmp_path: Path) -> None:
    text = (
        "I: Hvordan går det?\n\nAnne Holm: Det går godt.\n\nI: Og ventetiden?\n\n"
        "Anne Holm: Den er lang.\n"
    )
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Interview" origin="Other tool 1.0">
  <Sources><TextSource guid="{g(10)}" name="Anne"><PlainTextContent>{text}</PlainTextContent>
  </TextSource></Sources></Project>"""
    import_qdpx(project, write_qdpx(tmp_path / "i.qdpx", qde))
    with project.session() as s:
        speakers = [t.speaker for t in s.exec(select(Turn).order_by(Turn.ordinal))]
    assert speakers == ["I", "Anne Holm", "I", "Anne Holm"]
