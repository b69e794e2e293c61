"""Archives written by hand in the style of other tools; each must import correctly.

Variants: positions in UTF-16 code units (.NET/Java/JavaScript tools) with CRLF counted as
two and a BOM in the source file; positions with CRLF counted as one; code points with
emoji (must NOT be converted); project namespaces ``urn:QDA-XML:project:1.0``, ``…:1:0``
and none; a .qde with another name in a sub-folder; inline PlainTextContent; a PDF source
with a text representation; GUIDs in braces and lower case; ``#RGB`` colours; codebooks
in three namespaces. Selections that cannot be placed are reported by GUID.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.codebook import codebook_tree
from qualcode.coding import list_codings
from qualcode.db import Project
from qualcode.exchange import import_qdpx, load_qdc, normalise_with_map
from qualcode.formats.text import normalise
from qualcode.models import Coder, Memo, Participant
from tests.exchange.helpers import write_qdpx

G = {  # fictional GUIDs, written the way some tools do (braces, lower case)
    "user": "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}",
    "c_root": "{0c6a7e1e-7d5b-4b8f-9a51-0c2a6f6e0a01}",
    "c_wait": "0c6a7e1e-7d5b-4b8f-9a51-0c2a6f6e0a02",
    "c_staff": "0C6A7E1E-7D5B-4B8F-9A51-0C2A6F6E0A03",
    "src": "5d2f3c1a-0000-4000-8000-000000000001",
    "case": "5d2f3c1a-0000-4000-8000-0000000000ca",
    "v_title": "5d2f3c1a-0000-4000-8000-0000000000f1",
    "v_consent": "5d2f3c1a-0000-4000-8000-0000000000f2",
    "note": "5d2f3c1a-0000-4000-8000-00000000a0e1",
}


def u16(text: str) -> int:
    """Length in UTF-16 code units, the way .NET, Java and JavaScript count."""
    return len(text.encode("utf-16-le")) // 2


def sel_guid(n: int) -> str:
    return f"9a9a9a9a-0000-4000-8000-{n:012d}"


# --------------------------------------------------------------------------- UTF-16 + CRLF

RAW_UTF16 = (
    "Interview 🎙️ med Ekspert A\r\n\r\n"
    "I: Hvad tænker du om ventetiden? 🤔\r\n\r\n"
    "Ekspert A: Ventetiden er for lang 😟 og det rammer ældre hårdest. 🧓 Vi mangler hænder "
    "i hjemmeplejen.\r\n"
)


def _utf16_qde(selections: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Ventetid (fra et andet værktøj)"
         origin="Some .NET QDA tool 24.1" creatingUserGUID="{G["user"]}">
  <Users><User guid="{G["user"]}" name="Karen"/></Users>
  <CodeBook><Codes>
    <Code guid="{G["c_root"]}" name="Adgang" isCodable="false" color="#36c">
      <Description>Adgang til behandling</Description>
      <Code guid="{G["c_wait"]}" name="Ventetid" isCodable="true" color="#F80"/>
      <Code guid="{G["c_staff"]}" name="Personale" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{G["v_title"]}" name="Titel" typeOfVariable="Text"/>
    <Variable guid="{G["v_consent"]}" name="Consent" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="{G["case"]}" name="Ekspert A">
      <VariableValue><VariableRef targetGUID="{G["v_title"]}"/>
        <TextValue>afdelingslæge</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{G["v_consent"]}"/>
        <TextValue>role_only</TextValue></VariableValue>
      <SourceRef targetGUID="{G["src"]}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{G["src"]}" name="Interview A" plainTextPath="internal://A.txt"
                creatingUser="{G["user"]}">
{selections}
    </TextSource>
  </Sources>
</Project>"""


def _selection(n: int, start: int, end: int, code: str, extra: str = "") -> str:
    return f"""      <PlainTextSelection guid="{sel_guid(n)}" startPosition="{start}"
          endPosition="{end}" creatingUser="{G["user"]}"{extra}>
        <Coding guid="{sel_guid(n)[:-3]}c0{n}" creatingUser="{G["user"]}">
          <CodeRef targetGUID="{code}"/></Coding>
      </PlainTextSelection>"""


