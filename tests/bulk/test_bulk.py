"""Bulk coding and bulk quotes from a file: all rows in one transaction, all or nothing,
every bad row named by its line, one undo step. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from qualcode import history
from qualcode.bulk import BulkError, add_codings_bulk, add_quotes_bulk
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code, list_codings
from qualcode.db import Project
from qualcode.importing import import_one
from qualcode.models import ActionLog, Coding, Quote, utcnow
from qualcode.participants import import_participants

# Fiction: an invented interview and an invented two-code codebook.
INTERVIEW = (
    "Interviewer: Hvordan går det med ventetiderne hos jer?\n\n"
    "Sigrid Fjeldborg: Ventetiden er blevet kortere, men kun fordi vi flyttede personale fra "
    "ambulatoriet. Det holder ikke i længden.\n\n"
    "Interviewer: Og samarbejdet med kommunen?\n\n"
    "Sigrid Fjeldborg: Kommunen ringer sjældent tilbage; vi sender papirer ud i tomrummet.\n"
)
CODEBOOK = """
[codebook]
name = "Prøvekodebog"
language = "da"

[[code]]
key = "vent"
label_da = "Ventetid"
kind = "area"

[[code]]
key = "samarbejde"
label_da = "Samarbejde på tværs"
label_en = "Collaboration"
kind = "area"
"""
PEOPLE = (
    "name;title;organisation;expertise;consent\n"
    "Sigrid Fjeldborg;Overlæge;Hospital Nord;Onkologi;named\n"
)


@pytest.fixture
def study(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codes.toml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (tmp_path / "fjeldborg.txt").write_text(INTERVIEW, encoding="utf-8")
    load_codebook(project, tmp_path / "codes.toml")
    import_participants(project, tmp_path / "people.csv")
    outcome = import_one(project, tmp_path / "fjeldborg.txt", title="Fjeldborg", annotate=False)
    assert outcome.status == "imported", outcome.message
    return project


def _codings(project: Project) -> list[tuple[int, int, str, str]]:
    with project.session() as s:
        rows = s.exec(select(Coding).order_by(col(Coding.start))).all()
        return [(c.start, c.end, str(c.code_id), c.memo) for c in rows]


def _count(project: Project, model: type) -> int:
    with project.session() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_a_good_csv_codes_every_row_as_one_undo_step(study: Project, tmp_path: Path) -> None:
    start = INTERVIEW.index("Ventetiden er blevet kortere")
    path = tmp_path / "codings.csv"
    path.write_text(
        "document,start,end,match,code,memo,coder\n"
        f'Fjeldborg,{start},{start + 28},,vent,"kortere, men",\n'
        'Fjeldborg,,,"Kommunen ringer sjældent tilbage",Collaboration,,sofie\n'
        "1,0,12,,samarbejde,,\n",
        encoding="utf-8",
    )
    actions_before = _count(study, ActionLog)
    result = add_codings_bulk(study, path, "ida")
    assert result["rows"] == 3 and result["added"] == 3 and len(result["ids"]) == 3
    coded = _codings(study)
    assert (start, start + 28) in {(a, b) for a, b, _, _ in coded}
    k = INTERVIEW.index("Kommunen ringer")
    assert (k, k + len("Kommunen ringer sjældent tilbage")) in {(a, b) for a, b, _, _ in coded}
    assert "kortere, men" in {m for *_, m in coded}
    listed = list_codings(study)  # bulk rows read back like any other coding
    assert {r["coder"] for r in listed} == {"ida", "sofie"} and all(r["created"] for r in listed)
    assert _count(study, ActionLog) == actions_before + 1  # one undo step
    assert history.undo(study, "ida") == "code 3 rows from codings.csv"
    assert _count(study, Coding) == 0
    assert history.redo(study, "ida") is not None
    assert _count(study, Coding) == 3


def test_one_bad_row_writes_nothing_and_every_bad_line_is_named(
    study: Project, tmp_path: Path
) -> None:
    path = tmp_path / "codings.jsonl"
    lines = [
        {"document": "Fjeldborg", "start": 0, "end": 12, "code": "vent"},  # good
        {"document": "Fjeldborgx-no", "start": 0, "end": 12, "code": "vent"},  # line 2
        {"document": "Fjeldborg", "start": 40, "end": 20, "code": "vent"},  # line 3
        {"document": "Fjeldborg", "start": 0, "end": 12, "code": "ventetid-ukendt"},  # 4
        {"document": "Fjeldborg", "match": "dette står der ikke", "code": "vent"},  # 5
        {"document": "Fjeldborg", "match": "Interviewer", "code": "vent"},  # 6: twice
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken\n"
    path.write_text(text, encoding="utf-8")
    actions_before = _count(study, ActionLog)
    with pytest.raises(BulkError) as caught:
        add_codings_bulk(study, path, "ida")
    assert [line for line, _ in caught.value.problems] == [2, 3, 4, 5, 6, 7]
    message = caught.value.message
    for line in (2, 3, 4, 5, 6, 7):
        assert f"line {line}:" in message
    assert "line 1:" not in message and "6 of 7 rows are bad" in message
    assert _count(study, Coding) == 0 and _count(study, ActionLog) == actions_before


def test_a_coding_made_already_or_twice_in_the_file_is_a_bad_row(
    study: Project, tmp_path: Path
) -> None:
    """``qualcode code`` refuses to code a span again with the same code for the same
    coder; a bulk file did not, so running a file twice doubled every count."""
    apply_code(study, 1, "vent", 0, 12, "ida")
    path = tmp_path / "codings.csv"
    path.write_text(
        "document,start,end,code,coder\n"
        "Fjeldborg,0,12,vent,\n"  # line 2: ida coded it above
        "Fjeldborg,0,12,vent,sofie\n"  # another coder: fine
        "Fjeldborg,0,12,samarbejde,\n"  # another code: fine
        "Fjeldborg,14,20,vent,\n"  # line 5
        "Fjeldborg,14,20,vent,\n",  # line 6: line 5 again
        encoding="utf-8",
    )
    before = _codings(study)
    with pytest.raises(BulkError) as caught:
        add_codings_bulk(study, path, "ida")
    assert caught.value.problems[0][0] == 2 and "already coded" in caught.value.problems[0][1]
    assert caught.value.problems[1] == (6, "the same coding as line 5")
    assert len(caught.value.problems) == 2 and _codings(study) == before
    path.write_text(
        "document,start,end,code,coder\nFjeldborg,0,12,vent,sofie\nFjeldborg,14,20,vent,\n",
        encoding="utf-8",
    )
    assert add_codings_bulk(study, path, "ida")["added"] == 2
    with pytest.raises(BulkError, match="2 of 2 rows are bad"):
        add_codings_bulk(study, path, "ida")  # the same file again


def test_code_from_through_the_cli(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text("document;match;code\nFjeldborg;Det holder ikke i længden;vent\n", "utf-8")
    code, out, err = cli("code", "--from", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["added"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("document,match,code\nFjeldborg,Det holder ikke,vent\nNix,x,vent\n", "utf-8")
    code, out, err = cli("code", "--from", str(bad))
    assert code == 1 and "line 3:" in err and "nothing was written" in err
    assert _count(study, Coding) == 1
    code, _, err = cli("code", "--from", str(path), "--code", "vent")
    assert code == 1 and "drop --code" in err
    code, _, err = cli("code", "Fjeldborg", "--start", "0", "--end", "3")
    assert code == 2 and "--code" in err


def test_quotes_from_file_all_or_nothing(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "q.csv"
    good.write_text(
        "document,match,code,wording\n"
        "Fjeldborg,Det holder ikke i længden.,vent,\n"
        'Fjeldborg,"Kommunen ringer sjældent tilbage",samarbejde,Kommunen ringer sjældent\n',
        encoding="utf-8",
    )
    result = add_quotes_bulk(study, good, "ida")
    assert result["added"] == 2
    with study.session() as s:
        rows = s.exec(select(Quote).order_by(col(Quote.id))).all()
        wordings = [q.wording for q in rows]
        assert wordings == ["Det holder ikke i længden.", "Kommunen ringer sjældent"]
        assert all(q.status == "candidate" for q in rows)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "document,match,code\n"
        "Fjeldborg,Ventetiden er blevet kortere,vent\n"
        "Fjeldborg,Det holder ikke i længden.,vent\n"  # already quote 1
        "Fjeldborg,Og samarbejdet med kommunen?,vent\n",  # the interviewer's words
        encoding="utf-8",
    )
    code, _, err = cli("quotes", "add", "--from", str(bad))
    assert code == 1 and "line 3:" in err and "line 4:" in err and "line 2:" not in err
    assert _count(study, Quote) == 2


# How each backend stores ``created``: SQLite as text in SQLAlchemy's one DATETIME format
# (microseconds always six digits, no offset), PostgreSQL as a ``timestamptz`` (a value,
# not text: its text form drops trailing zeros, so text lengths are no test there).
_STAMP_KIND = {
    "sqlite": ("text", True),
    "postgresql": ("timestamp with time zone", True),
}
_SQLITE_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
_KIND_SQL = {
    "sqlite": "SELECT typeof(created), created FROM coding",
    "postgresql": "SELECT pg_typeof(created)::text, created FROM coding",
}


def _stored_stamp_kinds(project: Project) -> set[tuple[str, bool]]:
    """Each row's stored type of ``created`` and whether its value is in the one shape."""
    name = project.engine.dialect.name
    with project.engine.connect() as conn:
        rows = conn.exec_driver_sql(_KIND_SQL[name]).all()
    if name == "sqlite":
        return {(kind, bool(_SQLITE_STAMP.fullmatch(value))) for kind, value in rows}
    return {
        (kind, isinstance(value, dt.datetime) and value.tzinfo is not None) for kind, value in rows
    }


