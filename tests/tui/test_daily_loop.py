"""The researcher's daily loop in the TUI (issue 12): hierarchy in filters and counts,
inductive coding, quotes that keep their code, the suggestion queue, help and plurals.

Every test drives the app with keys and asserts on the database and on what is shown.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from qualcode.db import Project
from qualcode.models import Code, Coding, Quote, Suggestion
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.code_picker import ChoicePicker, CodePicker, NewCode
from qualcode.tui.widgets.format import figure, plural
from qualcode.tui.widgets.transcript import TranscriptView

from .conftest import INTERVIEW, span_of

SIZE = (120, 36)
pytestmark = pytest.mark.anyio


async def open_view(pilot, document_id: int, start: int | None = None) -> TranscriptView:  # noqa: ANN001
    pilot.app.open_document(document_id, start)
    await pilot.pause()
    await pilot.pause()  # the view moves to ``start`` after its first refresh
    assert isinstance(pilot.app.screen, CodingScreen)
    return pilot.app.screen.query_one(TranscriptView)


def messages(app) -> list[str]:  # noqa: ANN001
    return [str(n.message) for n in app._notifications]


def code_id(project: Project, key: str) -> int:
    with project.session() as s:
        found = s.exec(select(Code.id).where(Code.key == key)).one()
        assert found is not None
        return found


async def test_filter_by_an_area_walks_its_attention_points(
    tui_project: Project, document_id: int
) -> None:
    """The bug: f → area → n said "no next coding" though A.1 and A.2 were coded."""
    a1, _ = span_of(INTERVIEW, "Patienterne venter for længe på scanning")
    a2, _ = span_of(INTERVIEW, "venter for længe på scanning, og når")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id)
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        screen.set_filter(code_id(tui_project, "A"))
        await pilot.pause()
        assert view.code_filter == {code_id(tui_project, k) for k in ("A", "A.1", "A.2")}
        shown = {s.code_id for s in view.visible_spans(0, len(view.text))}
        assert shown == {code_id(tui_project, "A.1"), code_id(tui_project, "A.2")}
        assert "showing only A and 2 codes under it: 2 codings here" in " ".join(
            messages(pilot.app)
        )
        await pilot.press("n")
        assert view.cursor == a1
        await pilot.press("n")
        assert view.cursor == a2
        await pilot.press("n")
        assert "no next coding of A" in messages(pilot.app)[-1]
        await pilot.press("p")
        assert view.cursor == a1
        # the tree counts the area with its attention points
        label = screen.code_nodes[code_id(tui_project, "A")].label
        assert " 2 " in f"{label.plain} "


async def test_nothing_matches_then_enter_creates_the_code_and_undo_removes_both(
    tui_project: Project, document_id: int
) -> None:
    start, end = span_of(INTERVIEW, "Færre skemaer og mere tid til patienterne")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        view.select_span(start, end)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, CodePicker)
        await pilot.press(*"xyzzy nyt tema")
        await pilot.pause()
        picker = pilot.app.screen
        assert isinstance(picker, CodePicker) and picker.create_label == "xyzzy nyt tema"
        await pilot.press("enter")  # the create row is first: never the nearest code
        await pilot.pause()
        chooser = pilot.app.screen
        assert isinstance(chooser, ChoicePicker)
        await pilot.press("enter")  # at the top level
        await pilot.pause()
        assert isinstance(pilot.app.screen, CodingScreen)
        with tui_project.session() as s:
            new = s.exec(select(Code).where(Code.label_da == "xyzzy nyt tema")).one()
            coded = s.exec(select(Coding).where(Coding.code_id == new.id)).all()
            assert [(c.start, c.end) for c in coded] == [(start, end)]
            assert s.exec(select(Coding).where(Coding.start == start)).all() == coded
        await pilot.press("ctrl+z")
        await pilot.pause()
        with tui_project.session() as s:
            assert s.exec(select(Code).where(Code.label_da == "xyzzy nyt tema")).first() is None
            assert s.exec(select(Coding).where(Coding.start == start)).all() == []


async def test_a_good_match_is_applied_and_no_create_row_is_offered(
    tui_project: Project, document_id: int
) -> None:
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, 10)
        view.select_span(10, 20)
        await pilot.press("enter", *"ventetid")
        await pilot.pause()
        picker = pilot.app.screen
        assert isinstance(picker, CodePicker) and picker.create_label is None


async def test_picker_escape_after_create_row_changes_nothing(
    tui_project: Project, document_id: int
) -> None:
    with tui_project.session() as s:
        before = len(s.exec(select(Code)).all()), len(s.exec(select(Coding)).all())
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, 10)
        view.select_span(10, 20)
        await pilot.press("enter", *"qwxz", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ChoicePicker)
        await pilot.press("escape")
        await pilot.pause()
    with tui_project.session() as s:
        assert (len(s.exec(select(Code)).all()), len(s.exec(select(Coding)).all())) == before


async def test_a_quote_from_a_coded_span_takes_its_code(
    tui_project: Project, document_id: int
) -> None:
    start, end = span_of(INTERVIEW, "Det er de sårbare patienter")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        view.select_span(start, end)
        await pilot.press("u")
        await pilot.pause()
    with tui_project.session() as s:
        quote = s.exec(select(Quote)).one()
        assert (quote.start, quote.end) == (start, end)
        assert quote.code_id == code_id(tui_project, "ulighed")


async def test_a_quote_over_two_codes_asks_which(tui_project: Project, document_id: int) -> None:
    start, end = span_of(INTERVIEW, "venter for længe på scanning")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, start)
        view.select_span(start, end)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ChoicePicker)
        await pilot.press("down", "enter")
        await pilot.pause()
    with tui_project.session() as s:
        quote = s.exec(select(Quote)).one()
        assert quote.code_id == code_id(tui_project, "A.2")


def _suggest(project: Project, document_id: int, key: str, passage: str) -> int:
    start, end = span_of(INTERVIEW, passage)
    with project.transaction() as s:
        row = Suggestion(
            document_id=document_id,
            code_id=code_id(project, key),
            start=start,
            end=end,
            score=0.7,
            method="keywords",
        )
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


async def test_suggestion_queue_and_accept_all_of_a_code(
    tui_project: Project, document_id: int
) -> None:
    _suggest(tui_project, document_id, "B", "Vi har en fast telefontid")
    _suggest(tui_project, document_id, "B", "praksislægerne kan ringe direkte til os")
    other = _suggest(tui_project, document_id, "A", "et fælles overblik over ventetider")
    first, _ = span_of(INTERVIEW, "Vi har en fast telefontid")
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, document_id, 0)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert view.cursor == first
        assert "3 open suggestions in all" in messages(pilot.app)[-1]
        await pilot.press("A")
        await pilot.pause()
        assert "accepted 2 suggestions of B" in messages(pilot.app)[-1]
    with tui_project.session() as s:
        statuses = {r.id: r.status for r in s.exec(select(Suggestion))}
        coded = s.exec(select(Coding).where(Coding.code_id == code_id(tui_project, "B"))).all()
    assert sorted(statuses.values()) == ["accepted", "accepted", "open"]
    assert statuses[other] == "open"
    assert len(coded) == 2 and {c.origin for c in coded} == {"suggestion"}


async def test_f1_opens_help(tui_project: Project) -> None:
    from qualcode.tui.screens.help import HelpScreen

    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)


async def test_markdown_headings_are_painted_as_headings(tmp_path, tui_project: Project) -> None:  # noqa: ANN001
    from qualcode.importing import import_files

    md = tmp_path / "noter.md"
    md.write_text("# Møde med Lise\n\nLise: Det går fint.\n\n## Opfølgning\n\nMere tekst.\n")
    (outcome,) = import_files(tui_project, [md], kind="notes", annotate=False)
    assert outcome.document_id is not None
    async with make_app(tui_project, coder="tester").run_test(size=SIZE) as pilot:
        view = await open_view(pilot, outcome.document_id)
        lines = [view.render_line(y).text for y in range(8)]
        shown = "\n".join(lines)
        assert "# " not in shown
        assert "Møde med Lise" in shown and "Opfølgning" in shown
        assert view.text.startswith("# Møde")  # the stored text (and every offset) unchanged


def test_plurals_and_figures() -> None:
    assert plural(1, "expert") == "1 expert"
    assert plural(2, "hit") == "2 hits"
    assert plural(0, "document") == "0 documents"
    assert plural(1, "child code") == "1 child code"
    assert figure(-0.001) == "0.00"
    assert figure(-0.5) == "-0.50"
    assert figure(0.456) == "0.46"


def test_new_code_is_only_offered_for_weak_matches() -> None:
    from qualcode.tui.widgets.code_picker import STRONG_MATCH, PickableCode, score_codes

    codes = [
        PickableCode(1, "5.2", "Overlappende tilbud"),
        PickableCode(2, "6", "Basal palliation"),
    ]
    assert score_codes("palliation", codes)[0][0] >= STRONG_MATCH
    weak = score_codes("xyzzy nyt tema", codes)
    assert not weak or weak[0][0] < STRONG_MATCH
    assert NewCode("x") == NewCode("x")


async def test_the_search_bar_says_the_whole_suggestion_count_at_80_columns(
    tui_project: Project,
) -> None:
    """At 80 columns "mode exact (ctrl+t) · all documents (ctrl+k) · N open suggestions in
    1 document" did not fit and the news was cut; the key hints give way instead."""
    async with make_app(tui_project, coder="tester").run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        pilot.app.screen.action_suggest()  # the screen's `s`
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        bar = pilot.app.screen.query_one("#search-bar")
        with tui_project.session() as s:
            rows = s.exec(select(Suggestion).where(Suggestion.status == "open")).all()
        news = f"{plural(len(rows), 'open suggestion')} in {plural(1, 'document')}"
        shown = str(bar.render())
        assert news in shown and len(shown) <= bar.size.width - 2
