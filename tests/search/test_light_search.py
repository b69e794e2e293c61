"""A search on the light read path (``store.light`` + ``search_core``) answers exactly as
the full path does, and leaves to it every project it may not read as it is."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store.helpers import CliRunner

from qualcode.db import open_project
from qualcode.importing import import_files
from qualcode.search import search
from qualcode.search_core import needs_annotation, search_with
from qualcode.store import light
from qualcode.store.light import open_light

INTERVIEW = (
    "I: Hvordan gik det med henvisningen?\n\n"
    "Ekspert: Henvisningerne kom sent, og kræftopfølgningsplanen var ikke klar. "
    "Vi ringede og rykkede – igen og igen. Den 3. marts fik vi svar på henvisning nr. 12.\n\n"
    "I: Og opfølgningsplanen?\n\n"
    "Ekspert: Opfølgningsplaner er gode, når de bliver fulgt. Sundhedsplatformen hjalp ikke, "
    "men rådgiver-funktionen gjorde. Patientens egen læge var det bedste.\n"
)
NOTES = (
    "# Referat\n\nHenvisning og ventetid blev drøftet. Det er patient's egen sag.\n"
    "Opfølgningsplan og plan for patienter: drøftes igen 2025-04-01.\n"
)

QUERIES = [
    ("henvisning", "lemma"),
    ("henvisning", "exact"),
    ("opfølgningsplan", "lemma"),
    ("patient", "lemma"),
    ("ringede og rykkede", "exact"),
    ("ringe og rykke", "lemma"),
    ("opfolgningsplan", "fuzzy"),
    ("henvisnig", "fuzzy"),
    ("rådgiver-funktionen", "exact"),
    ("nr. 12", "exact"),
    ("ikke-eksisterende", "lemma"),
]


@pytest.fixture
def small_study(tmp_path: Path) -> Path:
    path = tmp_path / "study.qualcode"
    files = []
    for name, text in (("samtale.txt", INTERVIEW), ("referat.md", NOTES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    with open_project(path, create=True) as project:
        assert all(o.status == "imported" for o in import_files(project, files))
    return path


def _both(path: Path, query: str, mode: str, limit: int | None = None) -> tuple[dict, dict]:
    with open_project(path) as project:
        full = search(project, query, mode=mode, limit=limit).as_dict()
    opened = open_light(str(path))
    assert opened is not None
    with opened:
        assert not needs_annotation(opened)
        ours = search_with(opened, str(path), query, mode=mode, limit=limit).as_dict()
    return full, ours


@pytest.mark.parametrize("query,mode", QUERIES)
def test_light_search_answers_as_the_full_path(small_study: Path, query: str, mode: str) -> None:
    full, ours = _both(small_study, query, mode)
    assert ours == full


def test_light_search_finds_what_it_should(small_study: Path) -> None:
    full, ours = _both(small_study, "henvisning", "lemma", limit=2)
    assert ours == full
    assert ours["total"] >= 4 and ours["shown"] == 2
    compound, _ = _both(small_study, "opfølgningsplan", "lemma")
    assert "kræftopfølgningsplanen" in {h["text"].lower() for h in compound["hits"]}


def test_cli_output_is_byte_for_byte_the_full_paths(
    demo_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ("search", "henvisning", "--lemma"),
        ("search", "ventetid", "--fuzzy", "80", "--limit", "5"),
        ("search", "egen læge"),
        ("search", "patient", "--lemma", "--limit", "0"),
    ):
        for argv in (args, (*args, "--json")):
            ours = cli(*argv, project=demo_path)
            with monkeypatch.context() as m:
                m.setattr(light, "open_light", lambda target: None)
                full = cli(*argv, project=demo_path)
            # stdout byte for byte (the full path's progress bar leaves a blank line on stderr)
            assert ours[:2] == full[:2]
            assert ours[0] == 0 and ours[2].strip() == full[2].strip() == ""
    shown = json.loads(cli("search", "henvisning", "--lemma", "--json", project=demo_path)[1])
    assert shown["total"] > 10


def test_a_document_not_yet_annotated_is_annotated_on_the_full_path(
    small_study: Path, cli: CliRunner
) -> None:
    conn = sqlite3.connect(small_study)
    with conn:
        conn.execute("UPDATE document SET nlp_version = NULL WHERE title LIKE 'referat%'")
    conn.close()
    opened = open_light(str(small_study))
    assert opened is not None
    with opened:
        assert needs_annotation(opened)
    code, out, _ = cli("search", "ventetid", "--lemma", "--json", project=small_study)
    assert code == 0 and json.loads(out)["total"] == 1
    opened = open_light(str(small_study))
    assert opened is not None
    with opened:
        assert not needs_annotation(opened)  # the full path annotated it


def test_bad_queries_get_the_same_error_on_both_paths(
    small_study: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for argv in (
        ("search", "– ! ?"),
        ("search", " ".join(["ord"] * 9)),
        ("search", "x", "--fuzzy", "0"),
    ):
        ours = cli(*argv, project=small_study)
        with monkeypatch.context() as m:
            m.setattr(light, "open_light", lambda target: None)
            full = cli(*argv, project=small_study)
        assert ours[:2] == full[:2] and ours[0] == 1
        assert ours[2].startswith("error: ") and ours[2] == full[2].lstrip("\n")


_PROBE = """
import json, sys
from qualcode.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}))
"""
HEAVY = {
    "spacy", "thinc", "sqlalchemy", "sqlmodel", "pydantic", "alembic", "textual", "rich",
    "pypdf", "docx", "lxml", "jinja2", "numpy", "spacy_lookups_data",
}  # fmt: skip


@pytest.mark.parametrize(
    "args", [["henvisning", "--lemma"], ["ventetid"], ["ventetid", "--fuzzy", "85"]]
)
def test_search_on_a_sqlite_project_loads_no_heavy_library(
    small_study: Path, args: list[str]
) -> None:
    argv = ["-p", str(small_study), "search", *args, "--json"]
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["code"] == 0
    assert json.loads("\n".join(lines[:-1]))["total"] >= 1
    assert set(report["modules"]) & HEAVY == set()
