"""The TUI paints its first frame before the project is open: the app and the dashboard load
no database, NLP, document-format or template library; a worker opens the project and the
dashboard fills in. Timings are measured in ``benchmarks/tui.py``, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rich.table import Table
from textual.widgets import Static

from qualcode.db import Project, open_project
from qualcode.errors import ProjectError
from qualcode.tui.app import make_app, open_later
from qualcode.tui.screens.dashboard import DashboardScreen

_PROBE = """
import asyncio, json, sys
from qualcode.tui.app import make_app, open_later
from qualcode.tui.screens.dashboard import DashboardScreen

seen = {}

async def first_paint() -> None:
    app = make_app(open_later(sys.argv[1]), coder="tove")
    display = app._display

    def first_frame(screen, renderable):  # the moment Textual writes to the terminal
        display(screen, renderable)
        if renderable is not None and "paint" not in seen:
            seen["paint"] = sorted(sys.modules)
            seen["screen"] = type(screen).__name__
            seen["opened"] = app.opened_project is not None

    app._display = first_frame
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        seen["ready"] = app.opened_project is not None
        seen["after"] = sorted(sys.modules)

asyncio.run(first_paint())
print(json.dumps(seen))
"""
BEFORE_FIRST_PAINT = {"sqlalchemy", "sqlmodel", "pydantic", "alembic", "psycopg", "numpy"}
NOT_AT_ALL = {"spacy", "thinc", "spacy_lookups_data", "pypdf", "docx", "jinja2"}
SCREEN_MODULES = {
    "qualcode.tui.screens.coding",
    "qualcode.tui.screens.documents",
    "qualcode.tui.screens.quotes",
    "qualcode.tui.screens.search",
    "qualcode.tui.screens.synthesis",
}


def _top(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_first_frame_comes_before_the_database_layer_and_the_other_screens(
    project_path: Path,
) -> None:
    open_project(project_path, create=True).close()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(project_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "DashboardScreen" and seen["opened"] is False
    at_paint = set(seen["paint"])
    assert "textual" in _top(seen["paint"])  # the probe really painted
    assert _top(seen["paint"]) & (BEFORE_FIRST_PAINT | NOT_AT_ALL) == set()
    assert at_paint & SCREEN_MODULES == set()
    assert seen["ready"] is True  # then the worker opened the project
    assert "sqlalchemy" in _top(seen["after"])
    assert _top(seen["after"]) & NOT_AT_ALL == set()


@pytest.mark.anyio
async def test_the_dashboard_fills_in_once_the_worker_has_opened_the_project(
    project_path: Path,
) -> None:
    open_project(project_path, create=True).close()
    gate = threading.Event()  # the project opens when the test says so

    def slow_open() -> Project:
        assert gate.wait(timeout=60)
        return open_later(str(project_path))()

    app = make_app(slow_open, coder="tove")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.opened_project is None
        panel = app.screen.query_one("#dash-project", Static)
        assert "opening the project" in str(panel.content)
        await pilot.press("o")  # a screen that needs the project: not yet, and no crash
        assert isinstance(app.screen, DashboardScreen)
        assert [w.name for w in app.workers] == ["_open_worker"]
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        opened = app.opened_project
        assert opened is not None and opened.path == project_path.resolve()
        assert project_path.stem in app.title
        filled = app.screen.query_one("#dash-project", Static).content
        assert isinstance(filled, Table) and filled.title == "Project"
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "DocumentsScreen"
    assert opened.engine.pool.checkedout() == 0  # the app closed what it opened


def test_a_project_that_cannot_be_opened_closes_the_app_with_its_error(tmp_path: Path) -> None:
    not_a_project = tmp_path / "notes.qualcode"
    not_a_project.write_text("these are my notes, not a database\n", encoding="utf-8")
    app = make_app(open_later(str(not_a_project)), coder="tove")
    with pytest.raises(ProjectError) as caught:
        app.run(headless=True, size=(80, 24))
    assert caught.value.hint  # the CLI prints it as error: ... / hint: ...
    assert not_a_project.read_text(encoding="utf-8").startswith("these are my notes")
