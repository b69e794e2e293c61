"""Self-training: what the codebook is sure of teaches a classifier the project's own words,
which then ranks the passages the codebook alone cannot place. Invented names ("Fjordhuset",
"Kvistlab") stand for the words a real project has and no codebook lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.importing import import_files
from qualcode.nlp.pipeline import annotate_text, lemmatizer
from qualcode.suggest import evaluate, selftrain, suggest
from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import CodebookScorer, CodeScore, area_evidence, rank_codes
from qualcode.suggest.selftrain import (
    MIN_TEACHERS,
    pseudo_labels,
    self_trained,
    train_self_model,
    with_self_vote,
)

PALLIATION = [
    "Fjordhuset giver lindring og palliation til døende patienter i de sidste uger.",
    "På Fjordhuset arbejder de med palliativ pleje og lindring af smerter hos døende.",
    "Fjordhuset har et palliativt team, der tager sig af den basale palliation.",
    "De døende får lindring på Fjordhuset, og de pårørende får støtte i sorgen.",
    "Palliation i hjemmet og på Fjordhuset kræver lindrende behandling om natten.",
    "Fjordhuset er et hospice, hvor palliativ indsats og lindring går hånd i hånd.",
]
MEDICINE = [
    "Kvistlab analyserer biomarkører og mutationer i tumorvævet før behandlingen.",
    "Hos Kvistlab bliver genomsekventering brugt til at finde den målrettede behandling.",
    "Kvistlab leverer molekylær profilering af kræftceller til præcisionsmedicin.",
    "Med Kvistlab kan biomarkører og genetiske varianter styre persontilpasset medicin.",
    "Kvistlab finder mutationen, så immunterapi og målrettet behandling kan vælges.",
    "Kvistlab har sekventeret tumorprofilen, og den personlige medicin blev skræddersyet.",
]
# one weak codebook word ("smerte"): the codebook is unsure, the project's words are not
WEAK = "Fjordhuset holder øje med smerter og symptomer hos den døende om natten."
UNPLACED = {
    "6": "Fjordhuset ringer til familien, og Fjordhuset kommer ud om aftenen.",
    "3": "Kvistlab sendte svaret videre, og Kvistlab holdt møde om det i går.",
}


def passage_at(text: str) -> Passage:
    tokens = [(r[3], r[4]) for r in annotate_text(text, "da").tokens]
    return Passage(1, 0, len(text), set(), tokens)


def _evidence(scorer: CodebookScorer, passages: list[Passage]) -> list[dict[str, CodeScore]]:
    return [scorer.score(p.tokens) for p in passages]


def _top_area(scorer: CodebookScorer, evidence: dict[str, CodeScore]) -> str | None:
    areas = rank_codes(scorer, evidence)["area"]
    key, value = max(areas.items(), key=lambda kv: (kv[1], kv[0]))
    return key if value > 0 else None


def test_the_codebooks_sure_passages_teach_the_projects_own_words(
    scorer: CodebookScorer,
) -> None:
    texts = PALLIATION + MEDICINE + list(UNPLACED.values())
    passages = [passage_at(t) for t in texts]
    evidence = _evidence(scorer, passages)
    labels = pseudo_labels(scorer, evidence)
    assert labels[: len(PALLIATION)] == ["6"] * len(PALLIATION)
    assert labels[len(PALLIATION) : len(PALLIATION) + len(MEDICINE)] == ["3"] * len(MEDICINE)
    assert labels[-2:] == [None, None]  # no codebook word: nothing to teach
    before = [_top_area(scorer, e) for e in evidence[-2:]]
    voted = self_trained(scorer, passages, evidence, lemmatizer("da").stop_words)
    after = [_top_area(scorer, e) for e in voted[-2:]]
    assert before != list(UNPLACED)  # the codebook alone cannot place them
    assert after == list(UNPLACED)
    # the sure passages keep their area
    assert {_top_area(scorer, e) for e in voted[: len(PALLIATION)]} == {"6"}
    assert {_top_area(scorer, e) for e in voted[len(PALLIATION) : -2]} == {"3"}


def test_the_vote_names_no_word_and_leaves_the_evidence_given_alone(
    scorer: CodebookScorer,
) -> None:
    passages = [passage_at(t) for t in PALLIATION + MEDICINE + [UNPLACED["6"]]]
    evidence = _evidence(scorer, passages)
    copies = [{k: (v.score, dict(v.terms)) for k, v in e.items()} for e in evidence]
    stops = lemmatizer("da").stop_words
    model = train_self_model(scorer, passages, evidence, stops)
    voted = with_self_vote(scorer, model, passages, evidence, stops)
    assert [{k: (v.score, dict(v.terms)) for k, v in e.items()} for e in evidence] == copies
    assert voted[-1]["6"].terms == {}  # ranked by the vote; no codebook word to name
    assert area_evidence(scorer, voted[-1])["6"] > area_evidence(scorer, evidence[-1]).get("6", 0)


@pytest.mark.parametrize(
    "texts",
    [
        PALLIATION[: MIN_TEACHERS // 2] + MEDICINE[: MIN_TEACHERS // 2 - 1],  # too few
        PALLIATION + PALLIATION[:3],  # all one area: nothing to tell areas apart by
        list(UNPLACED.values()) * 5,  # the codebook is sure of nothing
    ],
)
def test_nothing_is_learnt_from_too_little(scorer: CodebookScorer, texts: list[str]) -> None:
    passages = [passage_at(t) for t in texts]
    evidence = _evidence(scorer, passages)
    stops = lemmatizer("da").stop_words
    assert train_self_model(scorer, passages, evidence, stops) is None
    voted = self_trained(scorer, passages, evidence, stops)
    assert [{k: v.score for k, v in e.items()} for e in voted] == [
        {k: v.score for k, v in e.items()} for e in evidence
    ]


def _import(project: Project, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """A report of the sure paragraphs, and a note of its own for each unplaced one (so
    the text around it tells nothing): document name -> (text, area) per paragraph."""
    load_codebook(project, demo_codebook())
    files = {"statusrapport": [(t, "6") for t in PALLIATION] + [(t, "3") for t in MEDICINE]}
    files |= {f"notat-{area}": [(text, area)] for area, text in UNPLACED.items()}
    files["notat-smerter"] = [(WEAK, "6")]
    out: dict[str, tuple[str, str]] = {}
    for name, paragraphs in files.items():
        path = tmp_path / f"{name}.txt"
        path.write_text("\n\n".join(t for t, _ in paragraphs) + "\n", encoding="utf-8")
        import_files(project, [path], kind="document", language="da")
        out |= {text: (name, area) for text, area in paragraphs}
    return out


def test_evaluate_scores_the_codebook_with_what_it_learnt_from_the_text(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The passages no codebook word places are ranked right once the codebook learnt the
    project's own words; no coding is used to learn them (the codes below are the gold)."""
    paragraphs = _import(project, tmp_path)
    for text, (name, area) in paragraphs.items():
        start = (tmp_path / f"{name}.txt").read_text(encoding="utf-8").index(text)
        apply_code(project, name, area, start, start + len(text), "gold")
    learnt = evaluate(project, train=False)["codebook"]["area"]
    monkeypatch.setattr(selftrain, "SELF_WEIGHT", 0.0)
    alone = evaluate(project, train=False)["codebook"]["area"]
    assert learnt["passages"] == alone["passages"] == len(paragraphs)
    assert learnt["top1"] == 1.0
    assert alone["top1"] is not None and alone["top1"] < 1.0


def test_suggest_is_surer_where_the_projects_words_agree(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an uncoded project the vote raises the calibrated score of suggestions whose
    area the project's own words agree with, and adds no word to their reason."""
    _import(project, tmp_path)
    learnt = {(r["start"], r["code"]): r for r in suggest(project)}
    monkeypatch.setattr(selftrain, "SELF_WEIGHT", 0.0)
    alone = {(r["start"], r["code"]): r for r in suggest(project)}
    assert {key[1].split(".")[0] for key in learnt if key[1][0].isdigit()} == {"3", "6"}
    shared = [k for k in learnt if k in alone and k[1][0].isdigit()]
    assert len(shared) >= len(PALLIATION)
    assert all(learnt[k]["score"] >= alone[k]["score"] for k in shared)
    assert any(learnt[k]["score"] > alone[k]["score"] for k in shared)
    for k in shared:
        assert learnt[k]["reason"] == alone[k]["reason"]
        assert "fjordhus" not in learnt[k]["reason"].lower()
