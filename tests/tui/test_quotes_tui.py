"""The quotes board driven with Pilot: create, edit with live fidelity, packets, answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static, TextArea

from qualcode import quotes
from qualcode.db import Project
from qualcode.tui.app import make_app
from qualcode.tui.screens.quotes import QuoteForm, QuotesScreen, WordingEditor
from qualcode.tui.widgets.code_picker import CodePicker
from tests.quotes.helpers import PersonSpec, add_codes, add_interview

pytestmark = pytest.mark.anyio

TURNS = [
    "Vi måler ikke det samme i de fem regioner, og derfor kan ingen sammenligne os.",
    "Henvisningerne bliver sendt retur, fordi ingen ejer patienten.",
    "Det tager to uger at få en tid, og det er for længe.",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def board_project(project: Project) -> Project:
    add_codes(project)
    asta = PersonSpec("Asta Brinkmann", "overlæge", "Sygehus Nordby", turns=TURNS)
    add_interview(project, "Interview med Asta Brinkmann", [asta])
    project.set_setting("silence_as_consent", "true")
    quotes.add_quote_by_match(project, 1, TURNS[0], "1.1", "ida")
    quotes.add_quote_by_match(project, 1, TURNS[1], "1", "ida")
    return project


async def _open_board(pilot) -> QuotesScreen:  # type: ignore[no-untyped-def]
    await pilot.press("Q")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, QuotesScreen)
    return screen


async def test_lifecycle_on_the_board(board_project: Project, tmp_path: Path) -> None:
    app = make_app(board_project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _open_board(pilot)
        table = board.query_one(DataTable)
        assert table.row_count == 2

        # create a quote through the form
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, QuoteForm)
        form.query_one("#form-document", Input).value = "Interview med Asta"
        form.query_one("#form-match", Input).value = TURNS[2]
        form.query_one("#form-wording", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        # the code comes from the same fuzzy picker as in the coding view
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"1.1", "enter")
        await pilot.pause()
        assert app.screen is board and table.row_count == 3

        # edit its wording: the fidelity check updates live and flags the changed number
        table.move_cursor(row=2)
        await pilot.press("w")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, WordingEditor)
        editor.query_one(TextArea).load_text(
            "Det tager tre uger at få en tid, og det er for længe."
        )
        await pilot.pause()
        check = str(editor.query_one("#wording-check", Static).render())
        assert "'to' dropped" in check and "'tre' added" in check
        await pilot.press("ctrl+s")
        await pilot.pause()
        third = quotes.list_quotes(board_project)[2]
        assert third["wording"].startswith("Det tager tre uger")
        assert third["fidelity"]["wording"]["flags"]
        assert "⚑" in str(table.get_row_at(2)[5])

        # make packets through the keys; the worker writes them and the board reloads
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one(Input).value = "2030-05-01"
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "packets")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(board.last_packets) == 1
        assert Path(board.last_packets[0]["path"]).exists()
        assert {q["status"] for q in quotes.list_quotes(board_project)} == {"sent"}

        # record answers: approve, revise (with live check), reject with a note
        table.move_cursor(row=0)
        await pilot.press("a")
        await pilot.pause()
        table.move_cursor(row=1)
        await pilot.press("v")
        await pilot.pause()
        app.screen.query_one(TextArea).load_text("Henvisningerne bliver sendt retur.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        table.move_cursor(row=2)
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = "for skarpt"
        await pilot.press("enter")
        await pilot.pause()
        rows = quotes.list_quotes(board_project)
        assert [q["status"] for q in rows] == ["approved", "approved_with_changes", "rejected"]
        assert rows[1]["approved_wording"] == "Henvisningerne bliver sendt retur."
        assert rows[2]["response_note"] == "for skarpt"
        assert all(q["events"][-1]["who"] == "tester" for q in rows)

        # the detail pane shows the history
        table.move_cursor(row=1)
        await pilot.pause()
        detail = str(board.query_one("#quotes-detail-text", Static).render())
        assert "sent → approved_with_changes" in detail


async def test_overdue_and_sweep_on_the_board(board_project: Project, tmp_path: Path) -> None:
    from qualcode.packets import make_packets

    make_packets(board_project, tmp_path / "out", dt.date(2030, 5, 1), fmt="md",
                 today=dt.date(2030, 4, 1))  # fmt: skip
    app = make_app(board_project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _open_board(pilot)
        board.today = dt.date(2030, 5, 2)
        board.reload()
        await pilot.pause()
        assert "2 overdue" in str(board.query_one("#quotes-bar", Static).render())
        assert "overdue" in str(board.query_one(DataTable).get_row_at(0)[4])
        await pilot.press("s")
        await pilot.pause()
        assert {q["status"] for q in quotes.list_quotes(board_project)} == {"deemed_accepted"}
        assert "overdue" not in str(board.query_one("#quotes-bar", Static).render())


async def test_an_answer_recorded_elsewhere_meanwhile_is_not_overwritten(
    board_project: Project, tmp_path: Path
) -> None:
    from qualcode.packets import make_packets

    make_packets(board_project, tmp_path / "out", dt.date(2030, 5, 1), fmt="md",
                 today=dt.date(2030, 4, 1))  # fmt: skip
    app = make_app(board_project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _open_board(pilot)
        first = board.current()
        assert first is not None
        quotes.respond(board_project, first["id"], "reject", "mads")  # someone else, meanwhile
        await pilot.press("a")  # the board still shows the old version
        await pilot.pause()
        q = quotes.get_quote(board_project, first["id"])
        assert q["status"] == "rejected" and q["events"][-1]["who"] == "mads"
        assert board.current()["status"] == "rejected"  # type: ignore[index]  # reloaded


async def test_filters(board_project: Project) -> None:
    quotes.withdraw(board_project, 1, "ida")
    app = make_app(board_project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _open_board(pilot)
        table = board.query_one(DataTable)
        await pilot.press("f")  # candidate
        assert table.row_count == 1
        await pilot.press("f", "f", "f", "f", "f", "f")  # ... withdrawn
        assert board.status_filter == "withdrawn" and table.row_count == 1
        await pilot.press("f", "e")  # all statuses, first expert
        assert board.expert_filter == "Asta Brinkmann" and table.row_count == 2


async def test_set_the_code_from_the_board(board_project: Project) -> None:
    app = make_app(board_project, coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _open_board(pilot)
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one(Input).value = "ulighed"
        await pilot.press("enter")
        await pilot.pause()
        assert quotes.get_quote(board_project, 1)["code"] == "ulighed"
        assert str(board.query_one(DataTable).get_row_at(0)[3]) == "ulighed"
