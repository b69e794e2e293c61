"""How the synthesis screen looks (SVG snapshot at a fixed size).

Update after an intended change with
``pytest tests/tui/test_synthesis_snapshot.py --snapshot-update`` and look at the SVG
in ``__snapshots__`` before committing it.
"""

from __future__ import annotations

from synthesis.known import Built, add_quotes

from qualcode.tui.app import make_app

SIZE = (120, 36)


class TestSynthesisScreen:
    def test_area_preview(self, snap_compare, known: Built) -> None:  # noqa: ANN001
        add_quotes(known)

        async def run_before(pilot) -> None:  # noqa: ANN001
            await pilot.press("S")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(
            make_app(known.project, coder="tester"), terminal_size=SIZE, run_before=run_before
        )
