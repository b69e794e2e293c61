"""The light write path (``store.light_write``): an import of plain files into a current
SQLite project with ``sqlite3`` alone stores exactly the rows the full path stores (either
backend), loads no ORM, keeps one transaction per file, waits for the write lock and moves
the change marker; anything it was not written for takes the full path."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode.importing as importing
from qualcode.db import Project, open_project, read_marker
from qualcode.demo import demo_corpus_dir
from qualcode.errors import QualcodeError
from qualcode.importing import import_files, import_one
from qualcode.models import ActionLog
from qualcode.participants import import_participants
from qualcode.store import sqlite_setup
from qualcode.store.light import Reader
from qualcode.store.light_write import LightWriteProject, SqliteWriter, open_light_writer
from qualcode.store.reader import SessionReader

DEMO = demo_corpus_dir()
FILES = ("01_holmgaard.txt", "05_moelgaard_dalsgaard.txt", "04_aagaard.vtt", "03_lindqvist.md")
# Every row an import writes, in a stable order; ids included (both start from an empty
# project), times and GUIDs left out (they differ by nature).
DUMP = {
    "document": "SELECT id, title, kind, source_name, sha256, text, date, language, word_count,"
    " meta, nlp_version FROM document ORDER BY id",
    "turn": 'SELECT id, document_id, ordinal, speaker, participant_id, start, "end",'
    " media_start, media_end FROM turn ORDER BY id",
    "document_participant": "SELECT document_id, participant_id FROM document_participant"
    " ORDER BY document_id, participant_id",
    "action_log": "SELECT id, label, payload, state FROM action_log ORDER BY id",
    "term": "SELECT id, lower, lemma, is_stop FROM term ORDER BY id",
    "posting": 'SELECT document_id, term_id, "count", data FROM posting'
    " ORDER BY document_id, term_id",
    "sentence": 'SELECT document_id, ordinal, start, "end" FROM sentence'
    " ORDER BY document_id, ordinal",
}


def _plain(value: Any) -> Any:
    """One value as both backends can be compared on."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview | bytes):
        return bytes(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] == "{":
        return json.loads(value)
    return value


