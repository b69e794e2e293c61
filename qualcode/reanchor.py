"""Re-anchoring spans when a document's text changes: where did each coded passage go?

Pure functions over two strings. Each span is looked for in this order:
1. *mapped*: the old offsets carried through a line diff of the two texts, if the text
   there is still the same;
2. *exact*: the same text elsewhere — the occurrence nearest to where the diff puts it;
3. *fuzzy*: the most similar passage (rapidfuzz), if it is at least ``FUZZY_CUTOFF`` similar;
4. *unplaced*: none of these. The caller keeps the span (clamped into the new text) and
   reports it — a coding is never dropped.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass

from rapidfuzz import fuzz

FUZZY_CUTOFF = 80.0


@dataclass(frozen=True)
class Placement:
    """Where one span landed: its new offsets, how it was found, and how similar it is."""

    start: int
    end: int
    method: str  # same | mapped | exact | fuzzy | unplaced
    score: float


class OffsetMap:
    """Carries offsets of the old text into the new one through a line diff."""

    def __init__(self, old: str, new: str) -> None:
        old_lines = old.splitlines(keepends=True)
        new_lines = new.splitlines(keepends=True)
        old_starts = _starts(old_lines)
        new_starts = _starts(new_lines)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        # (old_from, old_to, new_from, new_to, equal) in characters, in old-text order.
        self.blocks: list[tuple[int, int, int, int, bool]] = [
            (old_starts[i1], old_starts[i2], new_starts[j1], new_starts[j2], tag == "equal")
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
        self._froms = [b[0] for b in self.blocks]
        self.new_length = len(new)

    def __call__(self, offset: int) -> int:
        i = max(bisect.bisect_right(self._froms, offset) - 1, 0)
        if not self.blocks:
            return min(offset, self.new_length)
        o1, o2, n1, n2, equal = self.blocks[i]
        if equal or o2 == o1:
            return min(n1 + (offset - o1), self.new_length) if equal else n1
        # Inside a changed block: proportionally through it.
        return min(n1 + round((offset - o1) * (n2 - n1) / (o2 - o1)), self.new_length)


def _starts(lines: list[str]) -> list[int]:
    out = [0]
    for line in lines:
        out.append(out[-1] + len(line))
    return out


def _nearest_exact(new: str, wanted: str, near: int) -> int | None:
    best: int | None = None
    pos = new.find(wanted)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = new.find(wanted, pos + 1)
    return best


def place(old: str, new: str, start: int, end: int, offsets: OffsetMap | None = None) -> Placement:
    """Where ``old[start:end]`` is in ``new`` (see the module's doc for the order)."""
    wanted = old[start:end]
    if old == new:
        return Placement(start, end, "same", 100.0)
    offsets = offsets or OffsetMap(old, new)
    mapped_start, mapped_end = offsets(start), offsets(end)
    if new[mapped_start:mapped_end] == wanted and wanted:
        return Placement(mapped_start, mapped_end, "mapped", 100.0)
    hit = _nearest_exact(new, wanted, mapped_start) if wanted else None
    if hit is not None:
        return Placement(hit, hit + len(wanted), "exact", 100.0)
    if wanted.strip():
        near = fuzz.partial_ratio_alignment(wanted, new, score_cutoff=FUZZY_CUTOFF)
        if near is not None and near.dest_end > near.dest_start:
            return Placement(near.dest_start, near.dest_end, "fuzzy", round(near.score, 1))
    clamped_start = min(mapped_start, max(len(new) - 1, 0))
    clamped_end = max(min(mapped_end, len(new)), clamped_start + 1)
    return Placement(clamped_start, min(clamped_end, len(new)), "unplaced", 0.0)
