"""The documents screen: the list, opening, and importing in a worker with a progress bar."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from qualcode.db import Project
from qualcode.documents import list_documents
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.widgets.dialogs import ErrorModal
from qualcode.tui.widgets.file_picker import FilePicker, ImportTree

SIZE = (120, 36)
pytestmark = pytest.mark.anyio


async def test_open_with_enter(tui_project: Project) -> None:
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DocumentsScreen)


async def test_import_through_the_file_picker(tui_project: Project, tmp_path: Path) -> None:
    """A folder with spaces in its name, several files marked, one broken, one not offered."""
    folder = tmp_path / "mine interviews 2025"
    folder.mkdir()
    (folder / "a b.txt").write_text("I: Hej.\n\nLone Bak: Hej med dig.\n", encoding="utf-8")
    (folder / "b.md").write_text("# Noter\n\nEt kort referat af et møde.\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"not a pdf at all")
    (folder / "budget.xlsx").write_bytes(b"not offered")
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", "i")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePicker)
        path_line = picker.query_one("#files-path")
        path_line.focus()
        path_line.value = str(folder)  # one path, spaces and all
        await pilot.press("enter")
        await pilot.pause()
        tree = picker.query_one(ImportTree)
        await tree.reload()
        await pilot.pause()
        shown = {node.data.path.name for node in tree.root.children if node.data}
        assert shown == {"a b.txt", "b.md", "broken.pdf"}  # no .xlsx
        picker.mark(sorted(p for p in folder.iterdir() if p.suffix != ".xlsx"))
        await pilot.press("i")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # the broken file is reported in a modal; the others are imported
        assert isinstance(app.screen, ErrorModal)
        assert "broken.pdf" in app.screen.message
        await pilot.press("escape")
        table = app.screen.query_one("DataTable")
        assert table.row_count == 3
    titles = {d["title"] for d in list_documents(tui_project)}
    assert len(titles) == 3


async def test_file_picker_marks_a_folder_and_cancel_imports_nothing(
    tui_project: Project, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "inbox"
    tmp_path.mkdir()
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "y.docx").write_text("y", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        app.push_screen(FilePicker(tmp_path))
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePicker)
        from qualcode.tui.widgets.file_picker import importable_in

        picker.mark(importable_in(tmp_path))
        assert [p.name for p in picker.files.marked] == ["x.txt", "y.docx"]
        picker.mark(importable_in(tmp_path))  # again: unmarks them all
        assert picker.files.marked == []
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DocumentsScreen)
    assert len(list_documents(tui_project)) == 1


async def test_import_can_be_cancelled(tui_project: Project, tmp_path: Path) -> None:
    paths = []
    for i in range(30):
        path = tmp_path / f"n{i:02d}.txt"
        path.write_text(f"Notat nummer {i} om ventetider.\n", encoding="utf-8")
        paths.append(path)
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = app.screen
        worker = screen.run_import(paths)
        worker.cancel()
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
        await pilot.pause()
        assert isinstance(app.screen, DocumentsScreen)
    assert len(list_documents(tui_project)) < 31


async def test_an_import_that_fails_is_a_notification(
    tui_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.tui.screens import documents

    def broken(*args: object, **kwargs: object) -> None:
        raise QualcodeError("the project is read-only", "Open a copy.")

    monkeypatch.setattr(documents, "import_files", broken)
    (tmp_path / "a.txt").write_text("tekst", encoding="utf-8")
    app = make_app(tui_project, coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        worker = app.screen.run_import([tmp_path / "a.txt"])
        with contextlib.suppress(Exception):
            await worker.wait()
        await pilot.pause()
        assert isinstance(app.screen, DocumentsScreen)
        assert any("read-only" in n.message for n in app._notifications)
        assert app.screen.query_one("#import-bar").has_class("hidden")
