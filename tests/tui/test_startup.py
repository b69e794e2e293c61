"""The TUI's first paint loads no NLP and no document-format library: they load when a
screen's work needs them (an import, an export, a search that annotates)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qualcode.db import open_project

_PROBE = """
import asyncio, json, sys
from qualcode.db import open_project
from qualcode.tui.app import make_app
from qualcode.tui.screens.dashboard import DashboardScreen

async def first_paint() -> list[str]:
    app = make_app(open_project(sys.argv[1]), coder="tove")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen), app.screen
        return sorted({m.split(".")[0] for m in sys.modules})

print(json.dumps(asyncio.run(first_paint())))
"""
NOT_BEFORE_FIRST_PAINT = {"spacy", "thinc", "spacy_lookups_data", "pypdf", "docx", "jinja2"}


def test_first_paint_loads_no_nlp_pdf_word_or_template_library(project_path: Path) -> None:
    open_project(project_path, create=True).close()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(project_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded  # the probe really painted
    assert loaded & NOT_BEFORE_FIRST_PAINT == set()
