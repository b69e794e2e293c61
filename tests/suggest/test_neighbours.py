"""What the researcher's codings nearby say about an uncoded passage (``neighbours``), and
the rule that gives the trained model no weight until enough coded passages show it helps
in every held-out fold (``weights``, ``evaluation.choose_weights``)."""

from __future__ import annotations

import pytest

from qualcode.suggest.evaluation import BLOCK, passage_folds
from qualcode.suggest.neighbours import (
    CodedNeighbours,
    choose_neighbour_share,
    with_area_votes,
)
from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import CodebookScorer, CodeScore, area_evidence
from qualcode.suggest.weights import choose_model_weight

AREAS = ["1", "2", "3", "4", "5", "6"]


def test_the_nearest_coded_passages_vote_and_fade_with_distance(scorer: CodebookScorer) -> None:
    coded = CodedNeighbours(
        scorer,
        [
            (1, 0, 100, {"3.1"}),  # an attention point votes for its area
            (1, 110, 200, {"2"}),
            (1, 5000, 5100, {"4", "ulighed"}),  # a cross-cutting code votes for nothing
            (2, 300, 400, {"6"}),
        ],
    )
    votes = coded.votes(1, 210, 300)
    assert set(votes) == {"2", "4"}  # the nearest above only, and the nearest below
    assert votes["2"] > 0.9 > 0.3 > votes["4"] > 0.0
    overlapping = coded.votes(1, 150, 250)  # the span 110-200 overlaps: not a neighbour
    assert overlapping == {
        "3": pytest.approx(1 / (1 + 50 / 1500)),
        "4": pytest.approx(1 / (1 + 4750 / 1500)),
    }
    assert coded.votes(3, 0, 10) == {}
    assert coded.votes(2, 0, 100) == {"6": pytest.approx(1 / (1 + 200 / 1500))}


def test_votes_add_to_area_evidence_without_touching_the_given(scorer: CodebookScorer) -> None:
    evidence = [{"2": CodeScore(0.4, {"hjemme": "word"})}]
    voted = with_area_votes(evidence, [{"2": 1.0, "5": 0.5}], 0.5)
    assert voted[0]["2"].score == pytest.approx(0.9) and voted[0]["2"].terms == {"hjemme": "word"}
    assert voted[0]["5"].score == pytest.approx(0.25) and not voted[0]["5"].terms
    assert evidence[0]["2"].score == 0.4 and "5" not in evidence[0]
    assert with_area_votes(evidence, [{"5": 1.0}], 0.0)[0] == evidence[0]


def _report(
    sections: list[str], per_section: int, weak_every: int
) -> tuple[list[Passage], list[dict[str, CodeScore]]]:
    """Coded paragraphs of one report, ``per_section`` a section; the codebook finds the
    right area except in every ``weak_every``-th paragraph, where a wrong area edges it."""
    passages, evidence = [], []
    n = 0
    for area in sections:
        for _ in range(per_section):
            start = n * 300
            passages.append(Passage(1, start, start + 250, {area}, []))
            wrong = AREAS[(AREAS.index(area) + 1) % 6]
            if n % weak_every == 0:
                evidence.append({wrong: CodeScore(0.5), area: CodeScore(0.4)})
            else:
                evidence.append({area: CodeScore(1.0)})
            n += 1
    return passages, evidence


def test_a_report_in_sections_trusts_its_neighbours(scorer: CodebookScorer) -> None:
    """Sections of 20 paragraphs: the coded neighbours put the weak paragraphs right, and
    the share chosen on the coded paragraphs (leave-one-out) says so."""
    passages, evidence = _report(AREAS, 20, 3)
    share = choose_neighbour_share(scorer, passages, evidence)
    assert share > 0
    assert choose_neighbour_share(scorer, passages[:40], evidence[:40]) == 0.0  # too few
    coded = CodedNeighbours.of_passages(scorer, passages)
    votes = [coded.votes(p.document_id, p.start, p.end) for p in passages]
    voted = with_area_votes(evidence, votes, share)
    right = sum(
        max(area_evidence(scorer, ev).items(), key=lambda kv: kv[1])[0] in p.codes
        for p, ev in zip(passages, voted, strict=True)
    )
    assert right >= 0.9 * len(passages) > right - 30


def test_topics_that_change_every_paragraph_give_neighbours_no_say(
    scorer: CodebookScorer,
) -> None:
    """An interview whose every answer is another area: neighbours only mislead, the
    share is 0 (the codebook alone)."""
    passages, evidence = _report(AREAS * 20, 1, 3)
    assert choose_neighbour_share(scorer, passages, evidence) == 0.0
    assert choose_neighbour_share(scorer, [], []) == 0.0


def test_one_document_is_cross_validated_in_blocks_of_neighbours() -> None:
    passages = [Passage(1, i * 100, i * 100 + 90, {"1"}, []) for i in range(40)]
    folds = passage_folds(passages, 3, 0)
    assert set(folds) == {0, 1, 2}
    for b in range(0, 40, BLOCK):
        assert len(set(folds[b : b + BLOCK])) == 1  # a block is held out whole
    many = [Passage(d, 0, 90, {"1"}, []) for d in range(6)]
    by_doc = passage_folds(many, 3, 0)
    assert sorted(by_doc.count(f) for f in range(3)) == [2, 2, 2]


def _item(
    doc: int, gold: str, codebook: str, model: str
) -> tuple[Passage, dict[str, CodeScore], dict[str, float] | None]:
    other = AREAS[(AREAS.index(codebook) + 1) % 6]
    evidence = {codebook: CodeScore(1.0), other: CodeScore(0.6)}
    probs = {a: (0.7 if a == model else 0.06) for a in AREAS}
    return Passage(doc, 0, 10, {gold}, []), evidence, probs


def test_a_weight_that_hurts_one_held_out_fold_is_not_chosen(scorer: CodebookScorer) -> None:
    """The model wins 12 passages in fold 0 and loses 4 in fold 1: overall a clear gain,
    but the held-out documents of fold 1 were hurt, so the codebook stays alone."""
    items = [_item(0, "1", "1", "1") for _ in range(20)]
    items += [_item(0, "2", "3", "2") for _ in range(12)]
    items += [_item(1, "4", "4", "5") for _ in range(4)]
    items += [_item(1, "6", "6", "6") for _ in range(20)]
    folds = [p.document_id for p, _, _ in items]
    assert choose_model_weight(scorer, items)[0] > 0.0
    assert choose_model_weight(scorer, items, folds=folds)[0] == 0.0
