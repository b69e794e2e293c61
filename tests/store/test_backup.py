"""Backups while the project is in use, on both backends, and before every migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qualcode.db
import qualcode.store.copying
from qualcode.db import (
    Project,
    backup,
    change_marker,
    copy_project,
    integrity_problems,
    open_project,
)
from qualcode.errors import ProjectError
from store.helpers import CliRunner, prepare, result_of, start_worker, target_of


def test_backup_of_a_project_being_coded_is_whole(project: Project, tmp_path: Path) -> None:
    """A backup taken while another process codes opens, is intact and holds a snapshot."""
    prepare(project)
    start = tmp_path / "go"
    coder = start_worker("code", target_of(project), "busy", "300", str(start))
    start.touch()
    copies = []
    for n in range(3):
        result = backup(project, tmp_path / f"copy{n}.qualcode")
        copies.append(result)
    assert result_of(coder)["errors"] == []
    for result in copies:
        with open_project(result.path) as copy:
            assert integrity_problems(copy) == []
            with copy.session() as s:
                from sqlalchemy import func
                from sqlmodel import select

                from qualcode.models import ActionLog, Coding

                codings = s.exec(select(func.count()).select_from(Coding)).one()
                actions = s.exec(
                    select(func.count())
                    .select_from(ActionLog)
                    .where(ActionLog.state != "logged")  # imports etc.: the audit log's own
                ).one()
            assert codings == actions == result.tables["coding"]
            assert copy.is_sqlite and copy.name
    final = backup(project, tmp_path / "final.qualcode")
    assert final.tables["coding"] == 300
    assert final.backend == project.engine.dialect.name


def test_backup_cli_json_and_refusals(
    cli: CliRunner, project: Project, backend: str, tmp_path: Path
) -> None:
    assert cli("participants", "import", str(_demo_participants()))[0] == 0
    out_file = tmp_path / "safe.qualcode"
    code, out, err = cli("backup", str(out_file), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["path"] == str(out_file.resolve()) and data["tables"]["participant"] == 12
    assert data["backend"] == ("postgresql" if backend == "postgres" else "sqlite")
    code, _out, err = cli("backup", str(out_file))
    assert code == 1 and "already exists" in err and "--force" in err
    code, out, err = cli("backup", str(out_file), "--force")
    assert code == 0 and "backed up" in out, err
    code, _out, err = cli("backup", str(tmp_path / "no" / "such" / "dir.qualcode"))
    assert code == 1 and "does not exist" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".qualcode-tmp-")]


def test_backup_does_not_replace_the_project_itself(project: Project) -> None:
    if project.path is None:
        pytest.skip("only a file project can be named as its own backup")
    with pytest.raises(ProjectError, match="cannot replace the project"):
        backup(project, project.path, overwrite=True)


def test_a_copy_round_trips_between_backends(demo_project: Project, tmp_path: Path) -> None:
    """A file copy of a project (e.g. from PostgreSQL) holds every row, ids and all."""
    copy_path = tmp_path / "moved.qualcode"
    counts = copy_project(demo_project, copy_path)
    assert counts["coding"] > 100 and counts["posting"] > 100
    with open_project(copy_path) as moved:
        assert change_marker(moved) == change_marker(demo_project)
        from qualcode.coding import list_codings

        assert list_codings(moved) == list_codings(demo_project)
        with pytest.raises(ProjectError, match="already (holds a qualcode project|exists)"):
            copy_project(moved, target_of(demo_project))


def _demo_participants() -> Path:
    from qualcode.demo import demo_corpus_dir

    return demo_corpus_dir() / "participants.csv"


@pytest.mark.sqlite_only
def test_an_old_project_is_backed_up_before_its_migration(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a project whose schema is older copies it aside first; the copy opens."""
    from alembic.script import ScriptDirectory

    with open_project(project_path, create=True) as p:
        p.set_setting("name", "før")
    revisions = list(
        ScriptDirectory.from_config(qualcode.db._alembic_config(None)).walk_revisions()
    )
    if len(revisions) > 1:  # a real older schema: take the project back to the first one
        engine = qualcode.db._make_engine(f"sqlite:///{project_path}")
        with engine.connect() as conn, conn.begin():
            from alembic import command

            command.downgrade(qualcode.db._alembic_config(conn), revisions[-1].revision)
        engine.dispose()
    else:  # one migration so far: pretend a newer qualcode knows one more
        real_head = qualcode.db.head_revision()
        monkeypatch.setattr(qualcode.db, "head_revision", lambda: real_head + "-next")
    before = set(project_path.parent.iterdir())
    with open_project(project_path) as p:
        assert p.get_setting("name") == "før"
    made = [f for f in set(project_path.parent.iterdir()) - before if f.suffix == ".bak"]
    assert len(made) == 1 and ".before-" in made[0].name
    monkeypatch.undo()
    with open_project(made[0]) as old:
        assert old.get_setting("name") == "før" and integrity_problems(old) == []


