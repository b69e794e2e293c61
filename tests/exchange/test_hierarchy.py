"""``Group::Code`` names (ATLAS.ti's code groups) become a hierarchy: on by default for files
ATLAS.ti wrote (named in ``origin`` or ``basePath``), off for others, and either way on
request from the CLI (``--hierarchy`` / ``--flat``). Fictional codes and text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualcode.codebook import codebook_tree
from qualcode.coding import list_codings
from qualcode.db import Project
from qualcode.exchange.qdc import split_groups
from qualcode.formats.qdpx import QCode
from tests.exchange.helpers import write_qdpx

U = "5e6f7a8b-0000-4000-8000-0000000000{:02d}"
TEXT = "Referat fra Østby Skole\n\nLærerne savner tid til forberedelse og flere pædagoger.\n"


def g(n: int) -> str:
    return U.format(n)


def _qde(origin: str, base_path: str = "") -> str:
    start = TEXT.index("tid til forberedelse")
    end = start + len("tid til forberedelse")
    base = f' basePath="{base_path}"' if base_path else ""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Østby" origin="{origin}"{base}>
  <Users><User guid="{g(1)}" name="Karsten"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(2)}" name="Ressourcer" isCodable="true" color="#227744"/>
    <Code guid="{g(3)}" name="Ressourcer::Tid" isCodable="true"/>
    <Code guid="{g(4)}" name="Ressourcer::Personale::Pædagoger" isCodable="true"/>
    <Code guid="{g(5)}" name="Trivsel :: Lærere" isCodable="true"/>
    <Code guid="{g(6)}" name="::ufuldstændig" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(10)}" name="Referat" plainTextPath="internal://{g(10)}.txt">
      <PlainTextSelection guid="{g(11)}" startPosition="{start}" endPosition="{end}">
        <Coding guid="{g(12)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(3)}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def _archive(tmp_path: Path, origin: str, base_path: str = "") -> Path:
    return write_qdpx(
        tmp_path / "oestby.qdpx", _qde(origin, base_path), {f"Sources/{g(10)}.txt": TEXT}
    )


def _shape(nodes: list[dict[str, Any]]) -> dict[str, object]:
    return {n["label_da"]: _shape(n["children"]) for n in nodes}


HIERARCHY = {
    "Ressourcer": {"Tid": {}, "Personale": {"Pædagoger": {}}},
    "Trivsel": {"Lærere": {}},
    "::ufuldstændig": {},
}
FLAT = {
    "Ressourcer": {},
    "Ressourcer::Tid": {},
    "Ressourcer::Personale::Pædagoger": {},
    "Trivsel :: Lærere": {},
    "::ufuldstændig": {},
}


@pytest.mark.parametrize(
    ("origin", "base_path", "flag", "expected"),
    [
        ("ATLAS.ti 8.4.24", "", None, HIERARCHY),
        ("", r"C:\Users\karsten\Documents\Scientific Software\ATLASti\Østby", None, HIERARCHY),
        ("ATLAS.ti 23.4.0 (Windows)", "", "--flat", FLAT),
        ("MAXQDA 2022", "", None, FLAT),
        ("MAXQDA 2022", "", "--hierarchy", HIERARCHY),
    ],
)
def test_cli_import_makes_a_hierarchy_from_group_names(
    cli,  # type: ignore[no-untyped-def]
    project: Project,
    tmp_path: Path,
    origin: str,
    base_path: str,
    flag: str | None,
    expected: dict[str, object],
) -> None:
    archive = _archive(tmp_path, origin, base_path)
    args = ["import", str(archive), "--json", *([flag] if flag else [])]
    code, out, err = cli(*args)
    assert code == 0, err
    (details,) = [o["details"] for o in json.loads(out)]
    assert _shape(codebook_tree(project)) == expected
    groups = details["code_groups"]
    if expected is HIERARCHY:
        # "Ressourcer" already was a code: it becomes the parent, no new group is made.
        assert groups == ["Ressourcer::Personale", "Trivsel"]
        assert details["codes_created"] == 7
    else:
        assert groups == [] and details["codes_created"] == 5
    (coding,) = list_codings(project)
    assert coding["text"] == "tid til forberedelse"
    assert coding["code"] == ("tid" if expected is HIERARCHY else "ressourcer::tid")


def test_summary_names_the_groups(cli, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("import", str(_archive(tmp_path, "ATLAS.ti 8.4.24")))
    assert code == 0, err
    assert "2 code groups made from '::' names: Ressourcer::Personale, Trivsel" in out


def test_split_groups_keeps_guids_and_is_stable() -> None:
    roots = [QCode(g(3), "A::B"), QCode(g(4), "A::C"), QCode(g(5), "D")]
    out, made = split_groups(roots)
    assert made == ["A"]
    assert [c.name for c in out] == ["A", "D"]
    assert [(c.guid, c.name) for c in out[0].children] == [(g(3), "B"), (g(4), "C")]
    again, _ = split_groups([QCode(g(3), "A::B")])
    assert again[0].guid == out[0].guid  # the same group GUID on every import
