"""The same CLI on a PostgreSQL database: init creates the schema, then the usual work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.db import head_revision, open_project
from qualcode.demo import demo_codebook, demo_corpus_dir

pytestmark = pytest.mark.postgres
CORPUS = demo_corpus_dir()


@pytest.fixture
def empty_database(postgres_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database with no tables at all, as a team gets it from its administrator."""
    name = postgres_server.fresh()
    yield postgres_server.url_for(name)
    postgres_server.drop(name)


def test_init_creates_the_schema_and_the_cli_works_on_it(
    cli, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url = empty_database

    def run(*args: str) -> tuple[int, str, str]:
        return cli("--db-url", url, *args, project=None)  # type: ignore[no-any-return]

    code, _out, err = run("documents", "list")
    assert code == 1 and "no qualcode schema yet" in err and "init" in err
    code, out, err = run("init", "--name", "Kræftplan")
    assert code == 0, err
    with open_project(url) as p:
        from qualcode.db import current_revision

        assert current_revision(p.engine) == head_revision() and p.name == "Kræftplan"
    assert run("participants", "import", str(CORPUS / "participants.csv"))[0] == 0
    assert run("codebook", "load", str(demo_codebook()))[0] == 0
    code, _out, err = run(
        "import", str(CORPUS / "01_holmgaard.txt"), str(CORPUS / "04_aagaard.vtt")
    )
    assert code == 0, err
    code, out, err = run(
        "code", "1", "--start", "30", "--end", "90", "--code", "1", "--coder", "ida", "--json"
    )
    assert code == 0, err
    coding = json.loads(out)
    code, out, _err = run("codings", "list", "--json")
    assert [c["id"] for c in json.loads(out)] == [coding["id"]]
    # The environment variable a team uses instead of --db-url.
    monkeypatch.setenv("QUALCODE_DATABASE_URL", url)
    code, out, err = cli("documents", "list", "--json", project=None)
    assert code == 0, err
    assert len(json.loads(out)) == 2
    code, out, err = cli("backup", str(tmp_path / "team.qualcode"), "--json", project=None)
    assert code == 0, err
    assert json.loads(out)["tables"]["coding"] == 1


def test_a_wrong_password_or_server_is_one_clear_line(cli, postgres_server) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.url.set(database="no_such_database_here", password="hemmeligt")
    code, _out, err = cli(
        "--db-url", url.render_as_string(hide_password=False), "documents", "list", project=None
    )
    assert code == 1 and err.startswith("error: ") and "hemmeligt" not in err
