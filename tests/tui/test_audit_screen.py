"""The audit-log screen, driven with Pilot: L opens it; m shows only your own actions."""

from __future__ import annotations

import pytest
from store.helpers import prepare

from qualcode.coding import apply_code
from qualcode.db import Project, open_project

pytestmark = pytest.mark.anyio
SIZE = (120, 30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.sqlite_only
async def test_the_log_screen_shows_who_did_what_and_refreshes(project: Project) -> None:
    from textual.widgets import DataTable

    from qualcode.tui.app import make_app
    from qualcode.tui.screens.audit import AuditScreen

    prepare(project)
    apply_code(project, 1, "1", 0, 20, "anna")
    apply_code(project, 1, "1", 30, 50, "rita")
    async with make_app(project, coder="rita").run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AuditScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        who = {e["who"] for e in screen.entries}
        assert {"anna", "rita"} <= who
        assert screen.query_one(DataTable).row_count == len(screen.entries)
        await pilot.press("m")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert {e["who"] for e in screen.entries} == {"rita"}
        await pilot.press("m")
        with open_project(project.url) as colleague:  # another program writes
            apply_code(colleague, 1, "1", 60, 80, "bo")
        pilot.app._poll_changes()  # what the change feed does on its own
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "bo" in {e["who"] for e in screen.entries}
