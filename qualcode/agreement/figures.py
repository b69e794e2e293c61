"""The figures themselves: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure functions over ``data[coder][unit]``; checked against hand computations and the
``krippendorff`` package in the tests. ``figures_both`` gives them twice, named: over all
units, and over the units at least one coder marked (not inflated by uncoded text).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import TypedDict


class Figures(TypedDict):
    """One set of figures over ``items`` units (None where a figure is undefined)."""

    items: int
    percent_agreement: float | None
    cohen_kappa: float | None
    krippendorff_alpha: float | None


def percent_agreement(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Share of units on which every coder gave the same value (``data[coder][unit]``).

    Units where a coder has no value (None) are left out; None if no unit is left.
    """
    if not data:
        return None
    patterns = Counter(zip(*data, strict=True))
    complete = {c: n for c, n in patterns.items() if None not in c}
    units = sum(complete.values())
    if not units:
        return None
    return sum(n for c, n in complete.items() if c.count(c[0]) == len(c)) / units


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two coders; None when chance agreement is 1 (kappa undefined)."""
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    n = len(a)
    if n == 0:
        return None
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[v] * count_b[v] for v in set(count_a) | set(count_b)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data, ``data[coder][unit]``, None = missing.

    Built from the coincidence matrix: alpha = 1 - (n - 1) * D_o / D_e with
    D_o = sum of off-diagonal coincidences and D_e = sum over value pairs n_c * n_k.
    None when it is undefined (fewer than two pairable values, or only one value used).
    """
    if not data:
        return None
    # Units with the same values contribute the same pairs: count each pattern once.
    patterns: Counter[tuple[Hashable | None, ...]] = Counter(zip(*data, strict=True))
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for column, times in patterns.items():
        values = [v for v in column if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, j in combinations(range(m), 2):
            coincidences[(values[i], values[j])] += times / (m - 1)
            coincidences[(values[j], values[i])] += times / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagree = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * disagree / expected


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(data: Sequence[Sequence[int]]) -> Figures:
    """Percent agreement, kappa (two coders only) and alpha over the units of ``data``."""
    pct = percent_agreement(data) if data and len(data[0]) else None
    return Figures(
        items=len(data[0]) if data else 0,
        percent_agreement=_round(pct),
        cohen_kappa=_round(cohen_kappa(data[0], data[1])) if len(data) == 2 else None,
        krippendorff_alpha=_round(krippendorff_alpha_nominal(data)),
    )


def coded_only(data: Sequence[Sequence[int]]) -> list[list[int]]:
    """The same data with the units no coder marked left out."""
    if not data:
        return []
    keep = [i for i in range(len(data[0])) if any(row[i] for row in data)]
    return [[row[i] for i in keep] for row in data]


class BothFigures(TypedDict):
    """The figures twice: over every unit, and over the units someone coded."""

    all_units: Figures
    coded_units: Figures


def figures_both(data: Sequence[Sequence[int]]) -> BothFigures:
    return BothFigures(all_units=figures(data), coded_units=figures(coded_only(data)))
