"""A deleted document comes back under its own ids even when the newest was deleted and
something was imported since (SQLite used to give the freed ids to the newcomer), and the
upgrade that makes SQLite keep id counters for those tables (0006) loses no row: it
rebuilds ``document`` with foreign keys off, which would otherwise cascade into every
turn, coding and quote."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import create_engine, func, text
from sqlmodel import Session, SQLModel, select

from qualcode import history
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project, open_project, upgrade
from qualcode.documents import delete_document
from qualcode.importing import import_one
from qualcode.models import (
    Code,
    Coder,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    Quote,
    QuoteEvent,
    Sentence,
    Suggestion,
    Turn,
)

CODEBOOK = (
    '[codebook]\nname = "u"\nlanguage = "da"\n\n'
    '[[code]]\nkey = "vent"\nlabel_da = "Vent"\nkind = "area"\n'
)
ROWS = (Document, Turn, Coding, Quote, QuoteEvent, Memo, Suggestion, DocumentParticipant)


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"Interviewer: Hvordan gik det?\n\nTove Ravnsholt: {body}\n", "utf-8")
    return path


def _ids(project: Project, model: type[SQLModel]) -> list[int]:
    with project.session() as s:
        return sorted(s.exec(select(model.id)).all())  # type: ignore[attr-defined]  # table models have id


def test_undo_of_the_newest_documents_delete_after_a_new_import(
    project: Project, tmp_path: Path
) -> None:
    (tmp_path / "c.toml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, tmp_path / "c.toml")
    for name in ("a", "b"):
        path = _write(tmp_path, f"{name}.txt", f"Vi ventede længe på svar om {name}.")
        assert import_one(project, path, annotate=False).status == "imported"
    apply_code(project, "b", "vent", 50, 60, "tove")
    doc_ids, turn_ids = _ids(project, Document), _ids(project, Turn)
    delete_document(project, "b", "tove")
    newer = import_one(project, _write(tmp_path, "c.txt", "Noget helt andet."), annotate=False)
    assert newer.document_id is not None and newer.document_id > max(doc_ids)
    assert min(set(_ids(project, Turn)) - set(turn_ids)) > max(turn_ids)
    assert history.undo(project, "tove") == "delete document 'b'"
    assert _ids(project, Document) == [*doc_ids, newer.document_id]
    with project.session() as s:
        back = s.exec(select(Document).where(Document.title == "b")).one()
        assert [(c.start, c.end) for c in s.exec(select(Coding)).all()] == [(50, 60)]
        assert back.id == doc_ids[-1]


def test_the_upgrade_keeps_every_row_and_counts_on_from_the_undo_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.qualcode"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "coding_ids_never_reused")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with Session(engine) as s:  # the schema of that revision: the models fit it
        s.add(Participant(name="Tove Ravnsholt"))
        s.add(Coder(name="tove"))
        s.add(Code(key="vent", label_da="Vent", kind="area"))
        s.add(Document(title="Gammel", source_name="g.txt", sha256="abc", text="Vi ventede."))
        s.flush()
        s.add(DocumentParticipant(document_id=1, participant_id=1))
        s.add(Turn(document_id=1, ordinal=0, speaker="Tove", participant_id=1, start=0, end=11))
        s.add(Coding(document_id=1, code_id=1, coder_id=1, start=0, end=2))
        s.add(Sentence(document_id=1, ordinal=0, start=0, end=11))
        s.add(Suggestion(document_id=1, code_id=1, start=0, end=11, score=0.5, method="m"))
        s.add(Quote(document_id=1, participant_id=1, start=0, end=11, source_text="x", wording="x"))
        s.add(Memo(target_kind="document", target_id=1, text="note", coder_id=1))
        s.flush()
        s.add(QuoteEvent(quote_id=1, who="tove", at=now, to_status="candidate"))
        s.commit()
    # A document (id 6, with turn 40) deleted before the upgrade, waiting for its undo.
    deleted = [["document", {"id": 6}], ["turn", {"id": 40, "document_id": 6}]]
    payload = {"added": [], "removed": [], "changed": [], "codebook": {"deleted_rows": deleted}}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO action_log (coder, label, payload, state, created)"
                " VALUES ('tove', 'x', :p, 'done', '2025-01-01 00:00:00.000000')"
            ),
            {"p": json.dumps(payload)},
        )
    with Session(engine) as s:
        before = {m.__tablename__: s.exec(select(func.count()).select_from(m)).one() for m in ROWS}
    engine.dispose()
    assert all(before.values())
    with open_project(path) as project:
        with project.session() as s:
            after = {
                m.__tablename__: s.exec(select(func.count()).select_from(m)).one() for m in ROWS
            }
            assert s.exec(select(func.count()).select_from(Sentence)).one() == 1
        assert after == before
        with project.transaction() as s:
            doc = Document(title="Ny", source_name="n.txt", sha256="def", text="Ja.")
            s.add(doc)
            s.flush()
            turn = Turn(document_id=doc.id, ordinal=0, speaker="X", start=0, end=3)
            s.add(turn)
            s.flush()
            assert (doc.id, turn.id) == (7, 41)
        fk = project.engine.connect()
        try:  # the upgrade gave its connection back with foreign keys on again
            assert fk.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            fk.close()
