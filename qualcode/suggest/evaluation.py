"""Honest figures: cross-validated on the project's own codings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from qualcode.db import Project
from qualcode.nlp.pipeline import lemmatizer
from qualcode.nlp.store import annotate_missing
from qualcode.progress import Progress, no_progress
from qualcode.suggest.model import _fit, _labels_of, _negative_passages
from qualcode.suggest.passages import Passage, _codes, coded_passages
from qualcode.suggest.scorer import (
    CodebookScorer,
    CodeScore,
    SuggestError,
    build_scorers,
    rank_codes,
)
from qualcode.suggest.store import _pick

# ----------------------------------------------------------------------------------------
# Evaluation


def _rank_of(scores: dict[str, float], gold: set[str]) -> int | None:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    for i, (key, value) in enumerate(ranked):
        if value <= 0:
            return None
        if key in gold:
            return i + 1
    return None


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


def _score_method(
    name: str,
    scorer: CodebookScorer,
    items: list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]],
) -> dict[str, Any]:
    area, point = _Tally(), _Tally()
    predicted: list[tuple[str | None, set[str]]] = []
    for passage, evidence, probs in items:
        ranked = rank_codes(scorer, evidence, probs)
        gold_areas = {scorer.codes[k].area_key for k in passage.codes if k in scorer.codes} - {None}
        gold_points = {
            k
            for k in passage.codes
            if k in scorer.codes and scorer.codes[k].kind == "attention_point"
        }
        if gold_areas:
            area.add(_rank_of(ranked["area"], gold_areas))  # type: ignore[arg-type]
        if gold_points:
            point.add(_rank_of(ranked["attention_point"], gold_points))
            scores = ranked["attention_point"]
            best = max(scores.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
            predicted.append((best[0] if best[1] > 0 else None, gold_points))
    per_code: dict[str, dict[str, Any]] = {}
    labels = sorted({k for _, gold in predicted for k in gold} | {p for p, _ in predicted if p})
    f1s = []
    for label in labels:
        tp = sum(1 for p, g in predicted if p == label and label in g)
        fp = sum(1 for p, g in predicted if p == label and label not in g)
        fn = sum(1 for p, g in predicted if p != label and label in g)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_code[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    return {
        "method": name,
        "area": area.as_dict(),
        "attention_point": point.as_dict(),
        "macro_f1": round(sum(f1s) / len(f1s), 3) if f1s else None,
        "per_code": per_code,
        "suggestions": _suggestion_quality(scorer, items),
    }


def _suggestion_quality(
    scorer: CodebookScorer,
    items: list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]],
) -> dict[str, Any]:
    """What ``suggest`` would propose for the coded passages (as if uncoded): the share of
    proposals that name one of the passage's codes (or its area), and the share of passages
    that get any proposal at all."""
    proposed = correct = covered = 0
    for passage, evidence, probs in items:
        picks = _pick(scorer, passage, evidence, probs, use_codebook=bool(evidence))
        covered += bool(picks)
        gold_areas = {scorer.codes[k].area_key for k in passage.codes if k in scorer.codes}
        for key, _, _ in picks:
            proposed += 1
            correct += key in passage.codes or key in gold_areas
    return {
        "proposed": proposed,
        "precision": round(correct / proposed, 3) if proposed else None,
        "coverage": round(covered / len(items), 3) if items else None,
    }


def evaluate(
    project: Project,
    folds: int = 4,
    iterations: int = 12,
    seed: int = 0,
    train: bool = True,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Cross-validated figures on the project's own codings.

    The codebook alone needs no training, so it is scored on every coded passage. The
    classifier (and the combination) is scored by document-grouped ``folds``: each fold's
    documents are held out, the model is trained on the rest.
    """
    annotate_missing(project)
    with project.session() as s:
        codes = _codes(s)
        scorers = build_scorers(s, codes)
        passages = coded_passages(s)
        negatives = _negative_passages(s, len(passages) // 2, seed) if train else []
    if not passages:
        raise SuggestError("nothing is coded yet", "Code some passages, then evaluate.")
    scorer = scorers["da"]
    evidence = [p.evidence(scorers) for p in passages]
    result: dict[str, Any] = {
        "passages": len(passages),
        "codebook": _score_method(
            "codebook", scorer, [(p, e, None) for p, e in zip(passages, evidence, strict=True)]
        ),
    }
    doc_ids = sorted({p.document_id for p in passages})
    if train and len(doc_ids) >= 2:
        folds = max(2, min(folds, len(doc_ids)))
        rng = random.Random(seed)
        shuffled = doc_ids[:]
        rng.shuffle(shuffled)
        fold_of = {d: i % folds for i, d in enumerate(shuffled)}
        stops = lemmatizer("da").stop_words
        words = [p.model_words(stops, scorers) for p in passages]
        labels = [_labels_of(p, scorer) for p in passages]
        negative_examples = [(p.model_words(stops, scorers), set[str]()) for p in negatives]
        model_items: list[Any] = [None] * len(passages)
        combined_items: list[Any] = [None] * len(passages)
        for f in range(folds):
            progress(f, folds, f"fold {f + 1} of {folds}")
            train_idx = [i for i, p in enumerate(passages) if fold_of[p.document_id] != f]
            test_idx = [i for i, p in enumerate(passages) if fold_of[p.document_id] == f]
            if not test_idx:
                continue
            examples = [(words[i], labels[i]) for i in train_idx] + negative_examples
            model = _fit(examples, iterations, seed)
            probs = model.predict([words[i] for i in test_idx])
            for i, pr in zip(test_idx, probs, strict=True):
                model_items[i] = (passages[i], {}, pr)
                combined_items[i] = (passages[i], evidence[i], pr)
        progress(folds, folds, "")
        result["model"] = _score_method("model", scorer, [x for x in model_items if x])
        result["combined"] = _score_method(
            "codebook+model", scorer, [x for x in combined_items if x]
        )
        result["folds"] = folds
        result["iterations"] = iterations
    return result
