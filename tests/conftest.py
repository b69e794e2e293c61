"""Shared fixtures: a fresh project, the demo project, an in-process CLI, and no network."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders import ProjectBuilder
from hypothesis import settings as hypothesis_settings

from qualcode.cli import main
from qualcode.db import Project, open_project

# The backend the `project`, `cli` and `demo_project` fixtures run on. Domain and CLI tests
# run once on SQLite and once on PostgreSQL (a fresh database per test, cloned from a
# template); the PostgreSQL run needs a server, named by this variable (.ci/run starts one).
POSTGRES_URL_ENV = "QUALCODE_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgres")
# Tests in these folders stay on SQLite: the file-format parsers (no database at all). TUI
# tests stay on SQLite through their fixtures (``tui_project``, ``snap_compare``); a screen
# test that asks for ``project`` runs on both backends.
SQLITE_ONLY_DIRS = {"formats"}
# A test that asks for one of these fixtures works with the project *file* itself.
FILE_FIXTURES = {"project_path", "demo_path"}
# Screenshot comparisons stay on SQLite: the picture does not depend on the backend. A
# test that asks for the server itself (postgres_server) chooses its databases alone.
SQLITE_ONLY_FIXTURES = FILE_FIXTURES | {"snap_compare", "postgres_server"}

_LOOPBACK = ("127.", "::1", "localhost")

# Property tests judge what the code does, never how fast: no per-example deadline (a busy
# CI machine would otherwise fail them at random).
hypothesis_settings.register_profile("qualcode", deadline=None)
hypothesis_settings.load_profile("qualcode")


def _guarded_connect(original: Callable) -> Callable:  # type: ignore[type-arg]
    def connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == getattr(socket, "AF_UNIX", None) or str(host).startswith(_LOOPBACK):
            return original(self, address)
        raise RuntimeError(f"network access attempted in a test: {address!r}")

    return connect


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """qualcode must work offline: any connection beyond this machine fails the test."""
    original = socket.socket.connect
    original_ex = socket.socket.connect_ex
    socket.socket.connect = _guarded_connect(original)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect(original_ex)  # type: ignore[method-assign]
    yield
    socket.socket.connect = original  # type: ignore[method-assign]
    socket.socket.connect_ex = original_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's project, database URL or coder."""
    for var in ("QUALCODE_PROJECT", "QUALCODE_DATABASE_URL", "QUALCODE_CODER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: run only on the SQLite backend (e.g. it opens the file itself)"
    )


def _postgres_wanted(metafunc: pytest.Metafunc) -> bool:
    names = set(metafunc.fixturenames)
    if not names & {"project", "cli", "demo_project"} or names & SQLITE_ONLY_FIXTURES:
        return False
    if SQLITE_ONLY_DIRS & set(Path(str(metafunc.definition.path)).parts):
        return False
    return metafunc.definition.get_closest_marker("sqlite_only") is None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test of a project (or the CLI on one) on both backends where it can."""
    if "backend" in metafunc.fixturenames and _postgres_wanted(metafunc):
        metafunc.parametrize(
            "backend",
            [
                pytest.param("sqlite", id="sqlite"),
                pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
            ],
        )


@pytest.fixture
def backend() -> str:
    """ "sqlite" unless the test is parametrised over both backends (see above)."""
    return "sqlite"


class PostgresServer:
    """Fresh, empty (migrated) or demo databases on the test server, one per test."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        self.admin = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.prefix = f"qct_{os.getpid()}"
        self._numbers = itertools.count(1)
        self._templates: dict[str, str] = {}

    def url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _sql(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def template(self, kind: str, make: Callable[[str], None]) -> str:
        """A template database made once per session by ``make(url)``."""
        if kind not in self._templates:
            name = f"{self.prefix}_tpl_{kind}"
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{name}"')
            make(self.url_for(name))
            self._templates[kind] = name
        return self._templates[kind]

    def fresh(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{next(self._numbers)}"
        self._sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop(self, name: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self._templates.values():
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The test PostgreSQL server, or a skip that says how to get one."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL backend not tested: {POSTGRES_URL_ENV} is not set "
            "(.ci/run starts a server and sets it)"
        )
    server = PostgresServer(url)
    try:
        server._sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test on
        server.admin.dispose()
        pytest.skip(f"PostgreSQL backend not tested: cannot reach {POSTGRES_URL_ENV}: {exc}")
    yield server
    server.close()


def _migrate(url: str) -> None:
    open_project(url, create=True).close()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A URL of a fresh PostgreSQL database with the qualcode schema, dropped afterwards."""
    name = postgres_server.fresh(postgres_server.template("empty", _migrate))
    yield postgres_server.url_for(name)
    postgres_server.drop(name)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """The SQLite project file of the test (asking for it keeps the test on SQLite)."""
    return tmp_path / "test.qualcode"


@pytest.fixture
def project_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """What `project` and `cli` open: the SQLite file, or a fresh PostgreSQL database URL."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "test.qualcode")


@pytest.fixture
def project(project_target: str) -> Iterator[Project]:
    """A fresh, empty project (SQLite, or PostgreSQL in the `postgres` run)."""
    p = open_project(project_target, create=True)
    yield p
    p.close()


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualcode.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.qualcode"
    project, _summary = build_demo(path)
    project.close()
    return path


def _copy_demo(master: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.qualcode"
    if not target.exists():
        shutil.copyfile(master, target)
    return target


@pytest.fixture
def demo_path(_demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project file for one test (keeps the test on SQLite)."""
    return _copy_demo(_demo_master, tmp_path)


@pytest.fixture
def demo_project(
    backend: str, _demo_master: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Project]:
    """The demo project (a private copy: tests may change it), on the test's backend."""
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")

        def load_demo(url: str) -> None:
            from qualcode.db import copy_project

            with open_project(_demo_master) as master:
                copy_project(master, url)

        name = server.fresh(server.template("demo", load_demo))
        p = open_project(server.url_for(name))
        yield p
        p.close()
        server.drop(name)
        return
    p = open_project(_copy_demo(_demo_master, tmp_path))
    yield p
    p.close()


CliRunner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(project_target: str, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``qualcode --project <tmp project> ARGS...`` in-process: (exit code, stdout, stderr).

    In the PostgreSQL run the default is ``--db-url <fresh database>`` instead (already
    holding the schema). Pass ``project=None`` to run without --project, or another path
    to use that one.
    """

    def run(*args: str, project: Path | None | str = "default") -> tuple[int, str, str]:
        capsys.readouterr()
        argv = list(args)
        if project == "default":
            option = "--db-url" if "://" in project_target else "--project"
            argv = [option, project_target, *argv]
        elif project is not None:
            argv = ["--project", str(project), *argv]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def build(project: Project, tmp_path: Path) -> ProjectBuilder:
    """The one project builder (tests/builders.py) on the test's `project`, on both
    backends; it writes its source files under ``tmp_path / "build"``."""
    return ProjectBuilder(project, tmp_path / "build")


@pytest.fixture
def created_project(request: pytest.FixtureRequest) -> ProjectBuilder | None:
    """Create the project the `cli` fixture names, so a test's first command can use it,
    and return the builder on it (the `build` fixture).

    (On PostgreSQL the database already holds the schema; on SQLite the file is created.)
    A test that asks for `project_path` runs `init` itself and is left alone.
    """
    if "cli" in request.fixturenames and "project_path" not in request.fixturenames:
        builder: ProjectBuilder = request.getfixturevalue("build")
        return builder
    return None
