"""Training and loading the project's classifier (``linear.LinearModel``: TF-IDF over lemmas
and a regularised linear model), trained locally on the project's own codings."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from qualcode.models import (
    TrainedModel,
)
from qualcode.progress import Progress, no_progress
from qualcode.suggest.calibration import area_probabilities
from qualcode.suggest.linear import AREA_VOTE, VOTE_UNITS, LinearModel, fit_linear
from qualcode.suggest.passages import (
    Passage,
    doc_views,
    passage_at,
    uncoded_units,
)
from qualcode.suggest.scorer import (
    MODEL_KIND,
    CodebookScorer,
    CodeScore,
    ModelWeights,
    SuggestError,
    area_evidence,
)

# ----------------------------------------------------------------------------------------
# Training, loading the model


def labels_of(passage: Passage, scorer: CodebookScorer) -> set[str]:
    """A passage's codes plus the areas they belong to (the model learns both levels)."""
    labels = set(passage.codes)
    for key in passage.codes:
        info = scorer.codes.get(key)
        if info is not None and info.area_key is not None:
            labels.add(info.area_key)
    return labels


TextModel = LinearModel  # the name callers knew the classifier by


def fit_classifier(
    examples: list[tuple[list[str], set[str]]],
    iterations: int,
    seed: int,
    progress: Progress = no_progress,
    areas: set[str] | frozenset[str] = frozenset(),
) -> LinearModel:
    counts = Counter(lab for _, labs in examples for lab in labs)
    labels = sorted(lab for lab, n in counts.items() if n >= 2)
    if not labels:
        raise SuggestError(
            "too few codings to train on",
            "Code at least two passages with the same code first.",
        )
    del seed  # full-batch training from zero weights: nothing random
    # every area is a class, coded or not yet: the codebook's vote still ranks the others
    labels = sorted(set(labels) | set(areas))
    return fit_linear(examples, labels, sorted(areas), iterations, progress)


def model_input(
    passage: Passage,
    stops: frozenset[str],
    scorers: dict[str, CodebookScorer],
    evidence: dict[str, CodeScore] | None = None,
) -> list[str]:
    """The classifier's input for a passage: its words, the question's and the context's
    (``Passage.model_words``) and the codebook's calibrated area probabilities, in tenths
    (``cba_<area>``, from ``evidence`` when given), which the model weighs with one learnt
    weight."""
    words = passage.model_words(stops, scorers)
    scorer = scorers.get(passage.language, scorers["da"])
    areas = sorted(k for k, c in scorer.codes.items() if c.kind == "area")
    if evidence is None:
        evidence = passage.evidence(scorers)
    probs = area_probabilities(area_evidence(scorer, evidence), areas)
    for area, p in probs.items():
        words += [AREA_VOTE + area] * round(VOTE_UNITS[0] * p)
    return words


def negative_passages(
    session: Session, limit: int, seed: int, visible: ColumnElement[bool] | None = None
) -> list[Passage]:
    """Uncoded sentences of the experts: what the model should learn to leave alone."""
    units = uncoded_units(session, None, visible)
    rng = random.Random(seed)
    rng.shuffle(units)
    picked = units[:limit]
    views = doc_views(session, sorted({d for d, _, _ in picked}))
    return [passage_at(views, d, s, e) for d, s, e in picked]


def model_kind(coder: str | None) -> str:
    """The ``TrainedModel.kind`` of the project's model (``None``) or of the model a blind
    coder trained on their own codings (the coder's name is in its ``meta``)."""
    return MODEL_KIND if coder is None else MODEL_KIND + ".coder"


def model_row(session: Session, coder: str | None) -> TrainedModel | None:
    rows = session.exec(
        select(TrainedModel)
        .where(TrainedModel.kind == model_kind(coder))
        .order_by(col(TrainedModel.id).desc())
    ).all()
    return next((r for r in rows if coder is None or r.meta.get("coder") == coder), None)


def load_model(session: Session, coder: str | None = None) -> LinearModel | None:
    """The project's model, or (``coder``, for a blind coder) the one trained on that
    coder's own codings only — never the project's, which learnt from everyone's."""
    row = model_row(session, coder)
    if row is None:
        return None
    try:
        model = LinearModel.from_bytes(bytes(row.data))
    except ValueError:  # a model from an older qualcode (spaCy textcat): train again
        return None
    model.weight = stored_weights(row.meta)
    return model


def stored_weights(meta: dict[str, object]) -> ModelWeights | None:
    """The per-level weights stored with a model (``model_weight`` for areas,
    ``point_model_weight`` for attention points; a model stored before the two were chosen
    apart uses its one weight for both)."""
    area = meta.get("model_weight")
    if not isinstance(area, (int, float)):
        return None
    point = meta.get("point_model_weight")
    return ModelWeights(
        float(area), float(point) if isinstance(point, (int, float)) else float(area)
    )
