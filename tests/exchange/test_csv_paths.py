"""The CSV export writes the same bytes on every path: the light path (``coding_table`` over
``sqlite3`` alone, what ``qualcode export csv`` takes on a current SQLite project) and the
full path (the same code over an ORM session), on SQLite and PostgreSQL; redaction, turns,
participants, formula cells and counts included."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from builders import ProjectBuilder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from qualcode.cli import main
from qualcode.coding_table import TableResult, export_csv_with
from qualcode.db import Project, open_project
from qualcode.exchange import export_csv
from qualcode.models import Coding
from qualcode.store.light import open_light
from tests.exchange.helpers import build_project

WHEN = dt.datetime(2026, 3, 4, 10, 0, 0, 250, tzinfo=dt.UTC)
JONAS_TEXT = (
    "Samtale med Jonas Krogsbøl\n\n"
    "I: Hvem ringer du til?\n\n"
    "Jonas Krogsbøl: Jeg ringer til Ulrikke Ravnsholt fra Institut for Registerforskning Åby, "
    "og Birthe Vestergård svarer altid. Skriv til jk@sondervig.example.\n\n"
    "I: Og Jonas' kolleger?\n\n"
    "Jonas Krogsbøl: =SUM(A1) står der i regnearket, og KROGSBØLS navn står øverst.\n"
)


def _study(project: Project, folder: Path) -> None:
    """The exchange test project, one interview full of names, and fixed timestamps (so
    two backends can be compared byte for byte)."""
    build_project(project, folder)
    build = ProjectBuilder(project, folder)
    jonas = build.imported("jonas.txt", JONAS_TEXT, participants=["Jonas Krogsbøl"])
    for needle, key, memo in [
        ("Samtale med Jonas Krogsbøl", "1", "Jonas Krogsbøl i titlen"),
        ("Jeg ringer til Ulrikke Ravnsholt", "1.1", "-Ravnsholt nævnt"),
        ("Birthe Vestergård svarer altid", "ulighed", "+named"),
        ("Skriv til jk@sondervig.example", "1", "@mail"),
        ("Og Jonas' kolleger?", "1.1", ""),
        ("=SUM(A1) står der", "ulighed", "=1+1"),
        ("KROGSBØLS navn", "1", "Ulrikke Ravnsholt, Ulrikke Ravnsholt"),
    ]:
        build.code(jonas, needle, key, "mads", memo)
    with project.transaction() as s:
        for coding in s.exec(select(Coding)):
            coding.created = WHEN
            s.add(coding)


def _light(path: Path, out: Path, *, full: bool = False) -> TableResult:
    opened = open_light(str(path))
    assert opened is not None, "a current SQLite project takes the light path"
    with opened:
        return export_csv_with(opened, out, full=full)


def test_every_path_and_backend_writes_the_same_csv(project: Project, tmp_path: Path) -> None:
    _study(project, tmp_path / "a")
    twin_path = tmp_path / "twin.qualcode"
    twin = open_project(twin_path, create=True)
    _study(twin, tmp_path / "b")
    for full in (False, True):
        outs = {name: tmp_path / f"{name}-{full}.csv" for name in ("project", "twin", "light")}
        results = [
            export_csv(project, outs["project"], full=full),  # SQLite or PostgreSQL, ORM
            export_csv(twin, outs["twin"], full=full),  # SQLite, ORM
            _light(twin_path, outs["light"], full=full),  # SQLite, sqlite3 alone
        ]
        data = {name: out.read_bytes() for name, out in outs.items()}
        assert data["project"] == data["twin"] == data["light"]
        assert [(r["rows"], r["redactions"]) for r in results] == [
            (results[0]["rows"], results[0]["redactions"])
        ] * 3
        text = data["light"].decode("utf-8-sig")
        assert results[0]["rows"] == 15
        assert "2026-03-04T10:00:00.000250+00:00" in text
        assert "'=SUM(A1) står der" in text and "'=1+1" in text and ",'-" in text
        if full:
            assert results[0]["redactions"]["total"] == 0
            assert "Ulrikke Ravnsholt" in text and "Krogsbøl" in text
        else:
            assert results[0]["redactions"]["total"] > 10
            for name in ("Ravnsholt", "Krogsbøl", "KROGSBØL", "Jonas", "jk@sondervig", "Ulrikke"):
                assert name not in text, name
            assert "Birthe Vestergård" in text  # named: consent allows it
            assert "[sygeplejerske, Hjemmeplejen Søndervig]" in text
    twin.close()


def test_the_cli_takes_the_light_path_and_reports_as_the_full_path_does(
    project_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = open_project(project_path, create=True)
    _study(project, tmp_path / "src")
    full_path = export_csv(project, tmp_path / "full.csv")
    project.close()
    out = tmp_path / "cli.csv"
    assert main(["-p", str(project_path), "export", "csv", str(out), "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)
    assert reported == {"format": "csv", **full_path, "path": str(out)}
    assert out.read_bytes() == (tmp_path / "full.csv").read_bytes()


# Pieces a coded passage or memo may hold: names in every consent, formula starts, empties.
_PIECES = ["Jonas Krogsbøl", "Ravnsholt", "=A1", "-", "@x", "\tx", "", "æøå 🇩🇰", "Birthe"]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 60), st.sampled_from(_PIECES)),
        min_size=1,
        max_size=25,
        unique_by=lambda span: (span[0], span[1]),  # one coding per span and code
    ),
    full=st.booleans(),
)
def test_any_codings_come_out_alike_on_both_paths(
    empty_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    spans: list[tuple[int, int, str]],
    full: bool,
) -> None:
    folder = tmp_path_factory.mktemp("paths")
    path = folder / "p.qualcode"
    shutil.copy(empty_project, path)
    project = open_project(path)
    build = ProjectBuilder(project, folder)
    build.participants(
        "name;title;organisation;expertise;consent\n"
        "Jonas Krogsbøl;sygeplejerske;Søndervig;pleje;role_only\n"
        "Ulrikke Ravnsholt;professor;Åby;data;anonymous\n",
        "people.csv",
    )
    build.codebook('[codebook]\nname = "b"\n\n[[code]]\nkey = "=k"\nlabel_da = "-L"\n', "b.toml")
    doc = build.imported("jonas.txt", JONAS_TEXT * 3, participants=["Jonas Krogsbøl"])
    for start, length, memo in spans:
        build.code(doc, (start, start + length), "=k", "ida", memo)
    full_result = export_csv(project, folder / "full.csv", full=full)
    project.close()
    light_result = _light(path, folder / "light.csv", full=full)
    assert (folder / "full.csv").read_bytes() == (folder / "light.csv").read_bytes()
    assert full_result["rows"] == light_result["rows"] == len(spans)
    assert full_result["redactions"] == light_result["redactions"]
