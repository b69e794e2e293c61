"""Fixing an imported document from the TUI, and the settings screen: keys in, database out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from qualcode import settings
from qualcode.db import Project
from qualcode.documents import list_documents, speakers
from qualcode.importing import import_files
from qualcode.models import Coding, Document, Quote
from qualcode.tui.app import make_app
from qualcode.tui.screens.document_forms import PropertiesForm, TextEditor
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.screens.settings import SettingsScreen
from qualcode.tui.widgets.code_picker import ChoicePicker
from qualcode.tui.widgets.dialogs import Confirm, TextPrompt

SIZE = (120, 36)
pytestmark = pytest.mark.anyio

NOTES = (
    "I: Velkommen.\n\nBent Ravn: Vi mangler tal for palliation i kommunerne.\n\n"
    "I: Hvorfor?\n\nBent Ravn: Ingen tæller dem.\n"
)


def _second_document(project: Project, tmp_path: Path) -> int:
    path = tmp_path / "ravn notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    (outcome,) = import_files(project, [path], kind="notes", annotate=False)
    assert outcome.document_id is not None
    return outcome.document_id


async def _documents(pilot, row: int) -> DocumentsScreen:  # noqa: ANN001
    await pilot.press("o")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DocumentsScreen)
    screen.query_one("DataTable").move_cursor(row=row)
    return screen


async def test_retitle_and_date_a_document(tui_project: Project, tmp_path: Path) -> None:
    doc_id = _second_document(tui_project, tmp_path)
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 1)
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, PropertiesForm)
        form.query_one("#doc-title").value = "Samtale med Bent Ravn"
        form.query_one("#doc-date").value = "2025-03-04"
        form.query_one("#doc-language").focus()
        await pilot.press("enter")
        await pilot.pause()
    row = next(d for d in list_documents(tui_project) if d["id"] == doc_id)
    assert (row["title"], row["date"], row["kind"]) == (
        "Samtale med Bent Ravn",
        "2025-03-04",
        "notes",
    )


async def test_a_bad_date_changes_nothing(tui_project: Project, tmp_path: Path) -> None:
    doc_id = _second_document(tui_project, tmp_path)
    before = next(d for d in list_documents(tui_project) if d["id"] == doc_id)
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 1)
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        form.query_one("#doc-title").value = "Nyt navn"
        form.query_one("#doc-date").value = "4. marts"
        form.query_one("#doc-language").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert any("not a date" in str(n.message) for n in pilot.app._notifications)
    assert next(d for d in list_documents(tui_project) if d["id"] == doc_id) == before


async def test_link_an_unknown_speaker_to_a_participant(
    tui_project: Project, tmp_path: Path
) -> None:
    doc_id = _second_document(tui_project, tmp_path)
    assert {s["speaker"]: s["participant"] for s in speakers(tui_project, doc_id)}[
        "Bent Ravn"
    ] is None
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 1)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ChoicePicker)
        await pilot.press("down", "enter")  # the second label: Bent Ravn
        await pilot.pause()
        chooser = pilot.app.screen
        assert isinstance(chooser, ChoicePicker) and "Bent Ravn" in chooser.choice_title
        await pilot.press("down", "enter")  # Karin Vestergaard, the only participant
        await pilot.pause()
    linked = {s["speaker"]: s["participant"] for s in speakers(tui_project, doc_id)}
    assert linked["Bent Ravn"] == "Karin Vestergaard"


async def test_delete_lists_what_goes_and_undo_brings_it_back(
    tui_project: Project, document_id: int
) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 0)
        await pilot.press("delete")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, Confirm)
        assert "3 codings" in confirm.question and "0 quotes" in confirm.question
        await pilot.press("y")
        await pilot.pause()
        with tui_project.session() as s:
            assert s.get(Document, document_id) is None
            assert s.exec(select(Coding)).all() == []
        await pilot.press("ctrl+z")
        await pilot.pause()
    with tui_project.session() as s:
        assert s.get(Document, document_id) is not None
        assert len(s.exec(select(Coding)).all()) == 3


async def test_declining_the_delete_keeps_everything(
    tui_project: Project, document_id: int
) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 0)
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
    with tui_project.session() as s:
        assert s.get(Document, document_id) is not None
        assert len(s.exec(select(Coding)).all()) == 3


async def test_edit_text_moves_codings_with_their_words(
    tui_project: Project, document_id: int
) -> None:
    with tui_project.session() as s:
        doc = s.get(Document, document_id)
        assert doc is not None
        old_text = doc.text
        before = {c.id: doc.text[c.start : c.end] for c in s.exec(select(Coding))}
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await _documents(pilot, 0)
        await pilot.press("E")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, TextEditor)
        editor.query_one("#document-text").text = "Rettet indledning.\n\n" + old_text
        await pilot.press("ctrl+s")
        await pilot.pause()
    with tui_project.session() as s:
        doc = s.get(Document, document_id)
        assert doc is not None and doc.text.startswith("Rettet indledning.")
        after = {c.id: doc.text[c.start : c.end] for c in s.exec(select(Coding))}
    assert after == before


async def test_settings_screen_changes_and_refuses(tui_project: Project) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, SettingsScreen)
        keys = [row.key for row in screen.rows]
        table = screen.query_one("DataTable")
        table.move_cursor(row=keys.index("silence_as_consent"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ChoicePicker)
        await pilot.press("home", "enter")  # true
        await pilot.pause()
        assert settings.get_setting(tui_project, "silence_as_consent") == "true"
        table.move_cursor(row=keys.index("packet_due_days"))
        await pilot.press("enter")
        await pilot.pause()
        prompt = pilot.app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one("Input").value = "fjorten"
        await pilot.press("enter")
        await pilot.pause()
        assert any(n.severity == "error" for n in pilot.app._notifications)
    assert settings.get_setting(tui_project, "packet_due_days") == "14"


def test_no_quote_was_touched(tui_project: Project) -> None:
    with tui_project.session() as s:
        assert s.exec(select(Quote)).all() == []
