"""Suggestions respect blind coding: a blind coder's suggestions, and the model trained for
them, use only the codings that coder may see (their own and the reviewed ones)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.importing import import_files
from qualcode.models import TrainedModel
from qualcode.suggest import SuggestError, evaluate, open_suggestions, suggest, train_model
from qualcode.visibility import set_blind

# Invented expert sentences, each with codebook words for one area.
SAID = [
    "Den basale palliation i kommunerne halter, og hjemmesygeplejen får ingen besked.",
    "Henvisningen til scanning blev afvist, fordi symptomerne var for uspecifikke.",
    "Vi sekventerer generne hos flere, men ingen kan fortolke mutationerne.",
    "Efter endt behandling står patienterne med senfølger og overlappende tilbud.",
]


@pytest.fixture
def blind_project(project: Project, tmp_path: Path) -> tuple[Project, str, list[int]]:
    load_codebook(project, demo_codebook())
    body = "\n\n".join(f"I: Hvad ser du?\n\nEkspert: {s}" for s in SAID) + "\n"
    path = tmp_path / "interview.txt"
    path.write_text(body, encoding="utf-8")
    (outcome,) = import_files(project, [path], kind="interview")
    starts = [body.index(s) for s in SAID]
    # Bo codes every sentence; Ada codes nothing yet.
    for start, sentence, code in zip(starts, SAID, ["6", "6.2", "3", "3.1"], strict=True):
        apply_code(project, "interview", code, start, start + len(sentence), "bo")
    set_blind(project, True)
    assert outcome.document_id is not None
    return project, body, starts


def test_a_blind_coder_is_not_told_what_others_coded(
    blind_project: tuple[Project, str, list[int]],
) -> None:
    project, _, starts = blind_project
    ada = suggest(project, use_model=False, coder="ada")

    def covered(rows: list[dict[str, object]], start: int) -> bool:
        return any(int(str(r["start"])) <= start < int(str(r["end"])) for r in rows)

    # Ada gets suggestions on the sentences Bo coded: she may not learn that he did
    assert all(covered(ada, start) for start in starts)
    bo = suggest(project, use_model=False, coder="bo")
    assert not any(covered(bo, start) for start in starts)  # Bo's own codings cover them
    # each sees their own suggestions only; the project's (not blind) are apart
    doc = ada[0]["document_id"]
    seen_by_ada = {r["id"] for r in open_suggestions(project, doc, viewer="ada")}
    seen_by_bo = {r["id"] for r in open_suggestions(project, doc, viewer="bo")}
    assert seen_by_ada == {r["id"] for r in ada}
    assert seen_by_bo == {r["id"] for r in bo}
    assert not seen_by_ada & seen_by_bo
    # making Bo's again leaves Ada's in place
    suggest(project, use_model=False, coder="bo")
    assert {r["id"] for r in open_suggestions(project, doc, viewer="ada")} == seen_by_ada


def test_the_model_for_a_blind_coder_learns_only_their_codings(
    blind_project: tuple[Project, str, list[int]],
) -> None:
    project, _, _ = blind_project
    with pytest.raises(SuggestError, match="only 0 coded passages|nothing is coded"):
        train_model(project, iterations=2, coder="ada")
    with pytest.raises(SuggestError, match="nothing is coded"):
        evaluate(project, train=False, coder="ada")
    assert evaluate(project, train=False, coder="bo")["passages"] == len(SAID)
    train_model(project, iterations=2, coder="bo")
    with project.session() as s:
        rows = s.exec(select(TrainedModel)).all()
    assert [r.meta.get("coder") for r in rows] == ["bo"]  # stored as Bo's, not the project's
    rows_ada = suggest(project, coder="ada")  # Bo's model is not Ada's
    assert all(r["method"].startswith("codebook@") for r in rows_ada)