def test_utf16_positions_with_crlf_and_bom_are_detected_and_converted(
    project: Project, tmp_path: Path
) -> None:
    wanted = ["Ventetiden er for lang", "rammer ældre hårdest", "Vi mangler hænder", "hjemmeplejen"]
    sels = []
    for n, phrase in enumerate(wanted, start=1):
        start = u16(RAW_UTF16[: RAW_UTF16.index(phrase)])
        sels.append(_selection(n, start, start + u16(phrase), G["c_wait"]))
    # Unplaceable: beyond the text; inside the surrogate pair of 😟; an unknown code.
    sels.append(_selection(7, 5, 99_999, G["c_wait"]))
    mid = u16(RAW_UTF16[: RAW_UTF16.index("😟")]) + 1
    sels.append(_selection(8, mid, mid + 4, G["c_staff"]))
    sels.append(_selection(9, 0, 9, "0c6a7e1e-7d5b-4b8f-9a51-0c2a6f6e0aff"))
    archive = write_qdpx(
        tmp_path / "dotnet.qdpx",
        _utf16_qde("\n".join(sels)),
        {"Sources/A.txt": b"\xef\xbb\xbf" + RAW_UTF16.encode("utf-8")},
        qde_name="Kræftstudie.qde",
    )
    outcome = import_qdpx(project, archive)
    d = outcome.details
    assert d["position_unit"] == "UTF-16 code units"
    assert (d["documents"], d["codings_placed"], d["codings_unplaced"]) == (1, 4, 3)
    assert d["codings_adjusted"] == 4
    unplaced = {u["guid"]: u["reason"] for u in d["unplaced"]}
    assert set(unplaced) == {sel_guid(n).upper() for n in (7, 8, 9)}
    assert "not in the codebook" in unplaced[sel_guid(9).upper()]
    assert sel_guid(7).upper() in outcome.message  # the CLI prints this message
    texts = sorted(c["text"] for c in list_codings(project))
    assert texts == sorted(wanted)
    stored = next(iter({c["document"] for c in list_codings(project)}))
    assert stored == "Interview A"
    # Text stored normalised (LF, no BOM); codings point into it.
    from qualcode.documents import resolve_document

    with project.session() as s:
        doc = resolve_document(s, "Interview A")
        assert doc.text == normalise(RAW_UTF16) and "\r" not in doc.text
        assert s.exec(select(Coder).where(Coder.name == "Karen")).first() is not None
        person = s.exec(select(Participant).where(Participant.name == "Ekspert A")).one()
        assert (person.consent, person.title) == ("role_only", "afdelingslæge")
    tree = codebook_tree(project)
    assert tree[0]["label_da"] == "Adgang" and tree[0]["colour"] == "#3366CC"
    assert [c["label_da"] for c in tree[0]["children"]] == ["Ventetid", "Personale"]
    assert tree[0]["children"][0]["colour"] == "#FF8800"
    assert tree[0]["guid"] == G["c_root"].strip("{}").upper()


def test_code_point_positions_with_emoji_are_not_converted(
    project: Project, tmp_path: Path
) -> None:
    """A text with emoji whose positions already count code points must stay as it is."""
    text = RAW_UTF16.replace("\r\n", "\n")
    wanted = ["Ventetiden er for lang", "rammer ældre hårdest", "Vi mangler hænder"]
    sels = []
    for n, phrase in enumerate(wanted, start=1):
        start = text.index(phrase)
        sels.append(_selection(n, start, start + len(phrase), G["c_wait"]))
    archive = write_qdpx(tmp_path / "cp.qdpx", _utf16_qde("\n".join(sels)), {"Sources/A.txt": text})
    d = import_qdpx(project, archive).details
    assert d["position_unit"] == "Unicode code points"
    assert (d["codings_placed"], d["codings_adjusted"], d["codings_unplaced"]) == (3, 0, 0)
    assert sorted(c["text"] for c in list_codings(project)) == sorted(wanted)


