"""The learning curves of ``suggest --evaluate``: top-1 on what is not yet coded when only a
share of the project is, each draw a project of its own (the model learns from the coded
share only, with uncoded sentences in proportion, and its weights are chosen by
cross-validation over that share alone, as ``train_model`` would choose them).

Two ways the coded share is drawn, because they answer different questions:

- ``documents`` (``learning_curve``): whole documents, as a researcher codes whole
  interviews first; the documents not coded have no coded neighbours, so what is scored
  there is the codebook, its self-training and the model.
- ``passages`` (``passage_curve``): a share of each document's passages at random (a report
  coded in part); there the coded neighbours vote too, at the share ``suggest`` would
  choose over the coded passages (``neighbours.choose_neighbour_share``), so the figure is
  the one a user sees.

Each point gives the mean of ``CURVE_REPEATS`` random draws and their spread (standard
deviation, lowest and highest draw): with a few documents coded, which ones they are moves
the figure by several points.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from qualcode.suggest.crossval import CodedData, area_keys, curve_weight
from qualcode.suggest.model import fit_classifier
from qualcode.suggest.neighbours import CodedNeighbours, choose_neighbour_share, with_area_votes
from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import CodeScore, SuggestError
from qualcode.suggest.weights import Item, area_top1, point_top1

CURVE_SHARES = (0.1, 0.2, 0.5)
CURVE_REPEATS = 5  # random draws of the coded share per point
Draw = dict[str, float]


def _draw(
    data: CodedData,
    train_idx: list[int],
    test_idx: list[int],
    iterations: int,
    seed: int,
    neighbours: bool = False,
) -> Draw | None:
    """Area and attention-point top-1 on ``test_idx`` for a project where only
    ``train_idx`` is coded: codebook, model alone and combined; with ``neighbours`` the
    codebook's evidence carries the coded neighbours' votes at the share chosen over
    ``train_idx`` (None when the model cannot be trained on so few codings)."""
    evidence: Sequence[dict[str, CodeScore]] = [data.evidence[i] for i in test_idx]
    out: Draw = {"passages": float(len(train_idx))}
    if neighbours:
        coded = [data.passages[i] for i in train_idx]
        near = CodedNeighbours.of_passages(data.scorer, coded)
        share = choose_neighbour_share(
            data.scorer, coded, [data.evidence[i] for i in train_idx], near
        )
        votes = [near.votes(*_span(data, i)) for i in test_idx]
        evidence = with_area_votes(evidence, votes, share)
        out["neighbour_share"] = share
    held_cb: list[Item] = [
        (data.passages[i], e, None) for i, e in zip(test_idx, evidence, strict=True)
    ]
    out["codebook"] = area_top1(data.scorer, held_cb, None)
    out["codebook_point"] = point_top1(data.scorer, held_cb, None, data.plain) or 0.0
    examples = [(data.words[i], data.labels[i]) for i in train_idx]
    examples += data.negatives[: len(train_idx) // 2]
    try:
        model = fit_classifier(examples, iterations, seed, areas=area_keys(data.scorer))
    except SuggestError:
        return None
    weights = curve_weight(data, train_idx, iterations, seed)
    probs = model.predict([data.words[i] for i in test_idx])
    held: list[Item] = [(p, e, pr) for (p, e, _), pr in zip(held_cb, probs, strict=True)]
    alone: list[Item] = [(p, {}, pr) for p, _, pr in held]
    out["model"] = area_top1(data.scorer, alone, 1.0)
    out["combined"] = area_top1(data.scorer, held, weights)
    out["model_point"] = point_top1(data.scorer, alone, 1.0) or 0.0
    out["combined_point"] = point_top1(data.scorer, held, weights, data.plain) or 0.0
    out["weight"] = weights.area
    out["point_weight"] = weights.attention_point
    return out


def _span(data: CodedData, i: int) -> tuple[int, int, int]:
    p = data.passages[i]
    return p.document_id, p.start, p.end


def spread(values: Sequence[float]) -> dict[str, float]:
    """Mean, standard deviation, lowest and highest of the draws' figures."""
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {
        "mean": round(mean, 3),
        "sd": round(sd, 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def _point(share: float, drawn: str, documents: int, draws: list[Draw]) -> dict[str, Any]:
    """One curve point from its draws (the figures None when no draw could be trained)."""

    def mean(key: str, digits: int = 3) -> Any:
        rows = [d[key] for d in draws if key in d]
        return round(sum(rows) / len(rows), digits) if rows else None

    point: dict[str, Any] = {
        "coded_share": share,
        "drawn": drawn,
        "documents_coded": documents,
        "passages_coded": round(mean("passages") or 0),
        "draws": len(draws),
        "codebook": mean("codebook"),
        "model": mean("model"),
        "combined": mean("combined"),
        "model_weight": mean("weight", 2),
        "spread": {k: spread([d[k] for d in draws]) for k in ("codebook", "combined") if draws},
        "attention_point": {
            "codebook": mean("codebook_point"),
            "model": mean("model_point"),
            "combined": mean("combined_point"),
            "model_weight": mean("point_weight", 2),
        },
    }
    if drawn == "passages":
        point["neighbour_share"] = mean("neighbour_share", 2)
    return point


Split = tuple[list[int], list[int], int]  # coded passages, the others, documents coded


def split_documents(passages: Sequence[Passage], share: float, rng: random.Random) -> Split | None:
    """Whole documents coded: ``share`` of them (at least one) drawn at random; None when
    that would leave no document uncoded."""
    doc_ids = sorted({p.document_id for p in passages})
    k = max(1, math.ceil(share * len(doc_ids)))
    if k >= len(doc_ids):
        return None
    rng.shuffle(doc_ids)
    coded = set(doc_ids[:k])
    train = [i for i, p in enumerate(passages) if p.document_id in coded]
    test = [i for i, p in enumerate(passages) if p.document_id not in coded]
    return train, test, k


def split_passages(passages: Sequence[Passage], share: float, rng: random.Random) -> Split | None:
    """``share`` of each document's passages coded (at least one per document), drawn at
    random; None when that leaves nothing uncoded."""
    by_doc: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(passages):
        by_doc[p.document_id].append(i)
    train: list[int] = []
    test: list[int] = []
    for _, idx in sorted(by_doc.items()):
        rng.shuffle(idx)
        k = max(1, round(share * len(idx)))
        train += idx[:k]
        test += idx[k:]
    return (sorted(train), sorted(test), len(by_doc)) if test else None


def _curve(
    data: CodedData,
    split: Callable[[Sequence[Passage], float, random.Random], Split | None],
    drawn: str,
    iterations: int,
    seed: int,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for share in CURVE_SHARES:
        draws: list[Draw] = []
        documents = 0
        for repeat in range(CURVE_REPEATS):
            parts = split(data.passages, share, random.Random(seed + 1 + repeat))
            if parts is None:
                break
            train_idx, test_idx, documents = parts
            found = _draw(data, train_idx, test_idx, iterations, seed, drawn == "passages")
            if found is not None:
                draws.append(found)
        if documents:
            out.append(_point(share, drawn, documents, draws))
    return out


def learning_curve(data: CodedData, iterations: int, seed: int) -> list[dict[str, Any]]:
    """Top-1 on the documents not coded when only a share of the documents is
    (``split_documents``)."""
    return _curve(data, split_documents, "documents", iterations, seed)


def passage_curve(data: CodedData, iterations: int, seed: int) -> list[dict[str, Any]]:
    """Top-1 on the passages not coded when only a share of each document's passages is
    (``split_passages``), the coded neighbours voting as in ``suggest``."""
    return _curve(data, split_passages, "passages", iterations, seed)
