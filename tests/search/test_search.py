"""Search: exact, lemma (inflections, capitals, phrases), fuzzy (typos, compounds), KWIC,
per-document counts, and coding every hit as one undoable action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.codebook import load_codebook
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.errors import QualcodeError
from qualcode.history import undo
from qualcode.importing import import_files
from qualcode.models import Coding
from qualcode.search import fuzzy_word_matches, search

INTERVIEW_A = (
    "I: Hvordan går udredningen af patienterne?\n\n"
    "Ekspert: Udredning af patienter med uspecifikke symptomer tager for lang tid. "
    "Palliationen kommer sent, og palliationsindsatsen i kommunen er spredt. "
    "Vi taler om palliation hele tiden.\n\n"
    "I: Tak.\n\nEkspert: Selv tak.\n"
)
INTERVIEW_B = (
    "I: Hvad med de vage symptomer?\n\n"
    "Ekspert: Uspecifik smerte og et vagt symptom er svære. Symptomerne er uspecifikke, "
    "men pakkeforløbet hjælper. Hospitalet har mange tal om populationen.\n"
)
MINUTES = (
    "# Referat af møde 3\n\n"
    "Punkt 1: Basal palliation blev nævnt. Basal palliation skal drøftes igen.\n"
    "Punkt 2: Udredningsforløbet for uspecifikke symptomer. Paliation blev ikke drøftet.\n"
)


@pytest.fixture
def corpus(project: Project, tmp_path: Path) -> Project:
    files = []
    for name, text in (("a.txt", INTERVIEW_A), ("b.txt", INTERVIEW_B), ("m.md", MINUTES)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(path)
    outcomes = import_files(project, files[:2], kind="interview")
    outcomes += import_files(project, files[2:], kind="document", title="Referat")
    assert all(o.status == "imported" for o in outcomes)
    load_codebook(project, demo_codebook())
    return project


def _texts(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.text for h in result.hits]


def test_exact_is_case_insensitive_but_literal(corpus: Project) -> None:
    result = search(corpus, "Palliation")
    assert sorted(_texts(result)) == ["palliation", "palliation", "palliation"]


def test_lemma_finds_inflected_and_capitalised_forms(corpus: Project) -> None:
    texts = _texts(search(corpus, "udredning", mode="lemma"))
    assert sorted(texts) == ["Udredning", "udredningen"]
    texts = _texts(search(corpus, "palliation", mode="lemma"))
    assert "Palliationen" in texts and texts.count("palliation") == 3
    texts = _texts(search(corpus, "patienter", mode="lemma"))
    assert sorted(texts) == ["patienter", "patienterne"]
    texts = _texts(search(corpus, "symptomerne", mode="lemma"))
    assert sorted(texts) == ["Symptomerne", "symptom", "symptomer", "symptomer", "symptomer"]


def test_a_word_with_soft_hyphens_is_found(project: Project, tmp_path: Path) -> None:
    """Text pasted from a web page or a Word file with optional hyphens carries U+00AD inside
    long words: exact and lemma search find them, and the hit is the text as stored."""
    path = tmp_path / "referat.txt"
    path.write_text(
        "Palliations\u00adindsatsen er spredt. Palliationsindsats i alle kommuner.\n",
        encoding="utf-8",
    )
    (outcome,) = import_files(project, [path], kind="document")
    assert outcome.status == "imported"
    lemma = _texts(search(project, "palliationsindsats", mode="lemma"))
    assert sorted(lemma) == sorted(["Palliations\u00adindsatsen", "Palliationsindsats"])
    assert _texts(search(project, "palliationsindsatsen")) == ["Palliations\u00adindsatsen"]


def test_lemma_phrase_keeps_word_order_and_adjacency(corpus: Project) -> None:
    texts = _texts(search(corpus, "uspecifik symptom", mode="lemma"))
    assert sorted(texts) == ["uspecifikke symptomer", "uspecifikke symptomer"]
    # "Symptomerne er uspecifikke": right words, wrong order
    assert search(corpus, "symptom uspecifik", mode="lemma").total == 0
    texts = _texts(search(corpus, "basal palliation", mode="lemma"))
    assert texts == ["Basal palliation", "Basal palliation"]


def test_phrase_does_not_run_across_punctuation(corpus: Project) -> None:
    assert search(corpus, "tid palliationen", mode="lemma").total == 0  # "tid. Palliationen"


def test_fuzzy_finds_compounds_and_typos_not_unrelated_words(corpus: Project) -> None:
    result = search(corpus, "palliation", mode="fuzzy", fuzzy_score=85)
    found = {t.lower() for t in _texts(result)}
    assert {"palliation", "palliationen", "palliationsindsatsen", "paliation"} <= found
    assert "populationen" not in found
    typo = {t.lower() for t in _texts(search(corpus, "paliation", mode="fuzzy"))}
    assert "palliation" in typo and "palliationsindsatsen" in typo
    compounds = {t.lower() for t in _texts(search(corpus, "udredning", mode="fuzzy"))}
    assert "udredningsforløbet" in compounds
    short = {t.lower() for t in _texts(search(corpus, "tal", mode="fuzzy"))}
    assert short == {"tal"}  # not "hospitalet", not "taler"


def test_fuzzy_ranks_exact_then_lemma_then_by_score_and_marks_each_hit(
    corpus: Project,
) -> None:
    result = search(corpus, "palliation", mode="fuzzy", fuzzy_score=85)
    kinds = [(h.match, h.text.lower()) for h in result.hits]
    ranks = [("exact", "lemma", "compound", "fuzzy").index(k) for k, _ in kinds]
    assert ranks == sorted(ranks), kinds  # exact first, then inflections, then the rest
    assert [t for k, t in kinds if k == "exact"] == ["palliation"] * 3
    assert ("lemma", "palliationen") in kinds  # an inflection, not a typo
    assert ("compound", "palliationsindsatsen") in kinds
    typo = [h for h in result.hits if h.text == "Paliation"]
    assert len(typo) == 1 and typo[0].match == "fuzzy" and 85 <= typo[0].score < 100
    fuzzy_scores = [h.score for h in result.hits if h.match == "fuzzy"]
    assert fuzzy_scores == sorted(fuzzy_scores, reverse=True)
    assert all(h.score == 100 for h in result.hits if h.match in ("exact", "lemma"))
    # the limit keeps the best: capped results start with the exact hits
    capped = search(corpus, "palliation", mode="fuzzy", limit=2)
    assert [h.match for h in capped.hits] == ["exact", "exact"] and capped.total == result.total
    # JSON carries the mark; exact and lemma modes mark every hit with their own mode
    assert result.as_dict()["hits"][0]["match"] == "exact"
    assert {h.match for h in search(corpus, "palliation", mode="lemma").hits} == {"lemma"}


def test_fuzzy_cli_labels_each_hit_with_how_it_matched(cli, corpus: Project) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("search", "paliation", "--fuzzy", "85", "--limit", "0")
    assert code == 0, err
    lines = [line for line in out.splitlines() if "[" in line]
    assert lines[0].startswith("exact") and "[Paliation]" in lines[0]
    assert any(line.startswith("fuzzy") and "[palliation]" in line for line in lines)


def test_fuzzy_word_matches_rules() -> None:
    vocabulary = ["kommunen", "kommunikation", "palliationsindsats", "application", "tale"]
    assert "kommunikation" not in fuzzy_word_matches("kommune", vocabulary, 85)
    assert "kommunen" in fuzzy_word_matches("kommune", vocabulary, 85)
    assert "application" not in fuzzy_word_matches("paliation", vocabulary, 85)
    assert "palliationsindsats" in fuzzy_word_matches("paliation", vocabulary, 85)
    assert fuzzy_word_matches("tal", vocabulary, 85) == {"tal": 100.0}


def test_kwic_offsets_and_per_document_counts(corpus: Project) -> None:
    result = search(corpus, "palliation", mode="lemma", kind="document")
    assert [d.title for d in result.documents] == ["Referat"]
    assert result.documents[0].count == 2
    with corpus.session() as s:
        from qualcode.models import Document

        doc = s.exec(select(Document).where(Document.title == "Referat")).one()
    for hit in result.hits:
        assert doc.text[hit.start : hit.end] == hit.text
        assert hit.context == f"{hit.left}[{hit.text}]{hit.right}"
        assert hit.left and hit.left in doc.text.replace("\n", " ")
    interview = search(corpus, "palliationen", document="a")
    assert [h.speaker for h in interview.hits] == ["Ekspert"]
    everywhere = search(corpus, "palliation", mode="lemma")
    assert sorted(d.count for d in everywhere.documents) == [2, 2]


def test_document_filter_and_limit(corpus: Project) -> None:
    result = search(corpus, "symptom", mode="lemma", document="b", limit=2)
    assert result.total == 3 and len(result.hits) == 2 and result.truncated
    assert {h.document for h in result.hits} == {"b"}


def test_bad_queries_are_errors(corpus: Project) -> None:
    with pytest.raises(QualcodeError):
        search(corpus, " ... ")
    with pytest.raises(QualcodeError):
        search(corpus, "x", mode="fuzzy", fuzzy_score=0)
    with pytest.raises(QualcodeError):
        search(corpus, "x", kind="memo")


def test_code_hits_is_one_undoable_action(corpus: Project, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("search", "palliation", "--lemma", "--code-hits", "6", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["coded"] == {"code": "6", "coded": 4, "skipped": 0}
    with corpus.session() as s:
        codings = s.exec(select(Coding)).all()
    assert len(codings) == 4 and {c.origin for c in codings} == {"search"}
    # again: nothing doubled
    code, out, _ = cli("search", "palliation", "--lemma", "--code-hits", "6", "--json")
    assert json.loads(out)["coded"]["skipped"] == 4
    assert undo(corpus, "tester") is not None
    with corpus.session() as s:
        assert s.exec(select(Coding)).all() == []


def test_cli_json_shape(corpus: Project, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("search", "uspecifikke symptomer", "--lemma", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"query", "mode", "total", "shown", "hits", "documents", "variants"}
    assert data["mode"] == "lemma" and data["total"] == 2
    hit = data["hits"][0]
    assert set(hit) >= {"document_id", "document", "start", "end", "text", "context"}
    assert {d["title"] for d in data["documents"]} == {"a", "Referat"}
    code, out, _ = cli("search", "palliation", "--fuzzy", "85")
    assert code == 0 and "hits in 2 documents" in out
    code, _, err = cli("search", "x", "--lemma", "--fuzzy", "80")
    assert code == 1 and "not both" in err


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_search_screen_kwic_jump_and_code_all(demo_path: Path) -> None:
    from textual.widgets import DataTable, Input

    from qualcode.db import open_project
    from qualcode.tui.app import make_app
    from qualcode.tui.screens.search import SearchScreen

    project = open_project(demo_path)
    try:
        app = make_app(project, coder="tester")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("slash")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            screen.query_one(Input).value = "basal palliation"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.result is not None and screen.result.total >= 3
            assert screen.result.mode == "lemma"
            hits = screen.query_one("#search-hits", DataTable)
            assert hits.row_count == len(screen.result.hits)
            docs = screen.query_one("#search-docs", DataTable)
            assert docs.row_count == len(screen.result.documents)
            first = screen.result.hits[0]
            opened: list[tuple[int, int | None, int | None]] = []
            app.open_document = lambda d, s=None, e=None: opened.append((d, s, e))  # type: ignore[method-assign]
            hits.focus()
            await pilot.press("g")
            assert opened == [(first.document_id, first.start, first.end)]
            await pilot.press("a")
            await pilot.pause()
            await pilot.press("6", "enter")
            await pilot.pause()
            with project.session() as s:
                coded = s.exec(select(Coding).where(Coding.origin == "search")).all()
            assert len(coded) == screen.result.total
    finally:
        project.close()


@pytest.mark.parametrize(
    "query",
    ["palliation", "Basal Palliation", "uspecifikke  symptomer", "Ærø Øst Åbenrå", "ikke i dag"],
)
def test_plain_word_queries_split_as_the_tokenizer_splits_them(query: str) -> None:
    from qualcode.nlp.pipeline import query_words
    from qualcode.search import split_query

    assert split_query(query) == query_words(query, lemmas=False)


def test_the_danish_tokenizer_splits_no_plain_word() -> None:
    """``split_query`` splits plain-word queries at white space without spaCy; that holds
    only while no tokenizer exception splits a word of letters alone."""
    from qualcode.nlp.pipeline import tokenizer_pipeline

    nlp = tokenizer_pipeline("da")
    split = [word for word in nlp.tokenizer.rules if word.isalpha() and len(nlp(word)) != 1]
    assert split == []
