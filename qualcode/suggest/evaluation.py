"""Honest figures: cross-validated on the project's own codings.

- Area and attention-point top-1/top-3 for the codebook alone, the trained model alone and
  the two combined, the model scored only on documents it was not trained on.
- The weight of the model in the combination, chosen by that cross-validation
  (``choose_model_weight``) — the same rule ``train_model`` uses to store the weight it
  suggests with.
- Precision and recall per code at area and attention-point level, so a researcher sees
  which codes the suggestions can be trusted on; suggestion precision credited at the level
  the suggestion was made (an attention point proposed for a passage coded with its area
  counts at area level), cross-cutting proposals counted apart.
- Learning curves (``curve``): top-1 on what is not coded when 10, 20 or 50 % of the
  documents are, and when that share of each document's passages is (coded neighbours
  voting), each the mean and spread of several random draws.

The coded passages, folds and the model's weights come from ``crossval``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import col

from qualcode.db import Project
from qualcode.models import TrainedModel
from qualcode.progress import Progress, no_progress
from qualcode.suggest import crossval
from qualcode.suggest.calibration import area_probabilities, fit_temperature, reliability
from qualcode.suggest.crossval import (
    BLOCK,
    MIN_WEIGHT_DOCUMENTS,
    MIN_WEIGHT_PASSAGES,
    CodedData,
    area_keys,
    choose_weights,
    document_folds,
    load_coded,
    out_of_fold,
    passage_folds,
)
from qualcode.suggest.curve import learning_curve, passage_curve
from qualcode.suggest.linear import describe
from qualcode.suggest.model import fit_classifier, model_kind, model_row
from qualcode.suggest.scorer import (
    CodebookScorer,
    SuggestError,
    Weight,
    area_evidence,
    rank_codes,
)
from qualcode.suggest.store import pick_codes
from qualcode.suggest.weights import (
    Item,
    choose_model_weights,
    gold_codes,
    own_words,
    rank_of,
)
from qualcode.visibility import visible_coder_filter

__all__ = ["BLOCK", "choose_weights", "evaluate", "passage_folds", "train_model"]
_Item = Item


def _best(scores: dict[str, float]) -> str | None:
    if not scores:
        return None
    key, value = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
    return key if value > 0 else None


@dataclass
class _Tally:
    n: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, rank: int | None) -> None:
        self.n += 1
        self.top1 += rank == 1
        self.top3 += rank is not None and rank <= 3

    def as_dict(self) -> dict[str, Any]:
        return {
            "passages": self.n,
            "top1": round(self.top1 / self.n, 3) if self.n else None,
            "top3": round(self.top3 / self.n, 3) if self.n else None,
        }


def _per_code(predicted: list[tuple[str | None, set[str]]]) -> dict[str, dict[str, Any]]:
    """Precision, recall and support of top-1 predictions, per code."""
    labels = sorted({k for _, gold in predicted for k in gold} | {p for p, _ in predicted if p})
    out: dict[str, dict[str, Any]] = {}
    for label in labels:
        tp = sum(1 for p, g in predicted if p == label and label in g)
        fp = sum(1 for p, g in predicted if p == label and label not in g)
        fn = sum(1 for p, g in predicted if p != label and label in g)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    return out


def _macro_f1(table: dict[str, dict[str, Any]]) -> float | None:
    scored = [v["f1"] for v in table.values() if v["support"]]
    return round(sum(scored) / len(scored), 3) if scored else None


def _score_method(
    name: str,
    scorer: CodebookScorer,
    items: list[_Item],
    model_weight: Weight = None,
    plain: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    area, point = _Tally(), _Tally()
    area_pred: list[tuple[str | None, set[str]]] = []
    point_pred: list[tuple[str | None, set[str]]] = []
    for passage, evidence, probs in items:
        own = own_words(scorer, passage, plain) if evidence else None
        ranked = rank_codes(scorer, evidence, probs, model_weight, own)
        gold_areas, gold_points = gold_codes(scorer, passage)
        if gold_areas:
            area.add(rank_of(ranked["area"], gold_areas))
            area_pred.append((_best(ranked["area"]), gold_areas))
        if gold_points:
            point.add(rank_of(ranked["attention_point"], gold_points))
            point_pred.append((_best(ranked["attention_point"]), gold_points))
    area_table, point_table = _per_code(area_pred), _per_code(point_pred)
    return {
        "method": name,
        "area": area.as_dict(),
        "attention_point": point.as_dict(),
        "macro_f1": _macro_f1(point_table),
        "area_macro_f1": _macro_f1(area_table),
        "per_code": point_table,
        "per_area": area_table,
        "suggestions": _suggestion_quality(scorer, items, model_weight, plain),
    }


def _suggestion_quality(
    scorer: CodebookScorer,
    items: list[_Item],
    model_weight: Weight = None,
    plain: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """What ``suggest`` would propose for the coded passages (as if uncoded).

    ``area_precision``: proposals (area or attention point) whose area is one the passage is
    coded with; ``point_precision``: attention-point proposals that name one of the
    passage's attention points (among passages coded at that level); cross-cutting
    proposals are counted apart (``cross_cutting_precision``). ``coverage``: the share of
    passages that get any proposal.
    """
    n = {"area": 0, "area_ok": 0, "point": 0, "point_ok": 0, "cross": 0, "cross_ok": 0}
    covered = 0
    for passage, evidence, probs in items:
        picks = pick_codes(
            scorer,
            passage,
            evidence,
            probs,
            use_codebook=bool(evidence),
            model_weight=model_weight,
            words_only=own_words(scorer, passage, plain),
        )
        covered += bool(picks)
        gold_areas, gold_points = gold_codes(scorer, passage)
        for key, _, _ in picks:
            info = scorer.codes[key]
            if info.area_key is None:
                n["cross"] += 1
                n["cross_ok"] += key in passage.codes
                continue
            n["area"] += 1
            n["area_ok"] += info.area_key in gold_areas
            if info.kind == "attention_point" and gold_points:
                n["point"] += 1
                n["point_ok"] += key in gold_points

    def share(ok: str, total: str) -> float | None:
        return round(n[ok] / n[total], 3) if n[total] else None

    return {
        "proposed": n["area"] + n["cross"],
        "precision": share("area_ok", "area"),
        "area_precision": share("area_ok", "area"),
        "point_precision": share("point_ok", "point"),
        "cross_cutting_proposed": n["cross"],
        "cross_cutting_precision": share("cross_ok", "cross"),
        "coverage": round(covered / len(items), 3) if items else None,
    }


def _calibration(data: CodedData, folds: int, seed: int) -> dict[str, Any]:
    """How well the codebook's area probabilities are calibrated: the softmax temperature
    is fitted on the other folds' documents (grouped cross-validation) and the reliability
    table and ECE are read on the held-out passages; ``temperature`` is fitted on all."""
    areas = sorted(k for k, c in data.scorer.codes.items() if c.kind == "area")
    samples: list[tuple[dict[str, float], set[str]]] = []
    docs: list[int] = []
    for passage, evidence in zip(data.passages, data.evidence, strict=True):
        gold, _ = gold_codes(data.scorer, passage)
        if gold:
            samples.append((area_evidence(data.scorer, evidence), gold))
            docs.append(passage.document_id)
    if not samples:
        return {}
    fold_of = document_folds(data.passages, max(2, folds), seed)
    pairs: list[tuple[float, bool]] = []
    for f in set(fold_of.values()):
        train = [x for x, d in zip(samples, docs, strict=True) if fold_of[d] != f]
        t = fit_temperature(train, areas) if train else None
        for (evidence, gold), d in zip(samples, docs, strict=True):
            if fold_of[d] == f:
                probs = area_probabilities(evidence, areas, t)
                top = max(probs.items(), key=lambda kv: (kv[1], kv[0]))
                pairs.append((top[1], top[0] in gold))
    table, ece = reliability(pairs)
    return {
        "temperature": fit_temperature(samples, areas),
        "ece": ece,
        "reliability": [
            {
                "from": row.low,
                "to": row.high,
                "passages": row.passages,
                "probability": row.confidence,
                "right": row.accuracy,
            }
            for row in table
        ],
    }


def evaluate(
    project: Project,
    folds: int = 4,
    iterations: int = 12,
    seed: int = 0,
    train: bool = True,
    progress: Progress = no_progress,
    curve: bool = True,
    coder: str | None = None,
) -> dict[str, Any]:
    """Cross-validated figures on the project's own codings.

    The codebook alone needs no training, so it is scored on every coded passage. The
    classifier (and the combination) is scored by document-grouped ``folds``: each fold's
    documents are held out, the model is trained on the rest. The combination uses the
    model weight this cross-validation chooses (``model_weight``; the figures per weight
    are in ``weight_curve``). With blind coding on for ``coder``, only the codings that
    coder may see are used.
    """
    data = load_coded(project, seed, train, coder)
    scorer = data.scorer
    cb_items: list[_Item] = [
        (p, e, None) for p, e in zip(data.passages, data.evidence, strict=True)
    ]
    result: dict[str, Any] = {
        "passages": len(data.passages),
        "codebook": _score_method("codebook", scorer, cb_items, plain=data.plain),
        "calibration": _calibration(data, folds, seed),
    }
    doc_ids = {p.document_id for p in data.passages}
    if not train or (len(doc_ids) < 2 and len(data.passages) < MIN_WEIGHT_PASSAGES):
        return result
    if len(doc_ids) >= MIN_WEIGHT_DOCUMENTS:
        folds = max(2, min(folds, len(doc_ids)))
    probs = out_of_fold(data, folds, iterations, seed, progress)
    held = [i for i, pr in enumerate(probs) if pr is not None]
    model_items: list[_Item] = [(data.passages[i], {}, probs[i]) for i in held]
    combined_items: list[_Item] = [(data.passages[i], data.evidence[i], probs[i]) for i in held]
    fold = passage_folds(data.passages, folds, seed)
    weights, curves = choose_model_weights(
        scorer, combined_items, data.plain, [fold[i] for i in held], crossval.PRIOR_WEIGHTS
    )
    if len(data.passages) < MIN_WEIGHT_PASSAGES:
        weights = crossval.PRIOR_WEIGHTS  # as ``train_model`` would store it
    result["model"] = _score_method("model", scorer, model_items, 1.0, data.plain)
    result["combined"] = _score_method(
        "codebook+model", scorer, combined_items, weights, data.plain
    )
    result["model_weight"] = weights.area
    result["weight_curve"] = curves["area"]
    result["point_model_weight"] = weights.attention_point
    result["point_weight_curve"] = curves["attention_point"]
    result["folds"] = folds
    result["iterations"] = iterations
    if curve:
        result["learning_curve"] = learning_curve(data, iterations, seed)
        result["passage_curve"] = passage_curve(data, iterations, seed)
    return result


def train_model(
    project: Project,
    iterations: int = 12,
    seed: int = 0,
    progress: Progress = no_progress,
    folds: int = 3,
    coder: str | None = None,
) -> dict[str, Any]:
    """Train the classifier on every coding of the project and store it (replacing the old),
    with the weight it gets beside the codebook: chosen by ``folds``-fold cross-validation
    over the project's own coded passages (``choose_weights``; 0 when there are too few).

    With blind coding on for ``coder``, the model learns from that coder's own (and the
    reviewed) codings only and is stored as theirs: the project's model and the other
    coders' stay as they are, and only this coder's suggestions use it.
    """
    blind_for = coder if visible_coder_filter(project, coder) is not None else None
    data = load_coded(project, seed, True, blind_for)
    if len(data.passages) < 4:
        raise SuggestError(
            f"only {len(data.passages)} coded passages; too few to train on",
            "Code more passages, or use the codebook suggestions alone.",
        )
    weights, curves = choose_weights(data, iterations, seed, folds)
    examples = list(zip(data.words, data.labels, strict=True)) + data.negatives
    model = fit_classifier(examples, iterations, seed, progress, area_keys(data.scorer))
    meta = {
        "labels": model.labels,
        "passages": len(data.passages),
        "negatives": len(data.negatives),
        "iterations": iterations,
        "architecture": describe()["architecture"],
        "model_weight": weights.area,
        "weight_curve": curves.get("area", {}),
        "point_model_weight": weights.attention_point,
        "point_weight_curve": curves.get("attention_point", {}),
        "coder": blind_for,
    }
    with project.transaction() as s:
        if blind_for is None:
            s.execute(delete(TrainedModel).where(col(TrainedModel.kind) == model_kind(None)))
        else:
            while (old := model_row(s, blind_for)) is not None:
                s.delete(old)
                s.flush()
        s.add(TrainedModel(kind=model_kind(blind_for), data=model.to_bytes(), meta=meta))
    return meta