@pytest.mark.sqlite_only
def test_no_migration_when_the_backup_before_it_fails(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_project(project_path, create=True):
        pass
    real_head = qualcode.db.head_revision()
    monkeypatch.setattr(qualcode.db, "head_revision", lambda: real_head + "-next")

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qualcode.store.copying, "backup_sqlite", no_space)
    upgraded: list[object] = []
    monkeypatch.setattr(qualcode.db, "upgrade", lambda *a, **k: upgraded.append(a))
    with pytest.raises(ProjectError, match="backup before it failed"):
        open_project(project_path)
    assert upgraded == []


def test_copy_command_moves_a_project_with_its_ids(
    cli: CliRunner, project: Project, tmp_path: Path
) -> None:
    import json

    from sqlmodel import select

    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.models import Code

    assert cli("codebook", "load", str(demo_codebook()))[0] == 0
    target = tmp_path / "moved.qualcode"
    code, out, err = cli("copy", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["tables"]["code"] == 35
    with open_project(target) as moved, moved.session() as s:
        keys = {c.id: c.key for c in s.exec(select(Code))}
    assert len(keys) == 35 and "6.5" in keys.values()
    code, _out, err = cli("copy", str(target))
    assert code == 1 and "already exists" in err


@pytest.mark.postgres
def test_a_copy_onto_postgresql_never_gives_an_undone_codings_id_again(
    project_path: Path,
    postgres_server,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """Undo frees the newest coding's row but keeps its id for redo (SQLite's counter says
    so); after a copy onto PostgreSQL a new coding must not take that id, or the redo
    finds it taken."""
    from qualcode.codebook import load_codebook
    from qualcode.coding import apply_code
    from qualcode.demo import demo_codebook
    from qualcode.history import redo, undo
    from qualcode.importing import import_files

    source = tmp_path / "notat.txt"
    source.write_text("Ekspert: Ventetiden er for lang, og opfølgningen halter.\n", "utf-8")
    with open_project(project_path, create=True) as p:
        load_codebook(p, demo_codebook())
        import_files(p, [source], annotate=False)
        apply_code(p, 1, "1", 9, 19, "ida")
        undone = apply_code(p, 1, "2", 25, 36, "ida")["id"]
        assert undo(p, "ida") is not None
        name = postgres_server.fresh()
        try:
            url = postgres_server.url_for(name)
            copy_project(p, url)
            with open_project(url) as moved:
                assert apply_code(moved, 1, "3", 0, 7, "ole")["id"] > undone
                assert redo(moved, "ida") is not None
                from qualcode.coding import list_codings

                assert undone in {row["id"] for row in list_codings(moved)}
        finally:
            postgres_server.drop(name)


def test_a_file_copy_never_gives_an_undone_codings_id_again(
    project: Project, tmp_path: Path
) -> None:
    """The same from either backend into a new file: the copy's counter starts above the
    undone coding's id, so redo in the copy brings it back beside a newer coding."""
    from qualcode.codebook import load_codebook
    from qualcode.coding import apply_code, list_codings
    from qualcode.demo import demo_codebook
    from qualcode.history import redo, undo
    from qualcode.importing import import_files

    source = tmp_path / "notat.txt"
    source.write_text("Ekspert: Ventetiden er for lang, og opfølgningen halter.\n", "utf-8")
    load_codebook(project, demo_codebook())
    import_files(project, [source], annotate=False)
    apply_code(project, 1, "1", 9, 19, "ida")
    undone = apply_code(project, 1, "2", 25, 36, "ida")["id"]
    assert undo(project, "ida") is not None
    copy_project(project, tmp_path / "moved.qualcode")
    with open_project(tmp_path / "moved.qualcode") as moved:
        assert apply_code(moved, 1, "3", 0, 7, "ole")["id"] > undone
        assert redo(moved, "ida") is not None
        assert undone in {row["id"] for row in list_codings(moved)}


def test_a_file_copy_keeps_the_id_of_a_deleted_document_for_its_undo(
    project: Project, tmp_path: Path
) -> None:
    """Every document deleted (the copy holds none, so SQLite would have no counter for the
    table): the copy's counter still starts above the deleted one, so a new import in the
    copy does not take the id that undo brings the document back under."""
    from qualcode.db import open_project
    from qualcode.documents import delete_document
    from qualcode.history import undo
    from qualcode.importing import import_one

    first, second = tmp_path / "notat.txt", tmp_path / "andet.txt"
    first.write_text("Ekspert: Ventetiden er for lang.\n", "utf-8")
    second.write_text("Ekspert: Opfølgningen halter.\n", "utf-8")
    gone = import_one(project, first, annotate=False).document_id
    delete_document(project, gone or 0, "ida")
    target = tmp_path / "moved.qualcode"
    copy_project(project, str(target))
    with open_project(target) as moved:
        newer = import_one(moved, second, annotate=False).document_id
        assert gone is not None and newer is not None and newer > gone
        assert undo(moved, "ida") == "delete document 'notat'"
