"""Shared fixtures: a fresh project, the demo project, an in-process CLI, and no network."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.db import Project, open_project

_LOOPBACK = ("127.", "::1", "localhost")


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


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "test.qualcode"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    """A fresh, empty SQLite project."""
    p = open_project(project_path, create=True)
    yield p
    p.close()


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualcode.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.qualcode"
    project, _summary = build_demo(path)
    project.close()
    return path


@pytest.fixture
def demo_path(_demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project file for one test."""
    target = tmp_path / "demo.qualcode"
    shutil.copyfile(_demo_master, target)
    return target


@pytest.fixture
def demo_project(demo_path: Path) -> Iterator[Project]:
    """The demo project (a private copy: tests may change it)."""
    p = open_project(demo_path)
    yield p
    p.close()


CliRunner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(project_path: Path, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``qualcode --project <tmp project> ARGS...`` in-process: (exit code, stdout, stderr).

    Pass ``project=None`` to run without --project, or another path to use that one.
    """

    def run(*args: str, project: Path | None | str = "default") -> tuple[int, str, str]:
        capsys.readouterr()
        argv = list(args)
        if project == "default":
            argv = ["--project", str(project_path), *argv]
        elif project is not None:
            argv = ["--project", str(project), *argv]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run
