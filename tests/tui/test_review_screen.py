"""The agreement review screen, driven with Pilot: R opens it, a/b/t/n settle disagreements."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.agreement import review_decisions
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.importing import import_one
from qualcode.models import Coder, Coding

pytestmark = pytest.mark.anyio
SIZE = (120, 36)

TEXT = (
    "I: Hvad er det største problem?\n\n"
    "Ekspert: Ventetiden på svar er for lang. Ældre på Ærø rammes hårdest. "
    "Vi mangler data om forløbene. Resten går fint.\n"
)
CODEBOOK = """
[[code]]
key = "vent"
label_da = "Ventetid"
colour = "#1F77B4"
[[code]]
key = "ulighed"
label_da = "Ulighed"
colour = "#D62728"
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio


def _span(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def review_project(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "book.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, book)
    path = tmp_path / "interview.txt"
    path.write_text(TEXT, encoding="utf-8")
    doc = import_one(project, path, title="Interview om ventetid").document_id
    both = _span("Ventetiden på svar er for lang.")
    apply_code(project, doc, "vent", *both, "anna")
    apply_code(project, doc, "vent", *both, "bent")
    apply_code(project, doc, "ulighed", *_span("Ældre på Ærø rammes hårdest."), "anna")
    apply_code(project, doc, "vent", *_span("Vi mangler data om forløbene."), "bent")
    return project


def _reviewer_codings(project: Project, name: str) -> list[tuple[int, int, str]]:
    with project.session() as s:
        who = s.exec(select(Coder).where(Coder.name == name)).first()
        if who is None:
            return []
        rows = s.exec(select(Coding).where(Coding.coder_id == who.id).order_by(Coding.start))
        return [(c.start, c.end, c.origin) for c in rows]


async def _open_review(pilot) -> object:  # noqa: ANN001
    from qualcode.tui.screens.review import ReviewScreen

    await pilot.press("R")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.report is not None
    return screen


async def test_resolve_disagreements_through_the_tui(review_project: Project) -> None:
    from qualcode.tui.app import make_app

    async with make_app(review_project, coder="rita").run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot)
        report = screen.report
        assert report.coders == ["anna", "bent"]
        assert [(d.code, d.coded_by) for d in report.disagreements] == [
            ("ulighed", ["anna"]),
            ("vent", ["bent"]),
        ]
        status = str(screen.query_one("#review-status").render())
        assert "disagreement 1 of 2" in status and "Ulighed" in status
        assert "Ærø" in str(screen.query_one("#review-unit").render())
        assert "did not code" in str(screen.query_one("#review-b").render())

        await pilot.press("a")  # keep anna's "ulighed" coding
        await pilot.pause()
        assert _reviewer_codings(review_project, "rita") == [
            (*_span("Ældre på Ærø rammes hårdest."), "review")
        ]
        assert screen.index == 1  # moved on to the next open disagreement

        await pilot.press("n")  # bent's extra "vent" coding: neither
        await pilot.pause()
        assert len(_reviewer_codings(review_project, "rita")) == 1
        decisions = sorted(d["decision"] for d in review_decisions(review_project).values())
        assert decisions == ["keep_a", "neither"]

        await pilot.press("k")
        await pilot.pause()
        assert "resolved: keep A (by rita)" in str(screen.query_one("#review-resolution").render())
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is not screen


async def test_keep_both_and_undo(review_project: Project) -> None:
    from qualcode.tui.app import make_app

    async with make_app(review_project, coder="rita").run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot)
        await pilot.press("j")  # the second disagreement: only bent coded it
        await pilot.press("t")
        await pilot.pause()
        assert _reviewer_codings(review_project, "rita") == [
            (*_span("Vi mangler data om forløbene."), "review")
        ]
        assert screen.report.disagreements[1].resolution["decision"] == "both"
        await pilot.press("ctrl+z")  # the reviewer's codings are one undoable action
        await pilot.pause()
        assert _reviewer_codings(review_project, "rita") == []


async def test_screen_says_when_there_is_nothing_to_review(project: Project) -> None:
    from qualcode.tui.app import make_app

    async with make_app(project, coder="rita").run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "needs two coders" in str(pilot.app.screen.query_one("#review-status").render())


async def test_by_code_table_and_its_disagreements_one_key_away(review_project: Project) -> None:
    from qualcode.tui.app import make_app

    async with make_app(review_project, coder="rita").run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot)
        await pilot.press("c")
        await pilot.pause()
        table = str(screen.query_one("#review-unit").render())
        assert "all units" in table and "coded units" in table
        assert "▶ vent" in table  # codebook order: vent first
        await pilot.press("j")  # the cursor moves over the codes, not the disagreements
        await pilot.pause()
        assert "▶ ulighed" in str(screen.query_one("#review-unit").render())
        await pilot.press("enter")  # that code's first disagreement
        await pilot.pause()
        assert screen.table_open is False
        assert screen.current is not None and screen.current.code == "ulighed"
        assert "Ærø" in str(screen.query_one("#review-unit").render())


async def test_any_pair_of_coders(review_project: Project) -> None:
    from qualcode.tui.app import make_app

    with review_project.session() as s:
        doc = s.exec(select(Coding.document_id)).first()
    apply_code(review_project, doc, "vent", *_span("Resten går fint."), "carl")
    async with make_app(review_project, coder="rita").run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot)
        seen = [tuple(screen.report.coders)]
        for _ in range(3):
            await pilot.press("p")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(tuple(screen.report.coders))
        assert set(seen) == {("anna", "bent"), ("anna", "carl"), ("bent", "carl")}
        assert "carl" in str(screen.query_one("#review-status").render()) or seen[-1] == (
            "anna",
            "bent",
        )
