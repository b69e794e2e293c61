"""The learning curves of ``suggest --evaluate``: how the coded share is drawn (whole
documents, or a share of each document's passages), and what each point reports (the mean
and spread of its draws; the coded neighbours' share where they vote)."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from qualcode.db import Project
from qualcode.suggest import evaluate
from qualcode.suggest.curve import CURVE_REPEATS, split_documents, split_passages, spread
from qualcode.suggest.neighbours import SHARE_GRID
from qualcode.suggest.passages import Passage


def _passages(sizes: list[int]) -> list[Passage]:
    return [
        Passage(d, 100 * i, 100 * i + 50, set(), []) for d, n in enumerate(sizes) for i in range(n)
    ]


@given(
    st.lists(st.integers(1, 12), min_size=2, max_size=12),
    st.sampled_from([0.1, 0.2, 0.5, 0.9]),
    st.integers(0, 1000),
)
def test_a_document_draw_codes_whole_documents_and_scores_only_the_others(
    sizes: list[int], share: float, seed: int
) -> None:
    passages = _passages(sizes)
    parts = split_documents(passages, share, random.Random(seed))
    if parts is None:  # the share would code every document
        assert max(1, math.ceil(share * len(sizes))) >= len(sizes)
        return
    train, test, k = parts
    assert sorted(train + test) == list(range(len(passages)))
    coded = {passages[i].document_id for i in train}
    assert len(coded) == k and 1 <= k < len(sizes)
    assert not coded & {passages[i].document_id for i in test}


@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=12),
    st.sampled_from([0.1, 0.2, 0.5]),
    st.integers(0, 1000),
)
def test_a_passage_draw_codes_part_of_every_document(
    sizes: list[int], share: float, seed: int
) -> None:
    passages = _passages(sizes)
    parts = split_passages(passages, share, random.Random(seed))
    if parts is None:  # every document so short that its one coded passage is all of it
        assert all(n == 1 for n in sizes)
        return
    train, test, documents = parts
    assert not set(train) & set(test)
    assert sorted(train + test) == list(range(len(passages)))
    assert documents == len(sizes)
    for d, n in enumerate(sizes):
        coded = sum(passages[i].document_id == d for i in train)
        assert coded == max(1, round(share * n))


@given(st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_the_spread_of_draws(values: list[float]) -> None:
    figures = spread(values)
    assert figures["min"] <= figures["mean"] <= figures["max"]
    assert 0 <= figures["sd"] <= (max(values) - min(values)) / 2 + 1e-3
    if len(set(values)) == 1:
        assert figures["sd"] == 0


def test_evaluate_reports_both_curves_with_their_spread(demo_project: Project) -> None:
    report = evaluate(demo_project, folds=2, iterations=2)
    for key, drawn in (("learning_curve", "documents"), ("passage_curve", "passages")):
        curve = report[key]
        assert [row["coded_share"] for row in curve] == [0.1, 0.2, 0.5]
        for row in curve:
            assert row["drawn"] == drawn
            assert 1 <= row["draws"] <= CURVE_REPEATS
            for method in ("codebook", "combined"):
                figures = row["spread"][method]
                assert figures["min"] <= row[method] <= figures["max"]
                assert figures["mean"] == row[method]
            if drawn == "passages":
                assert row["neighbour_share"] is not None
                assert min(SHARE_GRID) <= row["neighbour_share"] <= max(SHARE_GRID)
            else:
                assert "neighbour_share" not in row
    # whole documents coded: fewer passages coded at 10 % than at 50 %
    doc_curve = report["learning_curve"]
    assert doc_curve[0]["documents_coded"] < doc_curve[-1]["documents_coded"]
    assert doc_curve[0]["passages_coded"] < doc_curve[-1]["passages_coded"]
