"""SVG snapshots of the daily-loop screens (code view, settings, file picker, the coding view
filtered by an area) and of the quotes board and search, at 80×24 and 160×48.

Update after an intended change with ``--snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from qualcode import quotes
from qualcode.db import Project
from qualcode.models import QuoteEvent
from qualcode.tui.app import make_app
from qualcode.tui.screens.code_view import CodeViewScreen
from qualcode.tui.widgets.file_picker import FilePicker

from .conftest import INTERVIEW, span_of

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


def _area_id(project: Project, key: str) -> int:
    from qualcode.models import Code

    with project.session() as s:
        found = s.exec(select(Code.id).where(Code.key == key)).one()
        assert found is not None
        return found


@SIZES
class TestCodeView:
    def test_area_passages(self, snap_compare, tui_project: Project, size) -> None:  # noqa: ANN001
        area = _area_id(tui_project, "A")

        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.push_screen(CodeViewScreen(area))
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=size, run_before=run_before
        )


@SIZES
class TestCodingViewFiltered:
    def test_filter_by_area(
        self, snap_compare, tui_project: Project, document_id: int, size
    ) -> None:  # noqa: ANN001
        area = _area_id(tui_project, "A")

        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.open_document(document_id)
            await pilot.pause()
            pilot.app.screen.set_filter(area)
            await pilot.pause()
            pilot.app.clear_notifications()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=size, run_before=run_before
        )


@SIZES
class TestSettings:
    def test_settings(self, snap_compare, tui_project: Project, size) -> None:  # noqa: ANN001
        assert snap_compare(
            make_app(tui_project, coder="tester"), press=["comma"], terminal_size=size
        )


@SIZES
class TestQuotes:
    def test_quotes_board(self, snap_compare, tui_project: Project, document_id: int, size) -> None:  # noqa: ANN001
        start, end = span_of(INTERVIEW, "Det er de sårbare patienter, der mærker det mest")
        quotes.add_quote(tui_project, document_id, start, end, code="ulighed", who="tester")
        with tui_project.transaction() as s:  # a fixed time in the picture
            for event in s.exec(select(QuoteEvent)):
                event.at = dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)
                s.add(event)
        assert snap_compare(make_app(tui_project, coder="tester"), press=["Q"], terminal_size=size)


@SIZES
class TestSearch:
    def test_search_hits(self, snap_compare, tui_project: Project, size) -> None:  # noqa: ANN001
        async def run_before(pilot) -> None:  # noqa: ANN001
            await pilot.press("slash", *"venter", "enter")
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=size, run_before=run_before
        )


@SIZES
class TestFilePicker:
    def test_file_picker(self, snap_compare, tui_project: Project, tmp_path: Path, size) -> None:  # noqa: ANN001
        inbox = tmp_path / "interviews 2025"
        inbox.mkdir()
        for name in ("ravn noter.md", "lind.docx", "optagelse.vtt", "regneark.xlsx"):
            (inbox / name).write_text("x", encoding="utf-8")

        async def run_before(pilot) -> None:  # noqa: ANN001
            await pilot.press("o")
            picker = FilePicker(inbox)
            pilot.app.push_screen(picker)
            await pilot.pause()
            picker.query_one(
                "#files-path"
            ).value = "…/interviews 2025"  # no tmp path in the picture
            picker.mark([inbox / "ravn noter.md"])
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=size, run_before=run_before
        )


@SIZES
class TestReview:
    def test_agreement_review(self, snap_compare, demo_path: Path, size) -> None:  # noqa: ANN001
        from qualcode.db import open_project

        project = open_project(demo_path)

        async def run_before(pilot) -> None:  # noqa: ANN001
            await pilot.press("R")
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        try:
            assert snap_compare(
                make_app(project, coder="ida"), terminal_size=size, run_before=run_before
            )
        finally:
            project.close()
