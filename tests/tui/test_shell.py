"""The app shell: coder identity, keymap, feature screens, palette, help, dashboard, codebook."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.dashboard import dashboard_figures
from qualcode.db import Project
from qualcode.models import Code, Coding
from qualcode.tui import app as app_module
from qualcode.tui.app import make_app
from qualcode.tui.screens.codebook import CodebookScreen
from qualcode.tui.screens.dashboard import DashboardScreen
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.widgets.dialogs import Confirm, TextPrompt

SIZE = (120, 36)
pytestmark = pytest.mark.anyio


async def test_coder_is_asked_once_and_remembered(tui_project: Project, tmp_path: Path) -> None:
    app = make_app(tui_project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*["backspace"] * 20, *"Ida Krogh", "enter")
        await pilot.pause()
        assert app.coder == "Ida Krogh"
        assert "Ida Krogh" in app.sub_title
    config = tmp_path / "xdg-config" / "qualcode" / "config.toml"
    assert 'coder = "Ida Krogh"' in config.read_text(encoding="utf-8")
    again = make_app(tui_project)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, DashboardScreen)  # remembered: not asked again
        assert again.coder == "Ida Krogh"
        again.action_switch_coder()
        await pilot.pause()
        assert again.screen.query_one("Input").value == "Ida Krogh"
        await pilot.press(*["backspace"] * 20, *"Mads", "enter")
        assert again.coder == "Mads"


async def test_given_coder_skips_the_prompt(tui_project: Project) -> None:
    app = make_app(tui_project, coder="mads")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.coder == "mads"


async def test_keymap_file_rebinds_by_id(tui_project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "xdg-config" / "qualcode"
    folder.mkdir(parents=True)
    (folder / "keymap.toml").write_text('"go.codebook" = "K"\n', encoding="utf-8")
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await pilot.pause()
        assert isinstance(app.screen, CodebookScreen)


async def test_navigation_and_help(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, DocumentsScreen)
        await pilot.press("c")
        assert isinstance(app.screen, CodebookScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = [ident for _key, _does, ident in app.screen.rows()]
        assert "codebook.merge" in ids and "go.dashboard" in ids
        await pilot.press("escape")
        await pilot.press("d")
        assert isinstance(app.screen, DashboardScreen)
        assert len(app.screen_stack) == 2  # d goes back down the stack, it does not pile up


async def test_every_screen_has_a_key_and_a_palette_entry(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for _key, _name, _cls, title, _ident in app_module.SCREENS:
            assert f"go: {title}" in titles
        await pilot.press("comma")
        await pilot.pause()
        assert type(app.screen).__name__ == "SettingsScreen"
        await pilot.press("escape")
        await pilot.press("Q")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuotesScreen"


async def test_palette_lists_every_kind_of_action(tui_project: Project, document_id: int) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(document_id, 20, 40)
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
    for prefix in (
        "go: Documents",
        "go: document ",
        "code: apply A.1",
        "code: undo",
        "export: codebook",
        "coding: memo on a coding",
        "coding: make a quote from the selection",
        "coding: every passage of a code",
    ):
        assert any(t.startswith(prefix) for t in titles), prefix


def test_dashboard_figures(tui_project: Project) -> None:
    figures = dashboard_figures(tui_project)
    assert (figures.documents, figures.participants, figures.codings) == (1, 1, 3)
    by_area = {a.key: (a.codings, a.codes_used, a.codes) for a in figures.areas}
    # the area A has no codings of its own: its 2 are its attention points'
    assert by_area == {"A": (2, 2, 3), "B": (0, 0, 2), "ulighed": (1, 1, 1)}
    assert figures.quotes["candidate"] == 0 and figures.nearest_deadline is None


async def test_merge_codes_in_the_codebook_screen(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        with tui_project.session() as s:
            a1 = s.exec(select(Code).where(Code.key == "A.1")).one()
        screen._select_node(a1.id)  # the highlighted code
        await pilot.pause()
        await pilot.press("g", *"A.2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        with tui_project.session() as s:
            keys = set(s.exec(select(Code.key)).all())
            coded = list(s.exec(select(Code.key).join(Coding, Coding.code_id == Code.id)))
        assert "A.1" not in keys
        assert sorted(coded) == ["A.2", "A.2", "ulighed"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        with tui_project.session() as s:
            assert "A.1" in set(s.exec(select(Code.key)).all())
        assert "A.1" in {c.key for c in screen.codes.values()}


async def test_delete_asks_with_the_number_of_codings(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        with tui_project.session() as s:
            code = s.exec(select(Code).where(Code.key == "ulighed")).one()
        screen._select_node(code.id)
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "1 coding will be deleted" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        with tui_project.session() as s:
            assert s.exec(select(Code).where(Code.key == "ulighed")).first() is not None


async def test_add_and_recolour_a_code(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("N", *"C Kapacitet", "enter")
        await pilot.pause()
        await pilot.press("k", *["backspace"] * 10, *"#00ff00", "enter")
        await pilot.pause()
    with tui_project.session() as s:
        code = s.exec(select(Code).where(Code.key == "C")).one()
    assert (code.label_da, code.colour, code.parent_id) == ("Kapacitet", "#00ff00", None)


async def test_every_key_of_a_screen_is_in_the_palette(
    tui_project: Project, document_id: int
) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(document_id)
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert (
            "transcript: select the sentence at the cursor; again extends by a sentence" in commands
        )
        assert any(t.startswith("coding: next coding") for t in commands)
        commands[
            "transcript: select the sentence at the cursor; again extends by a sentence"
        ].callback()
        await pilot.pause()
        assert app.screen.selection is not None


async def test_keymap_rebinds_a_coding_view_key(
    tui_project: Project, tmp_path: Path, document_id: int
) -> None:
    from qualcode.tui.widgets.code_picker import CodePicker

    folder = tmp_path / "xdg-config" / "qualcode"
    folder.mkdir(parents=True)
    (folder / "keymap.toml").write_text(
        '"coding.apply" = "space"\n"transcript.sentence" = "S"\n', encoding="utf-8"
    )
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(document_id, 200)
        await pilot.pause()
        await pilot.press("S", "space")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)


async def test_a_broken_keymap_is_a_warning(tui_project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "xdg-config" / "qualcode"
    folder.mkdir(parents=True)
    (folder / "keymap.toml").write_text("this is not toml = = =\n", encoding="utf-8")
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any("keymap.toml" in n.message for n in app._notifications)


async def test_backup_from_the_palette_action_writes_a_project(
    tui_project: Project, tmp_path: Path
) -> None:
    from qualcode.db import open_project

    target = tmp_path / "copy.qualcode"
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_backup()
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    with open_project(target) as copy, copy.session() as s:
        assert len(s.exec(select(Coding)).all()) == 3