def test_bulk_codings_are_stored_as_one_coding_at_a_time_is(study: Project, tmp_path: Path) -> None:
    """Rows inserted without ORM objects carry what the ORM would write: a fresh GUID of
    ``new_guid``'s shape each, the same timestamp text, and an undo snapshot of every
    column; a row whose span leaves the text is named and nothing is written."""
    path = tmp_path / "many.csv"
    path.write_text(
        "document,start,end,code\n" + "".join(f"1,{i},{i + 9},vent\n" for i in range(300)),
        encoding="utf-8",
    )
    before = utcnow().replace(tzinfo=None)
    add_codings_bulk(study, path, "ida")
    after = utcnow().replace(tzinfo=None)
    with study.session() as s:
        guids = list(s.exec(select(Coding.guid)))
        one = s.exec(select(Coding)).first()
        stamps = {c.replace(tzinfo=None) for c in s.exec(select(Coding.created))}
    assert len(set(guids)) == len(guids) == 300
    assert len(stamps) == 1 and before <= stamps.pop() <= after  # one instant, read back
    for guid in guids:
        assert guid == str(uuid.UUID(guid)).upper() and uuid.UUID(guid).version == 4
    apply_code(study, 1, "vent", 300, 311, "ida")  # the one-coding path, to compare
    assert _stored_stamp_kinds(study) == {_STAMP_KIND[study.engine.dialect.name]}
    with study.session() as s:
        step = s.exec(select(ActionLog).order_by(col(ActionLog.id).desc())).all()[1]
        assert one is not None and set(step.payload["added"][0]) == set(one.model_dump())
    bad = tmp_path / "bad.csv"
    bad.write_text("document,start,end,code\n1,0,5,vent\n1,5,99999999,vent\n", encoding="utf-8")
    with pytest.raises(BulkError) as err:
        add_codings_bulk(study, bad, "ida")
    assert "line 3" in err.value.message and _count(study, Coding) == 301
