"""REFI-QDA and CSV export: schema-valid, stable GUIDs, and no name consent does not allow."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from lxml import etree
from sqlmodel import select

from qualcode.db import Project
from qualcode.exchange import export_csv, export_qdc, export_qdpx
from qualcode.exchange.redact import export_redactor
from qualcode.models import Participant
from tests.exchange.helpers import build_project, schema

NS = {"q": "urn:QDA-XML:project:1.0"}


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("project.qde"))


def test_export_is_schema_valid(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    out = tmp_path / "out.qdpx"
    result = export_qdpx(project, out)
    assert result["documents"] == 2 and result["codings"] == 8
    xsd = schema("Project-mrt2019.xsd")
    root = _qde(out)
    assert xsd.validate(root), xsd.error_log
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        for src in root.iterfind(".//q:TextSource", NS):
            member = src.get("plainTextPath").removeprefix("internal://")
            assert f"Sources/{member}" in names
            zf.read(f"Sources/{member}").decode("utf-8")  # UTF-8 plain text


def test_demo_export_is_schema_valid(demo_project: Project, tmp_path: Path) -> None:
    out = tmp_path / "demo.qdpx"
    export_qdpx(demo_project, out)
    xsd = schema("Project-mrt2019.xsd")
    assert xsd.validate(_qde(out)), xsd.error_log


def test_codebook_qdc_is_schema_valid(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    out = tmp_path / "book.qdc"
    export_qdc(project, out)
    xsd = schema("Codebook.xsd")
    root = etree.parse(str(out)).getroot()
    assert xsd.validate(root), xsd.error_log
    codes = root.findall(".//{urn:QDA-XML:codebook:1.0}Code")
    assert {c.get("name") for c in codes} == {"Tidlig opsporing", "Ventetid på svar", "Ulighed"}
    assert {c.get("color") for c in codes} == {"#1F77B4", "#AEC7E8", "#D62728"}


def test_guids_are_stable_across_exports(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    export_qdpx(project, first)
    export_qdpx(project, second)

    def guids(path: Path) -> list[tuple[str, str | None]]:
        return [
            (etree.QName(el).localname, el.get("guid"))
            for el in _qde(path).iter()
            if isinstance(el.tag, str) and el.get("guid")
        ]

    assert guids(first) == guids(second)
    codes = {el.get("name"): el.get("guid") for el in _qde(first).iterfind(".//q:Code", NS)}
    from qualcode.codebook import codebook_tree

    stored = {n["label_da"]: n["guid"] for n in _flatten(codebook_tree(project))}
    assert codes == stored


def _flatten(tree: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for node in tree:
        out.append(node)
        out.extend(_flatten(node["children"]))
    return out


def test_consent_rules_every_exported_byte(project: Project, tmp_path: Path) -> None:
    """role_only -> role, anonymous -> pseudonym: in cases, texts, titles, notes, CSV."""
    build_project(project, tmp_path)
    # The anonymous expert is named in a document and in a memo: both must be redacted.
    extra = tmp_path / "referat.txt"
    extra.write_text(
        "Referat\n\nUlrikke Ravnsholt (ur@aaby.example) og Jonas Krogsbøl deltog. "
        "Ravnsholts pointe om Institut for Registerforskning Åby blev noteret. "
        "Ulrikke sagde, at Jonas havde ret.\n",
        encoding="utf-8",
    )
    from qualcode.coding import apply_code, code_match
    from qualcode.importing import import_one

    doc = import_one(project, extra, title="Referat med Ulrikke Ravnsholt").document_id
    coded = code_match(
        project,
        doc,
        "Ravnsholts pointe om Institut",
        "ulighed",
        "ida",
        memo="Spørg Ulrikke Ravnsholt igen",
    )
    apply_code(project, doc, "1", 0, 7, "ida")
    out = tmp_path / "out.qdpx"
    export_qdpx(project, out)
    forbidden = [
        "Ulrikke",
        "Ravnsholt",
        "ur@aaby.example",
        "Registerforskning",
        "professor i sundhedsdata",
        "Jonas",
        "Krogsbøl",
        "jk@sondervig.example",
    ]
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            for word in forbidden:
                assert word not in text, f"{word!r} leaked into {name}"
            assert word not in name
        root = etree.fromstring(zf.read("project.qde"))
        cases = {c.get("name") for c in root.iterfind(".//q:Case", NS)}
        assert "Ekspert 3" in cases
        assert "sygeplejerske, Hjemmeplejen Søndervig" in cases
        assert "Birthe Vestergård" in cases  # named: the name is allowed
        # The coding on the redacted document still covers the same (redacted) words.
        src = next(
            s
            for s in root.iterfind(".//q:TextSource", NS)
            if s.get("name").startswith("Referat med")
        )
        assert src.get("name") == "Referat med [Ekspert 3]"
        member = src.get("plainTextPath").removeprefix("internal://")
        text = zf.read(f"Sources/{member}").decode("utf-8")
        sels = {
            text[int(s.get("startPosition")) : int(s.get("endPosition"))]
            for s in src.iterfind("q:PlainTextSelection", NS)
        }
        assert any(x.startswith("[Ekspert 3]") and "pointe om […]" in x for x in sels), sels
        assert "Referat" in sels
    assert coded["text"] == "Ravnsholts pointe om Institut"
    rows = tmp_path / "c.csv"
    export_csv(project, rows)
    data = rows.read_bytes().decode("utf-8-sig")
    for word in forbidden:
        assert word not in data


def test_redactor_moves_offsets_with_the_names(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    with project.session() as s:
        people = list(s.exec(select(Participant)))
    redactor = export_redactor(people)
    text = "Hej Ulrikke Ravnsholt, og tak. Ravnsholts svar: ja."
    new, moved = redactor.redact_with_map(text)
    assert "Ulrikke" not in new and "Ravnsholt" not in new and "Ekspert 3" in new
    start = text.index("og tak")
    assert new[moved.start(start) : moved.end(start + 6)] == "og tak"
    whole = (text.index("Ulrikke"), text.index(","))
    assert "Ekspert 3" in new[moved.start(whole[0]) : moved.end(whole[1])]
    assert redactor.counts.total >= 2


def test_csv_has_bom_and_one_row_per_coding(project: Project, tmp_path: Path) -> None:
    build_project(project, tmp_path)
    out = tmp_path / "codings.csv"
    result = export_csv(project, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert result["rows"] == len(rows) == 8
    first = next(r for r in rows if r["memo"] == "Kernepointe: æøå")
    assert first["text"] == "ventetiden på svar for lang"
    assert first["code"] == "1.1" and first["code_label"] == "Ventetid på svar"
    assert first["coder"] == "ida"
    assert first["participant"] == "Birthe Vestergård, overlæge, Fjordby Sygehus"
    assert first["document"] == "Interview med Birthe Vestergård"
    assert int(first["end"]) - int(first["start"]) == len(first["text"])
    assert {r["text"] for r in rows} >= {"🐢 alt for lang", "æøå-folket 🇩🇰"}


def test_cli_export(cli, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_project(project, tmp_path)
    code, out, err = cli("export", "qdpx", str(tmp_path / "x.qdpx"), "--json")
    assert code == 0, err
    import json

    data = json.loads(out)
    assert data["format"] == "qdpx" and data["documents"] == 2 and data["codings"] == 8
    code, out, err = cli("export", "csv", str(tmp_path / "x.csv"))
    assert code == 0 and "8 codings" in out
    code, out, err = cli("export", "pdf", str(tmp_path / "x.pdf"))
    assert code == 1 and "unknown export format" in err
