"""The trained model's weight beside the codebook, chosen per project and per level
(areas, attention points) on held-out predictions of the project's own codings."""

from __future__ import annotations

import math
from collections.abc import Sequence

from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import (
    CodebookScorer,
    CodeScore,
    ModelWeights,
    Weight,
    rank_codes,
)

WEIGHT_GRID = tuple(round(0.1 * i, 1) for i in range(11))
Item = tuple[Passage, dict[str, CodeScore], dict[str, float] | None]


def rank_of(scores: dict[str, float], gold: set[str]) -> int | None:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    for i, (key, value) in enumerate(ranked):
        if value <= 0:
            return None
        if key in gold:
            return i + 1
    return None


def gold_codes(scorer: CodebookScorer, passage: Passage) -> tuple[set[str], set[str]]:
    """The passage's gold areas and gold attention points."""
    codes = [scorer.codes[k] for k in passage.codes if k in scorer.codes]
    areas = {c.area_key for c in codes if c.area_key is not None}
    points = {c.key for c in codes if c.kind == "attention_point"}
    return areas, points


def own_words(
    scorer: CodebookScorer, passage: Passage, plain: frozenset[int]
) -> dict[str, CodeScore] | None:
    """The passage's own evidence when it is in a document without turns (``evidence``)."""
    return scorer.score(passage.tokens) if passage.document_id in plain else None


def _hits(
    scorer: CodebookScorer,
    items: Sequence[Item],
    weight: Weight,
    level: str = "area",
    plain: frozenset[int] = frozenset(),
) -> list[bool]:
    """Whether the combination ranks a gold code of ``level`` first, per passage coded at
    that level (``plain``: the documents without turns, where attention points are ranked
    on a passage's own words, as ``suggest`` ranks them)."""
    out = []
    for passage, evidence, probs in items:
        gold_areas, gold_points = gold_codes(scorer, passage)
        gold = gold_areas if level == "area" else gold_points
        if gold:
            own = own_words(scorer, passage, plain) if evidence and level != "area" else None
            ranked = rank_codes(scorer, evidence, probs, weight, own)[level]
            out.append(rank_of(ranked, gold) == 1)
    return out


def area_top1(scorer: CodebookScorer, items: Sequence[Item], weight: Weight) -> float:
    hits = _hits(scorer, items, weight)
    return sum(hits) / len(hits) if hits else 0.0


def point_top1(
    scorer: CodebookScorer,
    items: Sequence[Item],
    weight: Weight,
    plain: frozenset[int] = frozenset(),
) -> float | None:
    hits = _hits(scorer, items, weight, "attention_point", plain)
    return round(sum(hits) / len(hits), 3) if hits else None


def _fold_safe(hits: list[bool], base: list[bool], folds: Sequence[int] | None) -> bool:
    """Whether ``hits`` ranks right at least as often as ``base`` in every fold."""
    if folds is None:
        return True
    for f in set(folds):
        gain = sum(int(h) - int(b) for h, b, g in zip(hits, base, folds, strict=True) if g == f)
        if gain < 0:
            return False
    return True


def choose_model_weight(
    scorer: CodebookScorer,
    items: Sequence[Item],
    level: str = "area",
    plain: frozenset[int] = frozenset(),
    folds: Sequence[int] | None = None,
    prior: float = 0.0,
) -> tuple[float, dict[str, float]]:
    """The model's weight at ``level`` (``area`` or ``attention_point``) in the combination
    that ranks a right code first most often on held-out (out-of-fold) predictions; ties go
    to the smaller weight. A weight other than ``prior`` (the weight a project starts with,
    ``crossval.PRIOR_WEIGHTS``) must earn its place: with ``folds`` (each item's fold, for
    the items coded at ``level``), only a weight that loses to the prior in no fold is a
    candidate; and if the passages the best weight wins over the prior outnumber those it
    loses by no more than one standard deviation of chance (``sqrt(wins + losses)``,
    McNemar's), the prior stays — with a few documents coded, the best of eleven weights is
    mostly luck, and one held-out document it hurts says the next may be hurt too."""
    prior = min(WEIGHT_GRID, key=lambda w: abs(w - prior))
    hits = {w: _hits(scorer, items, w, level, plain) for w in WEIGHT_GRID}
    curve = {w: (sum(h) / len(h) if h else 0.0) for w, h in hits.items()}
    safe = [w for w in WEIGHT_GRID if _fold_safe(hits[w], hits[prior], folds)]
    best = max(safe, key=lambda w: (sum(hits[w]), -w))
    wins = sum(b and not a for a, b in zip(hits[prior], hits[best], strict=True))
    losses = sum(a and not b for a, b in zip(hits[prior], hits[best], strict=True))
    if wins - losses <= math.sqrt(wins + losses):
        best = prior
    return best, {f"{w:.1f}": round(v, 3) for w, v in curve.items()}


def _level_folds(
    scorer: CodebookScorer, items: Sequence[Item], folds: Sequence[int] | None, level: str
) -> list[int] | None:
    """``folds`` kept for the items that have a gold code at ``level`` (as ``_hits``)."""
    if folds is None:
        return None
    out = []
    for (passage, _, _), f in zip(items, folds, strict=True):
        areas, points = gold_codes(scorer, passage)
        if areas if level == "area" else points:
            out.append(f)
    return out


def choose_model_weights(
    scorer: CodebookScorer,
    items: Sequence[Item],
    plain: frozenset[int] = frozenset(),
    folds: Sequence[int] | None = None,
    prior: ModelWeights = ModelWeights(0.0, 0.0),
) -> tuple[ModelWeights, dict[str, dict[str, float]]]:
    """The model's weights for areas and attention points, chosen apart
    (``choose_model_weight``; ``folds``: each item's cross-validation fold), and the top-1
    per weight at each level."""
    area, area_curve = choose_model_weight(
        scorer, items, "area", folds=_level_folds(scorer, items, folds, "area"), prior=prior.area
    )
    point_folds = _level_folds(scorer, items, folds, "attention_point")
    point, point_curve = choose_model_weight(
        scorer, items, "attention_point", plain, point_folds, prior.attention_point
    )
    return ModelWeights(area, point), {"area": area_curve, "attention_point": point_curve}
