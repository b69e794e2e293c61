"""NVivo's way of counting, both ways: its files hold sources with a BOM and CRLF line ends,
and positions in UTF-16 code units of that text (an emoji counts 2, a line end 2). A file
in NVivo's style (fictional interview, emoji before the selections) places every coding
exactly, and the property: any text with astral characters and line breaks, with any
selections, written as NVivo writes it, imports to exactly those spans, and qualcode's
``--for nvivo`` export of them imports back to the same spans."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from qualcode.coding import list_codings
from qualcode.db import Project, open_project
from qualcode.exchange import export_qdpx, import_qdpx
from qualcode.formats.text import normalise
from qualcode.models import Code, Coding, Document
from tests.exchange.helpers import write_qdpx

U = "3c4d5e6f-0000-4000-8000-0000000{:05d}"


def g(n: int) -> str:
    return U.format(n)


def u16(text: str) -> int:
    """NVivo's count: UTF-16 code units of the text as written (CRLF line ends)."""
    return len(text.replace("\n", "\r\n").encode("utf-16-le")) // 2


def nvivo_qde(spans: list[tuple[int, int, int]], codes: int = 2) -> str:
    """A project.qde as NVivo writes one: origin, users, codes; selections counted by ``u16``
    over the text (``spans`` hold UTF-16 positions and a code number)."""
    code_els = "".join(
        f'<Code guid="{g(100 + n)}" name="Kode {n}" isCodable="true" color="#A1B2C3"/>'
        for n in range(codes)
    )
    sels = "".join(
        f'<PlainTextSelection guid="{g(1000 + n)}" startPosition="{a}" endPosition="{b}" '
        f'creatingUser="{g(1)}" creationDateTime="2024-03-05T10:15:00Z">'
        f'<Coding guid="{g(5000 + n)}" creatingUser="{g(1)}">'
        f'<CodeRef targetGUID="{g(100 + c)}"/></Coding></PlainTextSelection>'
        for n, (a, b, c) in enumerate(spans)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Hjemmepleje" origin="NVivo 12.6.1.970"
  creatingUserGUID="{g(1)}" creationDateTime="2024-03-05T10:00:00Z">
  <Users><User guid="{g(1)}" name="Rikke"/></Users>
  <CodeBook><Codes>{code_els}</Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(10)}" name="Interview Rikke" plainTextPath="internal://{g(10)}.txt"
      creatingUser="{g(1)}" creationDateTime="2024-03-05T10:00:00Z">{sels}</TextSource>
  </Sources>
</Project>"""


def nvivo_source(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


INTERVIEW = (
    "Interview med Rikke 🎙️ (hjemmesygeplejerske)\n\n"
    "I: Hvordan er en typisk dag? 🤔\n\n"
    "Rikke: Travl 😅 – vi når 14 borgere 👩‍⚕️ før frokost.\n"
    "Det er for mange.\n\n"
    "I: Hvad med weekenden 🇩🇰?\n\n"
    "Rikke: 𝔚eekenden er værre. 🧓🧓 De ældre venter.\n"
)
WANTED = [
    ("Travl", 0),
    ("vi når 14 borgere 👩‍⚕️ før frokost.", 0),  # an emoji inside the selection
    ("før frokost.\nDet er for mange.", 1),  # across a CRLF
    ("Det er for mange.", 1),  # right after a CRLF
    ("weekenden 🇩🇰", 0),  # a flag: two astral characters
    ("𝔚eekenden er værre.", 1),  # starts with an astral letter
    ("🧓🧓", 0),  # only emoji
    ("De ældre venter.", 1),  # after several astral characters
]


def test_nvivo_style_file_places_every_coding_exactly(project: Project, tmp_path: Path) -> None:
    spans = []
    for phrase, code in WANTED:
        at = INTERVIEW.index(phrase)
        spans.append((u16(INTERVIEW[:at]), u16(INTERVIEW[: at + len(phrase)]), code))
    archive = write_qdpx(
        tmp_path / "nvivo.qdpx",
        nvivo_qde(spans),
        {f"Sources/{g(10)}.txt": nvivo_source(INTERVIEW)},
    )
    d = import_qdpx(project, archive).details
    assert d["position_unit"] == "UTF-16 code units"
    assert (d["codings_placed"], d["codings_unplaced"], d["not_imported"]) == (8, 0, {})
    got = sorted((c["text"], c["code"]) for c in list_codings(project))
    assert got == sorted((phrase, f"kode-{code}") for phrase, code in WANTED)
    with project.session() as s:
        doc = s.exec(select(Document)).one()
    assert doc.text == INTERVIEW  # BOM gone, CRLF stored as LF


# --------------------------------------------------------------------------- property

ALPHABET = st.characters(
    blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\ufeff\u2028\u2029\x85"
) | st.sampled_from(list("æøå .,\n\n🎉👩‍⚕️🇩🇰𝔘😟"))


@st.composite
def nvivo_documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, int]]]:
    text = normalise(draw(st.text(ALPHABET, min_size=1, max_size=200)))
    if not text.strip():
        text = "tekst 🎉\n" + text
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end, draw(st.integers(0, 1))))
    return text, spans


def _spans(project: Project) -> set[tuple[int, int, str, str]]:
    with project.session() as s:
        rows = s.exec(
            select(Coding.start, Coding.end, Code.key, Document.text)
            .join(Code, Code.id == Coding.code_id)
            .join(Document, Document.id == Coding.document_id)
        ).all()
    return {(a, b, k, text[a:b]) for a, b, k, text in rows}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=nvivo_documents())
def test_any_nvivo_counted_selection_lands_exactly_and_comes_back(
    tmp_path: Path, empty_project: Path, doc: tuple[str, list[tuple[int, int, int]]]
) -> None:
    text, spans = doc
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    for name in ("a", "b"):
        shutil.copyfile(empty_project, folder / f"{name}.qualcode")
    first = open_project(folder / "a.qualcode")
    second = open_project(folder / "b.qualcode")
    try:
        archive = write_qdpx(
            folder / "nvivo.qdpx",
            nvivo_qde([(u16(text[:a]), u16(text[:b]), c) for a, b, c in spans]),
            {f"Sources/{g(10)}.txt": nvivo_source(text)},
        )
        d = import_qdpx(first, archive, annotate=False).details
        assert (d["codings_placed"], d["codings_unplaced"]) == (len(spans), 0), d["unplaced"]
        expected = {(a, b, f"kode-{c}", text[a:b]) for a, b, c in spans}
        assert _spans(first) == expected
        export = folder / "til-nvivo.qdpx"
        export_qdpx(first, export, full=True, positions="utf16")
        d = import_qdpx(second, export, annotate=False).details
        assert d["codings_unplaced"] == 0  # (each converted from UTF-16 units: "adjusted")
        assert d["position_unit"] == "UTF-16 code units" or u16(text) == len(text)
        assert _spans(second) == expected
    finally:
        first.close()
        second.close()
