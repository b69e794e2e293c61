"""The light read path (``store.light``): it opens only what the full path would open
unchanged, never writes, and answers exactly as the full path does."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import visibility
from qualcode.db import Project, open_project
from qualcode.document_list import list_documents_with
from qualcode.documents import list_documents
from qualcode.models import Code, Coder, Coding, Document, DocumentParticipant, Participant
from qualcode.store import light
from qualcode.store.light import HEAD_REVISION, TABLES, open_light
from qualcode.store.schema import MIGRATIONS, expected_tables, head_revision
from store.helpers import CliRunner

CODERS = ("ingrid", "bjarke", "solvej")


def test_the_light_paths_schema_is_alembics_head_and_the_models_tables() -> None:
    from alembic.script import ScriptDirectory

    from qualcode.store.schema import alembic_config

    assert ScriptDirectory.from_config(alembic_config(None)).get_current_head() == HEAD_REVISION
    assert head_revision() == HEAD_REVISION
    assert expected_tables() == TABLES
    assert MIGRATIONS.is_dir()


def _fill(project: Project) -> None:
    """Three documents (one with two participants, one with none), three coders, codings
    by each (some reviewed), and a document with a date."""
    with project.transaction() as s:
        people = [Participant(name=n) for n in ("Åse Lindqvist", "Tor Brønd", "Mia Kjær")]
        coders = [Coder(name=n) for n in CODERS]
        code = Code(key="1", label_da="Adgang")
        s.add_all([*people, *coders, code])
        docs = []
        for i, title in enumerate(("Interview med Åse", "Dobbeltinterview", "Mødereferat")):
            text = f"Tekst nummer {i} om ventetid, henvisning og æøå. " * (i + 2)
            doc = Document(
                title=title,
                kind="notes" if i == 2 else "interview",
                text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                source_name=f"{i}.txt",
                word_count=len(text.split()),
                date=dt.date(2025, 3, 1 + i) if i != 1 else None,
                language="en" if i == 2 else "da",
            )
            s.add(doc)
            docs.append(doc)
        s.flush()
        s.add(DocumentParticipant(document_id=docs[0].id, participant_id=people[0].id))
        s.add(DocumentParticipant(document_id=docs[1].id, participant_id=people[1].id))
        s.add(DocumentParticipant(document_id=docs[1].id, participant_id=people[2].id))
        n = 0
        for d, doc in enumerate(docs[:2]):
            for c, coder in enumerate(coders):
                for k in range(c + d + 1):
                    n += 1
                    s.add(
                        Coding(
                            document_id=doc.id,
                            code_id=code.id,
                            coder_id=coder.id,
                            start=k,
                            end=k + 5,
                            origin="review" if (n % 4 == 0) else "manual",
                        )
                    )


@pytest.fixture
def filled(project_path: Path) -> Iterator[Project]:
    project = open_project(project_path, create=True)
    _fill(project)
    yield project
    project.close()


def _light_list(path: Path, viewer: str | None) -> list[object]:
    opened = open_light(str(path))
    assert opened is not None, "a current project opens on the light path"
    with opened:
        return list(list_documents_with(opened, viewer))


def _apply(project: Project, blind: bool, blind_coders: list[str], leads: list[str], review: bool):
    visibility.set_blind(project, blind)
    for coder in CODERS:
        visibility.set_blind(project, coder in blind_coders, coder)
        visibility.set_lead(project, coder, coder in leads)
    if review and leads:
        visibility.open_review(project, leads[0])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    blind=st.booleans(),
    blind_coders=st.lists(st.sampled_from(CODERS), unique=True),
    leads=st.lists(st.sampled_from(CODERS), unique=True, max_size=2),
    review=st.booleans(),
    viewer=st.sampled_from([*CODERS, "nobody", None]),
)
def test_both_paths_count_what_the_viewer_may_see(
    filled: Project,
    blind: bool,
    blind_coders: list[str],
    leads: list[str],
    review: bool,
    viewer: str | None,
) -> None:
    _apply(filled, blind, blind_coders, leads, review)
    assert filled.path is not None
    full = list_documents(filled, viewer)
    assert _light_list(filled.path, viewer) == full
    settings_now = visibility.read_settings(filled)
    total = sum(d["codings"] for d in full)
    if settings_now.is_blind(viewer):
        assert total < 15  # someone's codings are hidden
    else:
        assert total == 15  # 1+2+3 and 2+3+4 codings: every one counted


def test_listing_json_is_byte_for_byte_the_full_paths(
    filled: Project, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert filled.path is not None
    visibility.set_blind(filled, True, "bjarke")
    for viewer in ("bjarke", "ingrid"):
        args = ("documents", "list", "--as", viewer)
        for as_json in (True, False):
            argv = (*args, "--json") if as_json else args
            light_out = cli(*argv, project=filled.path)
            with monkeypatch.context() as m:
                m.setattr(light, "open_light", lambda target: None)
                full_out = cli(*argv, project=filled.path)
            assert light_out == full_out
            assert light_out[0] == 0
    shown = json.loads(cli("documents", "list", "--json", project=filled.path)[1])
    assert [d["participants"] for d in shown][:2] == [["Åse Lindqvist"], ["Tor Brønd", "Mia Kjær"]]
    assert [d["date"] for d in shown] == ["2025-03-01", None, "2025-03-03"]


def test_the_light_path_never_writes(filled: Project) -> None:
    assert filled.path is not None
    filled.close()
    before = {p.name: p.read_bytes() for p in filled.path.parent.iterdir() if p.is_file()}
    _light_list(filled.path, "ingrid")
    after = {p.name: p.read_bytes() for p in filled.path.parent.iterdir() if p.is_file()}
    assert after == before


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    "change",
    [
        "CREATE TRIGGER flip AFTER INSERT ON coder"
        " BEGIN UPDATE participant SET consent = 'named'; END",
        "CREATE VIEW everyone AS SELECT name FROM participant",
        "CREATE TABLE extra (x INTEGER)",
        "UPDATE alembic_version SET version_num = '0002'",  # (migrating it fails: tables exist)
        "UPDATE alembic_version SET version_num = 'from_the_future'",
        "INSERT INTO alembic_version VALUES ('0002')",
        "DELETE FROM alembic_version",
    ],
)
def test_anything_the_full_path_would_check_or_migrate_is_left_to_it(
    filled: Project, change: str, cli: CliRunner
) -> None:
    assert filled.path is not None
    filled.close()
    _sql(filled.path, change)
    assert open_light(str(filled.path)) is None
    code, _, err = cli("documents", "list", "--json", project=filled.path)
    assert code == 1 and err.startswith("error: "), err  # the full path's refusal, as ever


def test_not_a_project_is_left_to_the_full_path(tmp_path: Path, cli: CliRunner) -> None:
    text_file = tmp_path / "notes.qualcode"
    text_file.write_text("not a database at all " * 100, encoding="utf-8")
    empty = tmp_path / "empty.qualcode"
    empty.write_bytes(b"")
    other = tmp_path / "other.qualcode"
    _sql(other, "CREATE TABLE t (x)")
    for target in (text_file, empty, other, tmp_path / "missing.qualcode", tmp_path):
        assert open_light(str(target)) is None
    assert open_light("postgresql+psycopg://someone@localhost/study") is None
    for target in (text_file, other, tmp_path / "missing.qualcode"):
        code, _, err = cli("documents", "list", "--json", project=target)
        assert code == 1 and "error:" in err
    assert text_file.read_text(encoding="utf-8") == "not a database at all " * 100


def test_the_project_is_found_as_the_full_path_finds_it(
    filled: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert filled.path is not None
    monkeypatch.chdir(filled.path.parent)
    monkeypatch.setenv("QUALCODE_PROJECT", filled.path.name)
    opened = open_light(None)
    assert opened is not None and opened.path == filled.path.resolve()
    opened.close()
    monkeypatch.setenv("QUALCODE_DATABASE_URL", "postgresql+psycopg://x@localhost/y")
    assert open_light(None) is None
