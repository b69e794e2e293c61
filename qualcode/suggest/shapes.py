"""The JSON shapes of `qualcode suggest` (docs/cli.md; ``tests/cli/test_json_shapes.py``
holds the documented keys, these and the real output to one another).

The suggest functions build plain dicts (``store.suggest``, ``evaluation.train_model``,
``evaluation.evaluate``, ``store.accept_suggestion``/``reject_suggestion``); these name
their keys, and ``suggestion_run`` assembles what `suggest --json` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast


class SuggestionRow(TypedDict):
    """One stored suggestion as `suggest --json` lists it."""

    id: int
    document_id: int
    document: str
    start: int
    end: int
    code: str
    score: float
    reason: str
    method: str


class TrainedDict(TypedDict):
    """What `suggest --train` trained (``evaluation.train_model``; stored with the model)."""

    labels: list[str]
    passages: int
    negatives: int
    iterations: int
    architecture: str
    model_weight: float | None
    weight_curve: dict[str, float]
    point_model_weight: float | None
    point_weight_curve: dict[str, float]
    coder: str | None


class SuggestRunDict(TypedDict):
    """`suggest --json`: the training (None without --train) and the open suggestions."""

    trained: TrainedDict | None
    suggestions: list[SuggestionRow]


class AcceptedSuggestion(TypedDict):
    """`suggest --accept ID --json`."""

    suggestion_id: int
    coding_id: int
    code: str


class RejectedSuggestion(TypedDict):
    """`suggest --reject ID --json`."""

    suggestion_id: int
    status: str


class RankFigures(TypedDict):
    """How often the right area (or attention point) ranked first, or among the best three."""

    passages: int
    top1: float | None
    top3: float | None


class CodeFigures(TypedDict):
    """Precision, recall and F1 of the top-ranked code per passage, for one code."""

    precision: float
    recall: float
    f1: float
    support: int


class SuggestionQuality(TypedDict):
    """What `suggest` would propose for the coded passages if they were uncoded."""

    proposed: int
    precision: float | None
    area_precision: float | None
    point_precision: float | None
    cross_cutting_proposed: int
    cross_cutting_precision: float | None
    coverage: float | None


class MethodFigures(TypedDict):
    """One method's figures (codebook, model, or the two combined)."""

    method: str
    area: RankFigures
    attention_point: RankFigures
    macro_f1: float | None
    area_macro_f1: float | None
    per_code: dict[str, CodeFigures]
    per_area: dict[str, CodeFigures]
    suggestions: SuggestionQuality


# "from" is a Python keyword: the functional form names it.
ReliabilityRow = TypedDict(
    "ReliabilityRow",
    {"from": float, "to": float, "passages": int, "probability": float, "right": float},
)


class CalibrationDict(TypedDict, total=False):
    """How well the codebook's area probabilities are calibrated (empty without passages
    that have an area)."""

    temperature: float
    ece: float
    reliability: list[ReliabilityRow]


class PointCurve(TypedDict):
    """Attention-point top-1 at one share coded, and the weight chosen for that level."""

    codebook: float | None
    model: float | None
    combined: float | None
    model_weight: float | None


class DrawSpread(TypedDict):
    """How a curve point's figure varies over its random draws of the coded share."""

    mean: float
    sd: float
    min: float
    max: float


class _CurveBase(TypedDict):
    coded_share: float
    documents_coded: int
    passages_coded: int
    draws: int
    codebook: float
    model: float | None
    combined: float | None
    model_weight: float | None
    attention_point: PointCurve


class CurvePoint(_CurveBase, total=False):
    """Area top-1 on what is not yet coded when a share is coded: whole documents
    (``learning_curve``, ``drawn`` "documents") or a share of each document's passages
    (``passage_curve``, ``drawn`` "passages", the coded neighbours voting at
    ``neighbour_share``); ``spread`` per method over the draws."""

    drawn: str
    spread: dict[str, DrawSpread]
    neighbour_share: float | None


class _EvaluationBase(TypedDict):
    passages: int
    codebook: MethodFigures
    calibration: CalibrationDict


class EvaluationDict(_EvaluationBase, total=False):
    """`suggest --evaluate --json`. The model's keys are there when it could be trained
    (coded passages in two documents or more)."""

    model: MethodFigures
    combined: MethodFigures
    model_weight: float
    weight_curve: dict[str, float]
    point_model_weight: float
    point_weight_curve: dict[str, float]
    folds: int
    iterations: int
    learning_curve: list[CurvePoint]
    passage_curve: list[CurvePoint]


def suggestion_run(trained: Mapping[str, Any] | None, rows: list[dict[str, Any]]) -> SuggestRunDict:
    """`suggest --json` from what ``train_model`` (or None) and ``suggest`` returned."""
    return SuggestRunDict(
        trained=cast(TrainedDict, dict(trained)) if trained is not None else None,
        suggestions=[
            SuggestionRow(
                id=r["id"],
                document_id=r["document_id"],
                document=r["document"],
                start=r["start"],
                end=r["end"],
                code=r["code"],
                score=r["score"],
                reason=r["reason"],
                method=r["method"],
            )
            for r in rows
        ],
    )
