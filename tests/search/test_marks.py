"""How a hit matched is shown wherever hits are: compounds found by their head and fuzzy hits
with their score, after the exact words and inflections (CLI text and JSON, TUI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.db import Project, open_project
from qualcode.importing import import_files

TEXT = (
    "Interviewer: Hvad med planerne?\n\n"
    "Ragna Søndervig: Kræftopfølgningsplanen var god. Opfølgningsplanen kom sent, "
    "og en opfølgningsplan mere blev lavet. Opfølgingsplanen havde en stavefejl.\n"
)


def _import(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "ragna.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert import_files(project, [path])[0].status == "imported"


def test_cli_lemma_search_marks_compounds_after_the_inflections(
    cli, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _import(project, tmp_path)
    code, out, err = cli("search", "opfølgningsplan", "--lemma")
    assert code == 0, err
    lines = [line for line in out.splitlines() if "[" in line]
    assert len(lines) == 3
    assert all(line.startswith("lemma ") for line in lines[:2])
    assert lines[2].startswith("compound") and "[Kræftopfølgningsplanen]" in lines[2]
    code, out, _ = cli("search", "opfølgningsplan", "--lemma", "--json")
    data = json.loads(out)
    assert [h["match"] for h in data["hits"]] == ["lemma", "lemma", "compound"]
    assert data["variants"][0]["compounds"] == ["kræftopfølgningsplanen"]


def test_cli_fuzzy_search_labels_typos_with_their_score(
    cli, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _import(project, tmp_path)
    code, out, _ = cli("search", "opfølgningsplanen", "--fuzzy", "85", "--json")
    assert code == 0
    hits = json.loads(out)["hits"]
    typo = [h for h in hits if h["text"] == "Opfølgingsplanen"]
    assert len(typo) == 1 and typo[0]["match"] == "fuzzy" and 85 <= typo[0]["score"] < 100
    assert hits[0]["match"] == "exact" and hits[-1]["match"] == "fuzzy"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_tui_search_marks_fuzzy_hits_with_their_score(
    project_path: Path, tmp_path: Path
) -> None:
    from textual.widgets import DataTable, Input

    from qualcode.tui.app import make_app
    from qualcode.tui.screens.search import SearchScreen

    project = open_project(project_path, create=True)
    try:
        _import(project, tmp_path)
        app = make_app(project, coder="tester")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("slash")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            screen.mode = "fuzzy"
            screen.query_one(Input).value = "opfølgningsplanen"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.result is not None
            hits = screen.query_one("#search-hits", DataTable)
            at = [str(hits.get_row_at(i)[1]) for i in range(hits.row_count)]
            marks = dict(zip((h.text for h in screen.result.hits), at, strict=True))
            typo = next(h for h in screen.result.hits if h.text == "Opfølgingsplanen")
            assert 85 <= typo.score < 100
            assert marks["Opfølgingsplanen"].endswith(f"fuzzy {typo.score:.0f}")
            assert " " not in marks["Opfølgningsplanen"]  # exact: the offset alone
            assert marks["Kræftopfølgningsplanen"].endswith("compound")
    finally:
        project.close()
