"""The n/p suggestion queue under blind coding lists what the viewer is offered: a blind
coder only the suggestions made for them, never those made for a colleague from the
colleague's codings; a lead (and everyone once review opens) the project's."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.importing import import_files
from qualcode.passages import open_suggestion_places
from qualcode.suggest import open_suggestions, suggest
from qualcode.visibility import open_review, set_blind, set_lead

# Invented sentences, each with codebook words for one area.
SAID = [
    "Henvisningen til scanning blev afvist, fordi symptomerne var for uspecifikke.",
    "Den basale palliation i kommunerne halter, og hjemmesygeplejen får ingen besked.",
    "Efter endt behandling står patienterne med senfølger og overlappende tilbud.",
]


@pytest.fixture
def two_coders(project: Project, tmp_path: Path) -> tuple[Project, list[int]]:
    load_codebook(project, demo_codebook())
    ids = []
    for n in range(2):  # two documents: the queue walks across them
        body = (
            f"Samtale {n + 1}\n\n" + "\n\n".join(f"I: Og så?\n\nEkspert: {s}" for s in SAID) + "\n"
        )
        path = tmp_path / f"samtale-{n}.txt"
        path.write_text(body, encoding="utf-8")
        (outcome,) = import_files(project, [path], kind="interview")
        assert outcome.document_id is not None
        ids.append(outcome.document_id)
        start = body.index(SAID[0])
        apply_code(project, outcome.document_id, "1", start, start + len(SAID[0]), "vera")
    set_blind(project, True)
    return project, ids


def _offered(project: Project, docs: list[int], viewer: str) -> set[int]:
    """Every suggestion the coding view shows ``viewer``, over all documents."""
    return {int(r["id"]) for d in docs for r in open_suggestions(project, d, viewer=viewer)}


def test_a_blind_coders_queue_holds_only_their_own_suggestions(
    two_coders: tuple[Project, list[int]],
) -> None:
    project, docs = two_coders
    for_vera = {int(str(r["id"])) for r in suggest(project, use_model=False, coder="vera")}
    for_theo = {int(str(r["id"])) for r in suggest(project, use_model=False, coder="theo")}
    assert for_vera and for_theo and not for_vera & for_theo

    vera = {p.id for p in open_suggestion_places(project, "vera")}
    theo = {p.id for p in open_suggestion_places(project, "theo")}
    assert vera == for_vera == _offered(project, docs, "vera")
    assert theo == for_theo == _offered(project, docs, "theo")
    # theo's queue does not take him to the sentence vera coded (his own suggestion
    # there exists: it says nothing of vera's codings), and never to hers
    assert not theo & for_vera
    assert {p.document_id for p in open_suggestion_places(project, "theo")} == set(docs)


def test_a_lead_and_an_open_review_see_the_projects_suggestions(
    two_coders: tuple[Project, list[int]],
) -> None:
    project, docs = two_coders
    set_lead(project, "lene")
    blind_made = {int(str(r["id"])) for r in suggest(project, use_model=False, coder="theo")}
    projects = {int(str(r["id"])) for r in suggest(project, use_model=False, coder="lene")}
    assert projects and not projects & blind_made
    lead = {p.id for p in open_suggestion_places(project, "lene")}
    assert lead == projects == _offered(project, docs, "lene")
    assert {p.id for p in open_suggestion_places(project, "theo")} == blind_made

    open_review(project, "lene")  # the blind phase is over: theo is offered the project's
    assert {p.id for p in open_suggestion_places(project, "theo")} == projects


def test_without_blind_coding_the_queue_is_the_projects(
    two_coders: tuple[Project, list[int]],
) -> None:
    project, _ = two_coders
    set_blind(project, False)
    made = {int(str(r["id"])) for r in suggest(project, use_model=False, coder="theo")}
    assert made
    assert {p.id for p in open_suggestion_places(project, "theo")} == made
    assert {p.id for p in open_suggestion_places(project)} == made
