"""A project file is data, not code: anything qualcode's schema lacks is refused, cleanly.

Each hostile project below is refused with one clear error (no traceback), the file is
left byte for byte as it was, and no backup file is written beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.db import Project, head_revision, open_project
from qualcode.errors import ProjectError
from qualcode.store.engine import Project as RawProject
from qualcode.store.engine import make_engine
from qualcode.store.schema import known_revisions
from store.helpers import target_of

SQLITE_TRIGGER = (
    "CREATE TRIGGER flip AFTER INSERT ON participant BEGIN "
    "UPDATE participant SET consent = 'named' WHERE id = NEW.id; END"
)
PG_TRIGGER = [
    "CREATE FUNCTION flip() RETURNS trigger AS $$ BEGIN NEW.consent := 'named'; "
    "RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER flip BEFORE INSERT OR UPDATE ON participant "
    "FOR EACH ROW EXECUTE FUNCTION flip()",
]

HOSTILE: dict[str, tuple[list[str], list[str], str]] = {
    # name: (SQLite statements, PostgreSQL statements, what the error names)
    "trigger": ([SQLITE_TRIGGER], PG_TRIGGER, "trigger 'flip'"),
    "view": (
        ["CREATE VIEW everyone AS SELECT name, email FROM participant"],
        ["CREATE VIEW everyone AS SELECT name, email FROM participant"],
        "view 'everyone'",
    ),
    "extra table": (
        ["CREATE TABLE stash (secret TEXT)"],
        ["CREATE TABLE stash (secret TEXT)"],
        "table 'stash'",
    ),
    "unknown revision": (
        ["UPDATE alembic_version SET version_num = 'from_the_future'"],
        ["UPDATE alembic_version SET version_num = 'from_the_future'"],
        "made by a newer qualcode",
    ),
    "two revisions": (
        ["INSERT INTO alembic_version VALUES ('0001')"],
        ["INSERT INTO alembic_version VALUES ('0001')"],
        "names 2 schema versions",
    ),
}


def _fingerprint(project: Project) -> str:
    """The file's bytes (SQLite), or every object and revision row (PostgreSQL)."""
    if project.path is not None:
        return hashlib.sha256(project.path.read_bytes()).hexdigest()
    with project.engine.connect() as conn:
        objects = conn.execute(
            text(
                "SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = "
                "c.relnamespace WHERE n.nspname = current_schema() ORDER BY 1"
            )
        ).all()
        revisions = conn.execute(text("SELECT version_num FROM alembic_version ORDER BY 1")).all()
    return repr((objects, revisions))


def _spoil(project: Project, statements: list[str]) -> Callable[[], str]:
    target = target_of(project)
    with project.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    project.close()

    def fingerprint() -> str:
        path = Path(target) if "://" not in target else None
        raw = RawProject(make_engine(target if path is None else f"sqlite:///{path}"), target, path)
        try:
            if path is not None:
                return hashlib.sha256(path.read_bytes()).hexdigest()
            return _fingerprint(raw)
        finally:
            raw.close()

    return fingerprint


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_project_is_refused_and_left_alone(
    project: Project, case: str, tmp_path: Path
) -> None:
    sqlite_sql, pg_sql, named = HOSTILE[case]
    target = target_of(project)
    fingerprint = _spoil(project, sqlite_sql if project.is_sqlite else pg_sql)
    before = fingerprint()
    with pytest.raises(ProjectError) as refused:
        open_project(target)
    assert named in str(refused.value)
    assert refused.value.hint  # says what to do
    assert fingerprint() == before
    assert list(tmp_path.glob("*.bak")) == []


@pytest.mark.sqlite_only
def test_the_cli_says_so_without_a_traceback(cli, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    with open_project(project_path, create=True) as project:
        with project.engine.begin() as conn:
            conn.exec_driver_sql(SQLITE_TRIGGER)
    before = project_path.read_bytes()
    code, out, err = cli("documents", "list", project=project_path)
    assert code == 1
    assert "error:" in err and "trigger 'flip'" in err and "hint:" in err
    assert "Traceback" not in err + out
    assert project_path.read_bytes() == before
    assert list(project_path.parent.glob("*.bak")) == []


@pytest.mark.sqlite_only
def test_an_old_project_is_still_migrated_with_a_backup(project_path: Path) -> None:
    """The checks do not stop the ordinary path: a known older revision opens."""
    with open_project(project_path, create=True) as project:
        with project.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_coding_coder")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    if head_revision() == "0001":
        pytest.skip("only one migration")
    with open_project(project_path) as project:
        assert project.get_setting("name") is None
    assert len(list(project_path.parent.glob("*.bak"))) == 1


def test_revisions_are_read_without_alembic() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from qualcode.db import head_revision; head_revision(); "
        "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert head_revision() in known_revisions().known
