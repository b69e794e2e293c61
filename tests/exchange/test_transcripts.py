"""Turns with media times travel as REFI-QDA Transcripts with SyncPoints, both ways.

Other tools' transcripts (an ATLAS.ti-style video with its transcript, written by hand with
fictional people) become documents whose turns take their times from the sync points, with
the transcript's selections placed between sync points; what does not map is counted.
qualcode's own export writes an AudioSource whose transcript is the document's text file,
and reading it back (even without qualcode's extension) gives every turn its times."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree
from sqlmodel import select

from qualcode.coding import list_codings
from qualcode.db import Project, open_project
from qualcode.exchange import export_qdpx, import_qdpx
from qualcode.exchange.payload import PAYLOAD_MEMBER
from qualcode.importing import import_files
from qualcode.models import Document, Turn
from tests.exchange.helpers import schema, write_qdpx

U = "7a8b9c0d-0000-4000-8000-0000000000{:02d}"
NS = "{urn:QDA-XML:project:1.0}"


def g(n: int) -> str:
    return U.format(n)


LINES = [
    "I: Hvordan var ventetiden?",
    "Karen Lund: Den var alt for lang, næsten et år.",
    "I: Og hjælpen bagefter?",
    "Karen Lund: Den var god, da den endelig kom.",
]
TEXT = "\n".join(LINES) + "\n"


def _line_start(n: int) -> int:
    return sum(len(line) + 1 for line in LINES[:n])


def _atlas_video_qde() -> str:
    mid = TEXT.index("næsten")
    end2 = TEXT.index("et år.") + len("et år.")
    points = [
        (g(20), 0, 0),
        (g(21), _line_start(1), 4000),
        (g(22), mid, 6000),  # inside a turn: no turn starts or ends there
        (g(23), end2, 8000),
        (g(24), _line_start(2), 9000),
        (g(25), _line_start(3), 12000),
        (g(26), len(TEXT), 15000),
    ]
    sync = "".join(
        f'<SyncPoint guid="{guid}" timeStamp="{ms}" position="{pos}"/>' for guid, pos, ms in points
    )
    sync += f'<SyncPoint guid="{g(27)}" position="5"/>'  # no time: cannot be kept
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Ventetid" origin="ATLAS.ti 23.4.0 (Windows)">
  <Users><User guid="{g(1)}" name="Ulla"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(2)}" name="Tid::Ventetid" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <VideoSource guid="{g(10)}" name="karen.mp4" path="internal://{g(10)}.mp4">
      <Transcript guid="{g(11)}" name="Karen, udskrift" plainTextPath="internal://{g(11)}.txt">
        {sync}
        <TranscriptSelection guid="{g(30)}" fromSyncPoint="{g(22)}" toSyncPoint="{g(23)}">
          <Coding guid="{g(31)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(2)}"/></Coding>
        </TranscriptSelection>
        <TranscriptSelection guid="{g(32)}" fromSyncPoint="{g(22)}" toSyncPoint="{g(99)}">
          <Coding guid="{g(33)}"><CodeRef targetGUID="{g(2)}"/></Coding>
        </TranscriptSelection>
      </Transcript>
      <VideoSelection guid="{g(40)}" begin="0" end="4000">
        <Coding guid="{g(41)}"><CodeRef targetGUID="{g(2)}"/></Coding>
      </VideoSelection>
    </VideoSource>
  </Sources>
</Project>"""