def test_crlf_counted_as_one_character(project: Project, tmp_path: Path) -> None:
    """Some tools count positions in the text after turning CRLF into LF."""
    lf_text = RAW_UTF16.replace("\r\n", "\n")
    wanted = ["Hvad tænker du om ventetiden?", "rammer ældre hårdest", "hjemmeplejen"]
    sels = []
    for n, phrase in enumerate(wanted, start=1):
        start = lf_text.index(phrase)
        sels.append(_selection(n, start, start + len(phrase), G["c_wait"]))
    archive = write_qdpx(
        tmp_path / "lf.qdpx",
        _utf16_qde("\n".join(sels)),
        {"Sources/A.txt": RAW_UTF16.encode("utf-8")},
    )
    d = import_qdpx(project, archive).details
    assert d["position_unit"] == "Unicode code points, CRLF counted as one character"
    assert d["codings_unplaced"] == 0
    assert sorted(c["text"] for c in list_codings(project)) == sorted(wanted)


# --------------------------------------------------------------------------- other namespaces

NOTE_TEXT = "Husk at spørge om hjemmeplejen i Åby 🏠."
PLAIN = "Ældre patienter 👵 i Åby venter på svar. Personalet mangler tid 🕐 til samtaler.\n"


def _qualcoder_style(ns: str) -> str:
    ns_attr = f' xmlns="{ns}"' if ns else ""
    phrases = ["Ældre patienter 👵 i Åby venter på svar.", "Personalet mangler tid"]
    sels = []
    for n, phrase in enumerate(phrases, start=1):
        start = PLAIN.index(phrase)
        code = G["c_wait"] if n == 1 else G["c_staff"]
        sels.append(_selection(n, start, start + len(phrase), code, extra=f' name="{phrase}"'))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Project{ns_attr} name="Åby-projektet" origin="A Python QDA tool 3.5">
  <Users><User guid="{G["user"]}" name="Sigrid"/></Users>
  <CodeBook><Codes>
    <Code guid="{G["c_wait"]}" name="Ventetid" isCodable="true" color="#00ff00">
      <NoteRef targetGUID="{G["note"]}"/>
    </Code>
    <Code guid="{G["c_staff"]}" name="Personale" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{G["src"]}" name="Åby-interview" plainTextPath="internal://{G["src"]}.txt">
      <Description>Interview i Åby</Description>
{chr(10).join(sels)}
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="{G["note"]}" name="Husk" plainTextPath="internal://note-1.txt"/>
  </Notes>
  <Sets><Set guid="{G["case"]}" name="Udvalgte"><MemberCode guid="{G["c_wait"]}"/></Set></Sets>
</Project>"""


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0", ""])
def test_namespaces_names_and_notes(project: Project, tmp_path: Path, ns: str) -> None:
    archive = write_qdpx(
        tmp_path / "py.qdpx",
        _qualcoder_style(ns),
        {f"Sources/{G['src']}.txt": PLAIN, "Sources/note-1.txt": NOTE_TEXT},
        qde_name="export/Mit projekt.qde",
    )
    outcome = import_qdpx(project, archive)
    d = outcome.details
    assert (d["documents"], d["codings_placed"], d["codings_unplaced"]) == (1, 2, 0)
    assert any("Mit projekt.qde" in w for w in d["warnings"])
    if ns != "urn:QDA-XML:project:1.0":
        assert any("namespace" in w for w in d["warnings"])
    codings = {c["code_label"]: c for c in list_codings(project)}
    assert codings["Ventetid"]["text"] == "Ældre patienter 👵 i Åby venter på svar."
    assert codings["Personale"]["coder"] == "Sigrid"
    with project.session() as s:
        memo = s.exec(select(Memo)).one()
        assert memo.target_kind == "code" and memo.text.endswith(NOTE_TEXT)


def test_inline_text_pdf_representation_and_unknown_consent(
    project: Project, tmp_path: Path
) -> None:
    pdf_text = "Referat fra møde om kræftplanen. Der mangler data om ulighed."
    start = pdf_text.index("data om ulighed")
    qde = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project name="Inline">
  <CodeBook><Codes><Code guid="{G["c_wait"]}" name="Data" isCodable="true"/></Codes></CodeBook>
  <Cases><Case guid="{G["case"]}" name="Deltager 7"><SourceRef targetGUID="{G["src"]}"/></Case>
  </Cases>
  <Sources>
    <TextSource guid="{G["src"]}" name="Inline-noter">
      <PlainTextContent>{PLAIN}</PlainTextContent>
      {_selection(1, 0, 15, G["c_wait"])}
    </TextSource>
    <PDFSource guid="{G["c_root"]}" name="referat.pdf" path="relative://referat.pdf">
      <Representation guid="{G["note"]}" name="referat.txt" plainTextPath="internal://r.txt">
        {_selection(2, start, start + len("data om ulighed"), G["c_wait"])}
      </Representation>
    </PDFSource>
    <PictureSource guid="{G["v_title"]}" name="tavle.jpg" path="internal://tavle.jpg"/>
  </Sources>
</Project>"""
    archive = write_qdpx(tmp_path / "inline.qdpx", qde, {"Sources/r.txt": pdf_text})
    d = import_qdpx(project, archive).details
    assert (d["documents"], d["codings_placed"], d["cases"]) == (2, 2, 1)
    assert d["not_imported"]["sources_without_text"] == 1
    assert any("PictureSource 'tavle.jpg'" in item for item in d["not_imported_items"])
    assert any("no consent" in w for w in d["warnings"])
    texts = {c["document"]: c["text"] for c in list_codings(project)}
    assert texts == {"Inline-noter": "Ældre patienter", "referat.pdf": "data om ulighed"}
    with project.session() as s:
        person = s.exec(select(Participant)).one()
        assert person.consent == "anonymous"  # unknown consent: the safe choice


