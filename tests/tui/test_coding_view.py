"""The coding view driven as a user would: keys in, rows in the database out."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qualcode.db import Project
from qualcode.models import Code, Coder, Coding
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.code_picker import CodePicker
from qualcode.tui.widgets.dialogs import MemoEditor
from qualcode.tui.widgets.transcript import TranscriptView

from .conftest import INTERVIEW, span_of

SIZE = (120, 36)
pytestmark = pytest.mark.anyio


def codings(project: Project, code_key: str | None = None) -> list[tuple[str, int, int, str, str]]:
    """(code key, start, end, coder, memo) of every coding, optionally of one code."""
    with project.session() as s:
        query = (
            select(Code.key, Coding.start, Coding.end, Coder.name, Coding.memo)
            .join(Code, Code.id == Coding.code_id)
            .join(Coder, Coder.id == Coding.coder_id)
            .order_by(Coding.start)
        )
        if code_key is not None:
            query = query.where(Code.key == code_key)
        return [tuple(row) for row in s.exec(query).all()]  # type: ignore[misc]


async def open_view(pilot, document_id: int, start: int | None = None) -> TranscriptView:  # noqa: ANN001
    pilot.app.open_document(document_id, start)
    await pilot.pause()
    assert isinstance(pilot.app.screen, CodingScreen)
    view = pilot.app.screen.query_one(TranscriptView)
    if start is not None:
        # The screen moves to ``start`` after its first refresh (call_after_refresh), and the
        # side panel follows the view's CursorMoved message: on a busy machine one pause is
        # not enough. Wait for the cursor to arrive, then for its message to be handled.
        for _ in range(200):
            if view.cursor == start:
                break
            await pilot.pause()
        assert view.cursor == start
        await pilot.pause()
    return view


async def test_select_by_keys_and_apply_through_picker(
    tui_project: Project, document_id: int
) -> None:
    start, end = span_of(INTERVIEW, "fast telefontid")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        assert view.cursor == start
        await pilot.press(*["shift+right"] * (end - start))
        assert pilot.app.screen.selection == (document_id, start, end)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, CodePicker)
        await pilot.press(*"praksis")  # fuzzy: matches B.1's label "Praksis og hospital"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CodingScreen)
        assert codings(tui_project, "B.1") == [("B.1", start, end, "tester", "")]
        # painted at once: the span is in the view's index and shows in the side panel
        assert [s.code_id for s in view.spans.overlapping(start, end)]
        assert "B.1" in str(pilot.app.screen.query_one("#at-cursor").render())


async def test_several_codes_at_once_are_one_undoable_action(
    tui_project: Project, document_id: int
) -> None:
    start, end = span_of(INTERVIEW, "Færre skemaer og mere tid til patienterne.")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start + 2)
        await pilot.press("s")  # the sentence at the cursor
        assert view.selection == (start, end)
        await pilot.press("enter", *"A.2", "tab")
        await pilot.press(*["backspace"] * 3, *"ulighed", "tab", "enter")
        await pilot.pause()
        assert {c[0] for c in codings(tui_project) if c[1] == start} == {"A.2", "ulighed"}
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert not [c for c in codings(tui_project) if c[1] == start]
        assert not view.spans.overlapping(start, end - 1) or all(
            s.start != start for s in view.spans.overlapping(start, end)
        )
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert {c[0] for c in codings(tui_project) if c[1] == start} == {"A.2", "ulighed"}


async def test_remove_undo_redo_survive_a_restart(tui_project: Project, document_id: int) -> None:
    start, end = span_of(INTERVIEW, "Det er de sårbare patienter, der mærker det mest")
    # the ulighed coding was made by "ida"; undo history is per coder, so code as ida
    async with make_app(tui_project, coder="ida").run_test(size=SIZE) as pilot:
        await open_view(pilot, document_id, start + 3)
        await pilot.press("delete")
        await pilot.pause()
        assert codings(tui_project, "ulighed") == []
    # a new session: ctrl+z still undoes the removal
    async with make_app(tui_project, coder="ida").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start + 3)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert codings(tui_project, "ulighed") == [("ulighed", start, end, "ida", "")]
        assert any(s.start == start for s in view.spans.overlapping(start, end))
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert codings(tui_project, "ulighed") == []
        assert not view.spans.overlapping(start, end)


async def test_overlapping_codings_ask_which_one(tui_project: Project, document_id: int) -> None:
    start, _ = span_of(INTERVIEW, "på scanning")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await open_view(pilot, document_id, start)
        screen = pilot.app.screen
        assert {s.code_id for s in screen.spans_at_cursor()} and len(screen.spans_at_cursor()) == 2
        await pilot.press("delete")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ChoicePicker"
        await pilot.press("escape")
        await pilot.pause()
        assert len(codings(tui_project)) == 3


async def test_memo_on_a_coding(tui_project: Project, document_id: int) -> None:
    start, _ = span_of(INTERVIEW, "sårbare patienter")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await open_view(pilot, document_id, start)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MemoEditor)
        await pilot.press(*"rykker ikke selv", "ctrl+s")
        await pilot.pause()
        assert codings(tui_project, "ulighed")[0][4] == "rykker ikke selv"
        assert "rykker ikke selv" in str(pilot.app.screen.query_one("#at-cursor").render())


async def test_memo_on_the_document(tui_project: Project, document_id: int) -> None:
    from qualcode.memos import read_memo

    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await open_view(pilot, document_id)
        await pilot.press("M")
        await pilot.pause()
        await pilot.press(*"god interviewperson", "ctrl+s")
        await pilot.pause()
    assert read_memo(tui_project, "document", document_id, "tester") == "god interviewperson"


async def test_jump_and_filter(tui_project: Project, document_id: int) -> None:
    a1, _ = span_of(INTERVIEW, "Patienterne venter for længe på scanning")
    a3, _ = span_of(INTERVIEW, "Det er de sårbare patienter")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        await pilot.press("n")  # no code at the cursor: the next coding of any code
        assert view.cursor == a1
        await pilot.press("f", *"ulighed", "enter")
        await pilot.pause()
        assert view.code_filter is not None
        assert all(s.code_id in view.code_filter for s in view.visible_spans(0, len(view.text)))
        await pilot.press("ctrl+home", "n")
        assert view.cursor == a3
        await pilot.press("f")  # again: show all
        assert view.code_filter is None


async def test_turn_selection_skips_the_speaker_label(
    tui_project: Project, document_id: int
) -> None:
    start, _ = span_of(INTERVIEW, "Karin Vestergaard: Det er blevet bedre")
    body, _ = span_of(INTERVIEW, "Det er blevet bedre")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        await pilot.press("t")
        sel = view.selection
        assert sel is not None and sel[0] == body
        assert INTERVIEW[sel[1] - 1] == "."


async def test_domain_errors_are_notifications(tui_project: Project, document_id: int) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await open_view(pilot, document_id)
        screen = pilot.app.screen
        code_id = next(iter(screen.codes))
        assert screen.apply_codes([code_id], 10, 10) == []  # an empty span: a CodingError
        await pilot.pause()
        assert any(n.severity == "error" for n in pilot.app._notifications)
        assert isinstance(pilot.app.screen, CodingScreen)


async def test_quote_from_selection(tui_project: Project, document_id: int) -> None:
    start, end = span_of(INTERVIEW, "Færre skemaer og mere tid til patienterne.")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        view.select_span(start, end)
        await pilot.press("u")
        await pilot.pause()
    try:
        from qualcode.models import Quote
    except ImportError:  # pragma: no cover
        return
    with tui_project.session() as s:
        quotes = s.exec(select(Quote)).all()
    assert [(q.start, q.end) for q in quotes] == [(start, end)]


def add_suggestion(project: Project, document_id: int, key: str, start: int, end: int) -> int:
    from qualcode.models import Suggestion

    with project.transaction() as s:
        code = s.exec(select(Code).where(Code.key == key)).one()
        row = Suggestion(
            document_id=document_id,
            code_id=code.id,
            start=start,
            end=end,
            score=0.8,
            method="keywords",
            reason="ord: telefontid",
        )
        s.add(row)
        s.flush()
        return row.id  # type: ignore[return-value]


async def test_suggestions_are_underlined_and_accepted_or_rejected(
    tui_project: Project, document_id: int
) -> None:
    from qualcode.models import Suggestion

    s1, e1 = span_of(INTERVIEW, "Vi har en fast telefontid")
    s2, e2 = span_of(INTERVIEW, "Færre skemaer")
    first = add_suggestion(tui_project, document_id, "B.1", s1, e1)
    second = add_suggestion(tui_project, document_id, "A", s2, e2)
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, s1 + 3)
        assert [m.id for m in view.suggestions] == [first, second]
        assert "suggested" in str(pilot.app.screen.query_one("#at-cursor").render())
        await pilot.press("a")
        await pilot.pause()
        assert codings(tui_project, "B.1") == [("B.1", s1, e1, "tester", "")]
        assert [m.id for m in view.suggestions] == [second]
        view.move_to(s2 + 1)
        await pilot.press("x")
        await pilot.pause()
        assert view.suggestions == []
    with tui_project.session() as s:
        assert s.get(Suggestion, second).status == "rejected"  # type: ignore[union-attr]


async def test_select_with_the_mouse(tui_project: Project, document_id: int) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        await pilot.mouse_down(view, offset=(4 + 2, 0))
        await pilot.hover(view, offset=(4 + 12, 0))
        await pilot.mouse_up(view, offset=(4 + 12, 0))
        assert view.selection == (2, 12)


async def test_changes_by_another_coder_show_up(tui_project: Project, document_id: int) -> None:
    from qualcode.coding import apply_code
    from qualcode.db import open_project

    start, end = span_of(INTERVIEW, "fælles overblik over ventetider")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        assert not view.spans.overlapping(start, end)
        with open_project(tui_project.url) as colleague:  # e.g. the CLI, another program
            apply_code(colleague, document_id, "A", start, end, "mads")
        pilot.app._poll_changes()
        await pilot.pause()
        assert [s.coder for s in view.spans.overlapping(start, end)] == ["mads"]


async def test_open_document_at_a_span_far_down_scrolls_to_it(
    tui_project: Project, tmp_path
) -> None:  # noqa: ANN001
    from qualcode.importing import import_files

    paragraphs = [
        f"Afsnit {i}: der står ikke meget her, men det fylder en linje." for i in range(400)
    ]
    source = tmp_path / "lang.txt"
    source.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    doc_id = import_files(tui_project, [source], kind="notes", annotate=False)[0].document_id
    text = source.read_text(encoding="utf-8")
    start, end = span_of(text, "Afsnit 350:")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        pilot.app.open_document(doc_id, start, end)
        await pilot.pause()
        view = pilot.app.screen.query_one(TranscriptView)

        def in_view() -> bool:
            top = int(view.scroll_offset.y)
            return top <= view.line_of(start) < top + view.scrollable_content_region.height

        # The span is shown after the first refresh and the scroll waits for the first
        # layout (the wrap width): on a busy machine that takes more than one pause.
        for _ in range(200):
            if view.selection == (start, end) and in_view():
                break
            await pilot.pause()
        assert view.selection == (start, end)
        assert in_view(), (int(view.scroll_offset.y), view.line_of(start))


async def test_switching_theme_repaints_cached_lines(
    tui_project: Project, document_id: int
) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        await pilot.pause()
        before = view.render_line(5)
        pilot.app.theme = "textual-light"
        await pilot.pause()
        after = view.render_line(5)
        assert before.text == after.text
        assert [s.style for s in before] != [s.style for s in after]


async def test_enter_on_a_code_in_the_tree(tui_project: Project, document_id: int) -> None:
    start, end = span_of(INTERVIEW, "fast telefontid")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        view.select_span(start, end)
        screen = pilot.app.screen
        tree = screen.query_one("#code-tree")
        tree.focus()
        tree.move_cursor(
            screen.code_nodes[next(c for c, code in screen.codes.items() if code.key == "B")]
        )
        await pilot.press("enter")
        await pilot.pause()
        assert codings(tui_project, "B") == [("B", start, end, "tester", "")]
        assert pilot.app.focused is view
        view.clear_selection()
        tree.focus()
        await pilot.press("enter")  # no selection: filter by the code
        assert view.code_filter is not None


async def test_opening_a_missing_document_is_a_notification(tui_project: Project) -> None:
    from qualcode.tui.screens.dashboard import DashboardScreen

    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        pilot.app.open_document(9999)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)
        assert any("9999" in n.message for n in pilot.app._notifications)


async def test_the_whole_round_on_one_coding(tui_project: Project, document_id: int) -> None:
    """Select by keys, code through the picker, remove, undo, redo, undo, memo."""
    start, end = span_of(INTERVIEW, "henvisningerne")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        await pilot.press("w")  # extend by a word: the selection ends where the word ends
        assert view.selection == (start, end)
        await pilot.press("enter", *"B.1", "enter")
        await pilot.pause()
        assert codings(tui_project, "B.1") == [("B.1", start, end, "tester", "")]
        await pilot.press("left")  # drop the selection, cursor at its start
        await pilot.press("delete")
        await pilot.pause()
        assert codings(tui_project, "B.1") == []
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert codings(tui_project, "B.1") == [("B.1", start, end, "tester", "")]
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert codings(tui_project, "B.1") == []
        await pilot.press("ctrl+z")
        await pilot.pause()
        await pilot.press("m", *"uens kvalitet", "ctrl+s")
        await pilot.pause()
        assert codings(tui_project, "B.1") == [("B.1", start, end, "tester", "uens kvalitet")]
