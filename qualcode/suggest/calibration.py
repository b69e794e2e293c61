"""Calibrated scores: how likely the area the suggestions rank first is the right one.

The codebook's raw area evidence (``area_evidence``) becomes a probability by a softmax with
a temperature: ``p(area) = exp(e_area / T) / sum(exp(e / T))``. ``T`` is fitted by
maximum likelihood on coded passages — in ``suggest --evaluate`` by grouped
cross-validation (each fold's temperature fitted on the other folds' documents), so the
reliability table it prints is honest; ``CALIBRATION_TEMPERATURE`` is the value fitted
that way on the two development sets and is used until a project has codings of its own.
A reliability table bins passages by the probability given to their top area and compares
it with how often that area was right; ECE is the weighted mean gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CALIBRATION_TEMPERATURE = 0.3
TEMPERATURE_GRID = (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
RELIABILITY_BINS = (0.0, 0.3, 0.5, 0.7, 0.85, 1.0001)


def area_probabilities(
    evidence: dict[str, float], areas: Sequence[str], temperature: float | None = None
) -> dict[str, float]:
    """A probability per area from raw area evidence (uniform when there is none)."""
    if not areas:
        return {}
    t = temperature or CALIBRATION_TEMPERATURE
    scaled = [evidence.get(a, 0.0) / t for a in areas]
    top = max(scaled)
    weights = [math.exp(v - top) for v in scaled]
    total = sum(weights)
    return {a: w / total for a, w in zip(areas, weights, strict=True)}


def log_likelihood(
    samples: Sequence[tuple[dict[str, float], set[str]]], areas: Sequence[str], t: float
) -> float:
    """Mean log-probability of the gold area (the best gold one when there are several)."""
    total = 0.0
    for evidence, gold in samples:
        probs = area_probabilities(evidence, areas, t)
        total += math.log(max(sum(probs.get(g, 0.0) for g in gold), 1e-9))
    return total / len(samples) if samples else 0.0


def fit_temperature(
    samples: Sequence[tuple[dict[str, float], set[str]]], areas: Sequence[str]
) -> float:
    """The temperature of ``TEMPERATURE_GRID`` with the highest likelihood on ``samples``."""
    if not samples:
        return CALIBRATION_TEMPERATURE
    return max(TEMPERATURE_GRID, key=lambda t: log_likelihood(samples, areas, t))


@dataclass
class ReliabilityRow:
    low: float
    high: float
    passages: int
    confidence: float | None
    accuracy: float | None


def reliability(pairs: Sequence[tuple[float, bool]]) -> tuple[list[ReliabilityRow], float | None]:
    """Rows of (probability bin, passages, mean probability, share right) and the expected
    calibration error, for (probability of the top area, whether it was right) pairs."""
    rows: list[ReliabilityRow] = []
    gap = 0.0
    for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
        inside = [(p, ok) for p, ok in pairs if low <= p < high]
        if not inside:
            rows.append(ReliabilityRow(low, min(high, 1.0), 0, None, None))
            continue
        confidence = sum(p for p, _ in inside) / len(inside)
        accuracy = sum(ok for _, ok in inside) / len(inside)
        gap += len(inside) * abs(confidence - accuracy)
        rows.append(
            ReliabilityRow(
                low, min(high, 1.0), len(inside), round(confidence, 3), round(accuracy, 3)
            )
        )
    ece = round(gap / len(pairs), 3) if pairs else None
    return rows, ece