def test_normalise_with_map_follows_normalise() -> None:
    raw = "\ufeffA\r\nb\u030a\rc\u2028d 🎉 e\u0301\x00f"
    text, mapping = normalise_with_map(raw)
    assert text == normalise(raw)
    assert len(mapping) == len(raw) + 1
    assert text[mapping[raw.index("🎉")]] == "🎉"
    assert text[mapping[raw.index("c")]] == "c"
    assert mapping[-1] == len(text)


# --------------------------------------------------------------------------- codebooks

QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{ns}" origin="Another tool">
  <Codes>
    <Code guid="{a}" name="Organisering" isCodable="true" color="#abc">
      <Description>Hvordan forløb er organiseret</Description>
      <Code guid="{b}" name="Overgange mellem sektorer" isCodable="true" color="#112233"/>
    </Code>
    <Code guid="{c}" name="Økonomi" isCodable="false"/>
  </Codes>
</CodeBook>"""


@pytest.mark.parametrize(
    "ns", ["urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4"]
)
def test_codebook_namespaces(project: Project, tmp_path: Path, ns: str) -> None:
    path = tmp_path / "other.qdc"
    path.write_text(
        QDC.format(ns=ns, a=G["c_root"], b=G["c_wait"], c=G["c_staff"]), encoding="utf-8"
    )
    result = load_qdc(project, path)
    assert len(result.created) == 3
    tree = codebook_tree(project)
    assert [n["label_da"] for n in tree] == ["Organisering", "Økonomi"]
    assert tree[0]["colour"] == "#AABBCC"
    assert tree[0]["description_da"] == "Hvordan forløb er organiseret"
    assert tree[0]["children"][0]["label_da"] == "Overgange mellem sektorer"
    assert tree[0]["children"][0]["guid"] == G["c_wait"].upper()


def test_cli_codebook_load_qdc(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "other.qdc"
    path.write_text(
        QDC.format(ns="urn:QDA-XML:codebook:0:4", a=G["c_root"], b=G["c_wait"], c=G["c_staff"]),
        encoding="utf-8",
    )
    assert cli("init", str(tmp_path / "test.qualcode"), project=None)[0] == 0
    code, out, err = cli("codebook", "load", str(path))
    assert code == 0, err
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook><Codes>", encoding="utf-8")
    code, out, err = cli("codebook", "load", str(bad))
    assert code == 1 and "not well-formed XML" in err


def test_selection_whose_text_is_elsewhere_is_moved_and_counted(
    project: Project, tmp_path: Path
) -> None:
    """Positions off by a few characters, but the selection's name holds its text."""
    phrase = "Personalet mangler tid"
    start = PLAIN.index(phrase) + 3  # some tools count a header we never see
    sels = _selection(1, start, start + len(phrase), G["c_staff"], extra=f' name="{phrase}"')
    qde = _qualcoder_style("urn:QDA-XML:project:1.0").replace(
        _qualcoder_style("urn:QDA-XML:project:1.0")
        .split("<Description>Interview i Åby</Description>")[1]
        .split("</TextSource>")[0],
        "\n" + sels + "\n    ",
    )
    archive = write_qdpx(
        tmp_path / "moved.qdpx",
        qde,
        {f"Sources/{G['src']}.txt": PLAIN, "Sources/note-1.txt": NOTE_TEXT},
    )
    d = import_qdpx(project, archive).details
    assert (d["codings_placed"], d["codings_adjusted"], d["codings_unplaced"]) == (1, 1, 0)
    assert d["adjusted"][0]["reason"] == "moved to where its text is"
    assert [c["text"] for c in list_codings(project)] == [phrase]


