"""The synthesis screen: opens on S, previews an area, exports in a worker."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from rich.console import Console
from synthesis.known import FORBIDDEN, Built, add_quotes
from textual.worker import WorkerFailed

from qualcode.synthesis import build_synthesis
from qualcode.tui.app import make_app
from qualcode.tui.screens.synthesis import SynthesisScreen, preview

pytestmark = pytest.mark.anyio


def _plain(renderable: object, width: int = 160) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_preview_shows_counts_quotes_and_coverage(known: Built) -> None:
    add_quotes(known)
    text = _plain(preview(build_synthesis(known.project), "1"))
    assert "1 Diagnostik" in text
    assert "Styrende spørgsmål: Hvordan bliver diagnosen hurtigere?" in text
    assert "1.1 Henvisninger afvises (2 eksperter, 3 kodninger)" in text
    assert "6 kodninger · 2 eksperter · 3 dokumenter" in text
    assert "»Henvisninger sendes retur.«" in text
    assert "[AFVENTER GODKENDELSE: kandidat]" in text
    assert "overlæge, Sygehus Nord" in text and "Ekspert 3" in text
    assert [n for n in FORBIDDEN if re.search(rf"\b{re.escape(n)}\b", text)] == []


async def test_screen_opens_on_s_and_follows_the_highlighted_area(known: Built) -> None:
    app = make_app(known.project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SynthesisScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen.data is not None and screen.area_key == "1"
        await pilot.press("down")
        await pilot.pause()
        assert screen.area_key == "2"
        bar = _plain(screen.query_one("#synthesis-bar").render())
        assert "draft" in bar and "0 pending quotes" in bar
        await pilot.press("l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.data["language"] == "en" and screen.area_key == "2"


async def test_export_runs_in_a_worker(known: Built, tmp_path: Path) -> None:
    app = make_app(known.project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SynthesisScreen)
        out = tmp_path / "syntese.docx"
        screen.export(out, area="2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert out.exists()
        assert screen.last_export is not None and screen.last_export["areas"] == ["2"]
        assert screen.query_one("#synthesis-progress").has_class("hidden")


async def test_final_export_with_pending_quote_is_refused_with_a_notice(
    known: Built, tmp_path: Path
) -> None:
    add_quotes(known)
    app = make_app(known.project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        await pilot.press("f")
        assert screen.final is True
        out = tmp_path / "final.md"
        screen.export(out)
        with contextlib.suppress(WorkerFailed):  # the refusal is the worker's error
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert not out.exists()
        messages = [n.message for n in app._notifications]
        assert any("a final synthesis needs every quote approved" in m for m in messages)
        assert app.screen is screen  # no crash, still on the screen


async def test_export_path_prompt_and_bad_extension(known: Built, tmp_path: Path) -> None:
    app = make_app(known.project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        screen.export(tmp_path / "x.pdf")
        await pilot.pause()
        assert any(".docx" in n.message for n in app._notifications)
        await pilot.press("x")
        await pilot.pause()
        prompt_input = app.screen.query_one("#prompt-input")
        assert prompt_input.value == "syntese-1.docx"