def test_atlas_transcript_becomes_a_document_with_timed_turns(
    project: Project, tmp_path: Path
) -> None:
    archive = write_qdpx(
        tmp_path / "video.qdpx", _atlas_video_qde(), {f"Sources/{g(11)}.txt": TEXT}
    )
    d = import_qdpx(project, archive).details
    assert d["documents"] == 1 and d["codings_placed"] == 1 and d["codings_unplaced"] == 1
    assert d["not_imported"] == {"video_selections": 1, "sync_points": 2}
    assert any("no time" in i or "time None" in i for i in d["not_imported_items"])
    assert any("fall on no speaker turn" in i for i in d["not_imported_items"])
    (unplaced,) = d["unplaced"]
    assert unplaced["coding_guid"] == g(33).upper() and "sync points" in unplaced["reason"]
    with project.session() as s:
        doc = s.exec(select(Document)).one()
        turns = list(s.exec(select(Turn).order_by(Turn.ordinal)))
    assert doc.title == "Karen, udskrift" and doc.meta["refi_media"] == "karen.mp4"
    assert doc.text == TEXT and doc.kind == "interview"
    assert [(t.speaker, t.media_start, t.media_end) for t in turns] == [
        ("I", 0.0, 4.0),
        ("Karen Lund", 4.0, 8.0),
        ("I", 9.0, 12.0),
        ("Karen Lund", 12.0, 15.0),
    ]
    (coding,) = list_codings(project)
    assert coding["text"] == "næsten et år."


def _vtt_project(project: Project, tmp_path: Path) -> Path:
    vtt = tmp_path / "samtale.vtt"
    vtt.write_text(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.500\n<v Interviewer>Hvad tænker du om 🙂 ventetiden?\n\n"
        "00:00:05.000 --> 00:00:09.250\n<v Jens Mølgaard>Den er for lang.\nAlt for lang.\n\n"
        # One speaker's next cue: one turn (its label repeats in the text).
        "00:00:09.500 --> 00:00:11.000\n<v Jens Mølgaard>Og dyr.\n\n"
        "00:00:11.000 --> 00:00:12.000\n<v Interviewer>Tak.\n\n"
        "00:00:12.500 --> 00:01:02.125\n<v Jens Mølgaard>Selv tak 𝔘.\n",
        encoding="utf-8",
    )
    (outcome,) = import_files(project, [vtt])
    assert outcome.status == "imported", outcome.message
    return vtt


def _timed_turns(project: Project) -> list[tuple[str, int, int, float | None, float | None]]:
    with project.session() as s:
        return [
            (t.speaker, t.start, t.end, t.media_start, t.media_end)
            for t in s.exec(select(Turn).order_by(Turn.document_id, Turn.ordinal))
        ]


def _without_payload(path: Path) -> Path:
    out = path.with_name("uden-tillaeg.qdpx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != PAYLOAD_MEMBER:
                dst.writestr(info, src.read(info.filename))
    return out


def test_own_export_writes_sync_points_and_reads_them_back(
    project: Project, tmp_path: Path
) -> None:
    _vtt_project(project, tmp_path)
    before = _timed_turns(project)
    assert len(before) == 4 and all(t[3] is not None for t in before)
    for positions in ("codepoints", "utf16"):
        out = tmp_path / f"eksport-{positions}.qdpx"
        export_qdpx(project, out, full=True, positions=positions)
        with zipfile.ZipFile(out) as zf:
            xml = zf.read("project.qde")
        root = etree.parse(io.BytesIO(xml)).getroot()
        schema("Project-mrt2019.xsd").assertValid(root)
        (audio,) = root.iter(f"{NS}AudioSource")
        (text_source,) = root.iter(f"{NS}TextSource")
        (transcript,) = audio.iter(f"{NS}Transcript")
        assert transcript.get("plainTextPath") == text_source.get("plainTextPath")
        stamps = [int(p.get("timeStamp")) for p in transcript.iter(f"{NS}SyncPoint")]
        assert stamps == [1000, 4500, 5000, 11000, 11000, 12000, 12500, 62125]
        # With the extension (exact) and without it (from the sync points alone).
        for archive in (out, _without_payload(out)):
            target = tmp_path / f"fresh-{positions}-{archive.stem}.qualcode"
            fresh = open_project(target, create=True)
            d = import_qdpx(fresh, archive).details
            assert d["documents"] == 1 and "sync_points" not in d["not_imported"], d
            assert "sources_without_text" not in d["not_imported"]
            assert _timed_turns(fresh) == before, (positions, archive.name)
            fresh.close()