def test_utf16_encoded_project_file(project: Project, tmp_path: Path) -> None:
    """Some Windows tools write the .qde itself as UTF-16 with a BOM."""
    qde = _qualcoder_style("urn:QDA-XML:project:1.0").replace(
        'encoding="UTF-8"', 'encoding="UTF-16"'
    )
    archive = write_qdpx(
        tmp_path / "u16.qdpx",
        qde.encode("utf-16"),
        {f"Sources/{G['src']}.txt": PLAIN.encode("utf-16"), "Sources/note-1.txt": NOTE_TEXT},
    )
    d = import_qdpx(project, archive).details
    assert (d["documents"], d["codings_placed"], d["codings_unplaced"]) == (1, 2, 0)
    assert {c["text"] for c in list_codings(project)} == {
        "Ældre patienter 👵 i Åby venter på svar.",
        "Personalet mangler tid",
    }


def test_codebook_with_schema_location_sets_and_plain_ids(project: Project, tmp_path: Path) -> None:
    """In the style of a Windows tool: xsi:schemaLocation naming the 0:4 namespace, a Set of
    codes, and ids that are not GUIDs at all."""
    path = tmp_path / "tool.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:QDA-XML:codebook:0:4 Codebook.xsd" origin="Some tool 23" '
        'xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="p" name="Forælder" isCodable="true" color="#46AA00">'
        "<Description>Overordnet kode</Description>"
        '<Code guid="c" name="Barn" isCodable="true"/></Code></Codes>'
        '<Sets><Set name="Gruppe" guid="s1"><MemberCode guid="c"/></Set></Sets></CodeBook>',
        encoding="utf-8",
    )
    result = load_qdc(project, path)
    tree = codebook_tree(project)
    assert tree[0]["label_da"] == "Forælder" and tree[0]["children"][0]["label_da"] == "Barn"
    assert result.sets == ["'Gruppe' (1 codes, 0 sources, 0 notes)"]  # listed, not dropped


def test_project_with_plain_ids_keeps_references(project: Project, tmp_path: Path) -> None:
    text = "Der mangler hænder i hjemmeplejen 🏠 og tid til samtaler."
    start = text.index("tid til samtaler")
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="ids">
  <Users><User guid="u1" name="Lærke"/></Users>
  <CodeBook><Codes><Code guid="c" name="Tid" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="s1" name="Noter" plainTextPath="internal://s1.txt">
    <PlainTextSelection guid="sel1" startPosition="{start}" endPosition="{start + 16}"
        creatingUser="u1"><Coding guid="k1"><CodeRef targetGUID="c"/></Coding>
    </PlainTextSelection></TextSource></Sources>
</Project>"""
    archive = write_qdpx(tmp_path / "ids.qdpx", qde, {"Sources/s1.txt": text})
    d = import_qdpx(project, archive).details
    assert (d["codings_placed"], d["codings_unplaced"]) == (1, 0)
    assert any("'c' is not a GUID" in w for w in d["warnings"])
    [coding] = list_codings(project)
    assert (coding["text"], coding["coder"], coding["code_label"]) == (
        "tid til samtaler",
        "Lærke",
        "Tid",
    )
