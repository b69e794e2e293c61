"""Calibrated scores: area probabilities from a softmax with a fitted temperature, a
reliability table and the expected calibration error."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from qualcode.suggest.calibration import (
    TEMPERATURE_GRID,
    area_probabilities,
    fit_temperature,
    reliability,
)

AREAS = ["1", "2", "3"]


@given(st.dictionaries(st.sampled_from(AREAS), st.floats(0, 50), max_size=3), st.floats(0.05, 5))
def test_probabilities_sum_to_one_and_follow_the_evidence(
    evidence: dict[str, float], temperature: float
) -> None:
    probs = area_probabilities(evidence, AREAS, temperature)
    assert math.isclose(sum(probs.values()), 1.0)
    ranked = sorted(AREAS, key=lambda a: evidence.get(a, 0.0))
    assert all(probs[a] <= probs[b] + 1e-12 for a, b in zip(ranked, ranked[1:], strict=False))


def test_no_evidence_is_uniform() -> None:
    assert area_probabilities({}, AREAS, 0.3) == {a: 1 / 3 for a in AREAS}


def _synthetic(temperature: float, n: int, seed: int) -> list[tuple[dict[str, float], set[str]]]:
    """Passages whose gold area is drawn from the softmax at ``temperature``."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        evidence = {a: rng.uniform(0, 2) for a in AREAS}
        probs = area_probabilities(evidence, AREAS, temperature)
        gold = rng.choices(AREAS, weights=[probs[a] for a in AREAS])[0]
        out.append((evidence, {gold}))
    return out


def test_the_fitted_temperature_recovers_the_true_one() -> None:
    samples = _synthetic(0.5, 3000, seed=1)
    fitted = fit_temperature(samples, AREAS)
    assert fitted in TEMPERATURE_GRID
    assert 0.4 <= fitted <= 0.7


def test_reliability_of_a_calibrated_and_an_overconfident_scorer() -> None:
    samples = _synthetic(0.5, 3000, seed=2)

    def pairs(t: float) -> list[tuple[float, bool]]:
        out = []
        for evidence, gold in samples:
            probs = area_probabilities(evidence, AREAS, t)
            top = max(probs, key=lambda a: probs[a])
            out.append((probs[top], top in gold))
        return out

    table, ece = reliability(pairs(0.5))
    _, overconfident = reliability(pairs(0.05))
    assert ece is not None and overconfident is not None
    assert ece < 0.05 < overconfident
    assert sum(row.passages for row in table) == len(samples)
    assert reliability([]) == (reliability([])[0], None)