def _utc(when: dt.datetime) -> dt.datetime:
    """A stored time as aware UTC (naive ones are UTC)."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _dump(reader: Reader) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(_plain(v) for v in row) for row in reader.rows(sql)]
        for table, sql in DUMP.items()
    }


def _import_all(project: Project | LightWriteProject) -> list[str]:
    """The same imports on either path: files with the index built after them, one with
    it built in its transaction and a named participant, and a duplicate."""
    paths = [DEMO / name for name in FILES]
    outcomes = import_files(project, paths[:3], language="da")
    outcomes.append(import_one(project, paths[3], participants=["Mette Lindqvist"]))
    outcomes += import_files(project, paths[:1])
    return [o.status for o in outcomes]


def _light(path: Path) -> LightWriteProject:
    light = open_light_writer(path)
    assert light is not None
    return light


def test_the_light_path_stores_the_rows_the_full_path_stores(
    project: Project, tmp_path: Path
) -> None:
    import_participants(project, DEMO / "participants.csv")
    full_statuses = _import_all(project)
    with project.session() as s:
        full = _dump(SessionReader(s))

    path = tmp_path / "light.qualcode"
    with open_project(path, create=True) as made:
        import_participants(made, DEMO / "participants.csv")
    with _light(path) as light:
        light_statuses = _import_all(light)
        with light.reading() as reader:
            stored = _dump(reader)

    assert light_statuses == full_statuses == ["imported"] * 4 + ["duplicate"]
    assert stored == full
    assert stored["document_participant"] and stored["posting"] and stored["sentence"]
    assert any(row[4] is not None for row in stored["turn"])  # speakers linked
    assert any(row[7] is not None for row in stored["turn"])  # media times kept
    with _light(path) as light, light.reading() as reader:  # GUIDs as ``models.new_guid``
        guids = [g for (g,) in reader.rows("SELECT guid FROM document")]
    assert all(re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", g) for g in guids)
    assert len(set(guids)) == len(guids) == 4
    with open_project(path) as reopened, reopened.session() as s:  # the ORM reads them back
        logged = s.get(ActionLog, 1)
        assert logged is not None and logged.payload == {"kind": "import"}
        assert abs(_utc(logged.created) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)


def test_a_plain_import_loads_no_orm_and_a_qdpx_takes_the_full_path(
    project_path: Path, tmp_path: Path
) -> None:
    open_project(project_path, create=True).close()
    text = tmp_path / "samtale.txt"
    text.write_text("I: Hvordan går det?\nAnna: Ventetiden på svar er for lang.\n", "utf-8")
    probe = (
        "import json, sys\nfrom qualcode.cli import main\ncode = main(sys.argv[1:])\n"
        "top = sorted({m.split('.')[0] for m in sys.modules})\n"
        "print(json.dumps({'code': code, 'modules': top}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "-p", str(project_path), "import", str(text)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert {"sqlite3", "qualcode"} <= loaded
    assert loaded & {"sqlalchemy", "sqlmodel", "pydantic", "alembic", "spacy"} == set()
    with open_project(project_path) as p:  # stored, annotated, searchable
        from qualcode.search import search

        assert search(p, "ventetiden", mode="exact").total == 1
        assert search(p, "ventetid", mode="lemma").total == 1


@pytest.mark.parametrize(
    "spoil",
    [
        "CREATE TABLE someone_elses (x)",
        "CREATE VIEW v AS SELECT 1",
        "UPDATE alembic_version SET version_num = 'an_older_one'",
    ],
)
def test_anything_but_a_current_pure_project_takes_the_full_path(
    project_path: Path, spoil: str
) -> None:
    open_project(project_path, create=True).close()
    with _light(project_path):
        pass
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute(spoil)
    conn.close()
    assert open_light_writer(project_path) is None


def test_no_light_writer_for_a_url_a_missing_or_an_empty_file(tmp_path: Path) -> None:
    assert open_light_writer("postgresql+psycopg://x@localhost/db") is None
    assert open_light_writer(tmp_path / "none.qualcode") is None
    (tmp_path / "empty.qualcode").write_bytes(b"")
    assert open_light_writer(tmp_path / "empty.qualcode") is None
    (tmp_path / "junk.qualcode").write_bytes(b"not a database" * 100)
    assert open_light_writer(tmp_path / "junk.qualcode") is None


def _counts(path: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(path)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("document", "turn", "action_log", "posting", "sentence", "term")
        )
    finally:
        conn.close()


def test_a_file_failing_in_its_transaction_leaves_nothing(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_project(project_path, create=True).close()

    def refuse(*_args: object) -> None:
        raise QualcodeError("the log refused it")

    monkeypatch.setattr(importing, "log_event_with", refuse)
    with _light(project_path) as light, pytest.raises(QualcodeError, match="refused"):
        import_one(light, DEMO / "01_holmgaard.txt")
    assert _counts(project_path) == (0, 0, 0, 0, 0, 0)


def test_a_file_failing_in_its_transaction_is_reported_and_the_others_stored(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_project(project_path, create=True).close()
    real = importing.log_event_with

    def refuse_the_second(writer: Any, who: str, what: str, kind: str) -> None:
        if "holmgaard" in what:
            raise QualcodeError("the log refused it", "Try again.")
        real(writer, who, what, kind)

    monkeypatch.setattr(importing, "log_event_with", refuse_the_second)
    with _light(project_path) as light:
        outcomes = import_files(light, [DEMO / "06_vibe.txt", DEMO / "01_holmgaard.txt"])
    assert [o.status for o in outcomes] == ["imported", "failed"]
    assert outcomes[1].message == "the log refused it"
    with open_project(project_path) as p, p.session() as s:
        titles = [r[0] for r in SessionReader(s).rows("SELECT source_name FROM document")]
        assert titles == ["06_vibe.txt"]
        assert SessionReader(s).rows("SELECT count(*) FROM turn WHERE document_id <> 1")[0] == (0,)


def test_the_light_path_waits_for_the_write_lock_and_counts_its_commits(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_project(project_path, create=True) as p:
        before = read_marker(p)
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    monkeypatch.setattr(sqlite_setup, "SQLITE_WRITE_WAIT_S", 0.05)
    with _light(project_path) as light:
        with pytest.raises(QualcodeError, match="locked") as refused:
            import_one(light, DEMO / "06_vibe.txt", annotate=False)
        assert refused.value.hint and "lock" in refused.value.hint
        other.execute("ROLLBACK")
        assert import_one(light, DEMO / "06_vibe.txt", annotate=False).status == "imported"
    other.close()
    with open_project(project_path) as p:
        after = read_marker(p)
    assert after.commits == before.commits + 1 and after.shape != before.shape


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    when=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                                   dt.timezone(dt.timedelta(hours=-8))]),
    ),
    payload=st.dictionaries(st.text(max_size=8), st.text(max_size=12) | st.integers(), max_size=4),
)  # fmt: skip
def test_times_and_json_written_plainly_read_back_through_the_orm(
    tmp_path_factory: pytest.TempPathFactory, when: dt.datetime, payload: dict[str, Any]
) -> None:
    path = tmp_path_factory.mktemp("rt") / "p.qualcode"
    if not path.exists():
        shutil.copy(_template(tmp_path_factory), path)
    with _light(path) as light, light.writing() as writer:
        assert isinstance(writer, SqliteWriter)
        writer.execute(
            "INSERT INTO action_log (coder, label, payload, state, created)"
            " VALUES ('ida', 'x', :payload, 'logged', :created)",
            {"payload": payload, "created": when},
        )
    with open_project(path) as p, p.session() as s:
        row = s.get(ActionLog, 1)
        assert row is not None
        assert row.payload == payload
        assert _utc(row.created) == when.astimezone(dt.UTC)


_TEMPLATE: list[Path] = []


def _template(factory: pytest.TempPathFactory) -> Path:
    """An empty current project, made once (creating one per example is slow)."""
    if not _TEMPLATE:
        path = factory.mktemp("template") / "empty.qualcode"
        open_project(path, create=True).close()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]
