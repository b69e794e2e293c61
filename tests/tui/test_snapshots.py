"""How the screens look, as SVG snapshots at a fixed terminal size.

Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the SVGs in ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from qualcode.db import Project
from qualcode.tui.app import make_app

from .conftest import INTERVIEW, span_of

SIZE = (100, 30)


class TestDashboard:
    def test_dashboard(self, snap_compare, tui_project: Project) -> None:  # noqa: ANN001
        assert snap_compare(make_app(tui_project, coder="tester"), terminal_size=SIZE)


class TestDocuments:
    def test_documents(self, snap_compare, tui_project: Project) -> None:  # noqa: ANN001
        assert snap_compare(make_app(tui_project, coder="tester"), press=["o"], terminal_size=SIZE)


class TestCodingView:
    def test_overlapping_codings(
        self, snap_compare, tui_project: Project, document_id: int
    ) -> None:  # noqa: ANN001
        start, _ = span_of(INTERVIEW, "på scanning")

        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.open_document(document_id, start)
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=SIZE, run_before=run_before
        )

    def test_code_picker(self, snap_compare, tui_project: Project, document_id: int) -> None:  # noqa: ANN001
        start, end = span_of(INTERVIEW, "Færre skemaer og mere tid til patienterne.")

        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.open_document(document_id, start, end)
            await pilot.pause()
            await pilot.press("enter", *"vente")
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=SIZE, run_before=run_before
        )

    def test_light_theme(self, snap_compare, tui_project: Project, document_id: int) -> None:  # noqa: ANN001
        start, _ = span_of(INTERVIEW, "på scanning")

        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.theme = "textual-light"
            pilot.app.open_document(document_id, start)
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=SIZE, run_before=run_before
        )

    def test_small_terminal(self, snap_compare, tui_project: Project, document_id: int) -> None:  # noqa: ANN001
        async def run_before(pilot) -> None:  # noqa: ANN001
            pilot.app.open_document(document_id)
            await pilot.pause()

        assert snap_compare(
            make_app(tui_project, coder="tester"), terminal_size=(80, 24), run_before=run_before
        )


class TestCodebook:
    def test_codebook(self, snap_compare, tui_project: Project) -> None:  # noqa: ANN001
        assert snap_compare(make_app(tui_project, coder="tester"), press=["c"], terminal_size=SIZE)
