"""Schema migrations: a project made by the first migration opens after all later ones."""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, text

from qualcode import db
from qualcode.db import current_revision, head_revision, open_project, upgrade
from qualcode.models import Document


def first_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db._alembic_config(None))
    return [r.revision for r in script.walk_revisions()][-1]


def test_migration_chain_has_one_head_and_starts_at_0001():
    assert first_revision() == "0001"
    assert head_revision()


def test_project_from_first_migration_opens_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.qualcode"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO document (title, kind, source_name, sha256, text, language, "
                "word_count, meta, guid, created) VALUES ('Gammel', 'interview', 'g.txt', "
                "'abc', 'Æbler og pærer', 'da', 3, '{}', 'G1', '2025-01-01 00:00:00')"
            )
        )
    engine.dispose()
    with open_project(path) as project:
        assert current_revision(project.engine) == head_revision()
        with project.session() as s:
            doc = s.get(Document, 1)
            assert doc is not None and doc.text == "Æbler og pærer"
    if head_revision() != "0001":
        backups = list(tmp_path.glob("old.qualcode.before-0001-*.bak"))
        assert len(backups) == 1
        conn = sqlite3.connect(backups[0])
        assert conn.execute("select title from document").fetchone() == ("Gammel",)
        conn.close()


def test_models_match_the_migrations(tmp_path):
    """Autogenerate finds nothing to do: models.py and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], diff
