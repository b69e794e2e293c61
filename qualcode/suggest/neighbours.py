"""What the researcher's codings nearby say about an uncoded passage.

A report is written in sections, and the passages of a section share an area; an interview
stays on a topic for a while. So the nearest coded passage above an uncoded one and the
nearest below it (same document) vote for their areas, each vote fading with the distance
in characters between them (half a vote at ``NEIGHBOUR_CHARS``). The votes are added to
the areas' raw evidence at a share chosen per project on its own coded passages
(``choose_neighbour_share``; ``with_area_votes``): like the self-trained vote they rank
areas (and so attention points), name no word and carry no suggestion alone.

Measured with a share of each document's paragraphs coded at random (the passage curve of
``suggest --evaluate``, ``curve.passage_curve``): on area-sorted development sets no share
is chosen at a fifth coded; with four fifths coded the votes lift area top-1 on both
development sets and on the demo.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Sequence

from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import CodebookScorer, CodeScore, area_evidence

NEIGHBOUR_CHARS = 1500  # the gap at which a coded neighbour's vote has fallen to a half


def _areas_of(scorer: CodebookScorer, codes: set[str]) -> set[str]:
    areas = set()
    for key in codes:
        info = scorer.codes.get(key)
        if info is not None and info.area_key is not None:
            areas.add(info.area_key)
    return areas


class CodedNeighbours:
    """The coded spans of a project (or of some documents) with their areas, searchable by
    position: ``votes`` gives an uncoded span's votes from the nearest above and below."""

    def __init__(self, scorer: CodebookScorer, coded: Sequence[tuple[int, int, int, set[str]]]):
        spans: dict[int, list[tuple[int, int, frozenset[str]]]] = defaultdict(list)
        for d, start, end, codes in coded:
            areas = _areas_of(scorer, codes)
            if areas:
                spans[d].append((start, end, frozenset(areas)))
        self.spans = {d: sorted(rows) for d, rows in spans.items()}
        self.starts = {d: [r[0] for r in rows] for d, rows in self.spans.items()}
        self.ends = {d: sorted((r[1], r[0], r[2]) for r in rows) for d, rows in self.spans.items()}
        self.end_keys = {d: [r[0] for r in rows] for d, rows in self.ends.items()}

    @classmethod
    def of_passages(cls, scorer: CodebookScorer, passages: Sequence[Passage]) -> CodedNeighbours:
        return cls(scorer, [(p.document_id, p.start, p.end, p.codes) for p in passages])

    def votes(self, document_id: int, start: int, end: int) -> dict[str, float]:
        """Area votes for the span ``start``-``end``: from the coded span ending nearest
        before it and the one starting nearest after it, each ``1 / (1 + gap /
        NEIGHBOUR_CHARS)`` split over its areas. Spans overlapping it are not neighbours."""
        out: dict[str, float] = defaultdict(float)
        if document_id not in self.spans:
            return {}
        ends, keys = self.ends[document_id], self.end_keys[document_id]
        i = bisect.bisect_right(keys, start) - 1
        if i >= 0:
            gap = start - ends[i][0]
            for area in ends[i][2]:
                out[area] += 1.0 / (1.0 + gap / NEIGHBOUR_CHARS) / len(ends[i][2])
        rows, starts = self.spans[document_id], self.starts[document_id]
        j = bisect.bisect_left(starts, end)
        if j < len(rows):
            gap = rows[j][0] - end
            for area in rows[j][2]:
                out[area] += 1.0 / (1.0 + gap / NEIGHBOUR_CHARS) / len(rows[j][2])
        return dict(out)


def with_area_votes(
    evidence: Sequence[dict[str, CodeScore]],
    votes: Sequence[dict[str, float]],
    share: float,
) -> list[dict[str, CodeScore]]:
    """The evidence with ``share`` times each area's vote added to the area's raw score
    (new dicts; the words an area was found by stay as they were)."""
    out: list[dict[str, CodeScore]] = []
    for ev, vote in zip(evidence, votes, strict=True):
        voted = dict(ev)
        for area, v in vote.items():
            if v * share <= 0:
                continue
            old = ev.get(area)
            voted[area] = CodeScore(
                score=(old.score if old is not None else 0.0) + share * v,
                terms=dict(old.terms) if old is not None else {},
                model=old.model if old is not None else 0.0,
            )
        out.append(voted)
    return out


SHARE_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
MIN_NEIGHBOUR_PASSAGES = 50  # coded passages (with an area) the share is chosen over at least:
# with a fifth of the demo's passages coded (29), a share chosen on them cost 2.5 points


def choose_neighbour_share(
    scorer: CodebookScorer,
    passages: Sequence[Passage],
    evidence: Sequence[dict[str, CodeScore]],
    neighbours: CodedNeighbours | None = None,
) -> float:
    """How far this project's codings nearby should be trusted: the share (of
    ``SHARE_GRID``) at which the other coded passages' votes rank each coded passage's
    area first most often (leave-one-out: a passage is never its own neighbour), 0 unless
    the passages it wins over the codebook alone outnumber those it loses by more than
    one standard deviation of chance (``sqrt(wins + losses)``, McNemar's), and 0 with
    fewer than ``MIN_NEIGHBOUR_PASSAGES`` coded passages. A report whose
    sections each hold one area earns a large share; interviews that change topic every
    answer, none. ``neighbours``: the passages' ``CodedNeighbours`` if the caller has them
    built already."""
    gold = [_areas_of(scorer, p.codes) for p in passages]
    keep = [i for i, g in enumerate(gold) if g]
    if len(keep) < MIN_NEIGHBOUR_PASSAGES:
        return 0.0
    coded = neighbours or CodedNeighbours.of_passages(scorer, passages)
    votes = [coded.votes(p.document_id, p.start, p.end) for p in passages]
    hits: dict[float, list[bool]] = {}
    for share in SHARE_GRID:
        voted = with_area_votes([evidence[i] for i in keep], [votes[i] for i in keep], share)
        row = []
        for i, ev in zip(keep, voted, strict=True):
            areas = area_evidence(scorer, ev)
            best = max(areas.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
            row.append(best[1] > 0 and best[0] in gold[i])
        hits[share] = row
    best = max(SHARE_GRID, key=lambda s: (sum(hits[s]), -s))
    wins = sum(b and not a for a, b in zip(hits[0.0], hits[best], strict=True))
    losses = sum(a and not b for a, b in zip(hits[0.0], hits[best], strict=True))
    return best if wins - losses > math.sqrt(wins + losses) else 0.0
