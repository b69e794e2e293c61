"""Learning from the project's own uncoded text (self-training), before anyone has coded.

The codebook is sure of some passages' area (its calibrated area probability at least
``SELF_THRESHOLD``) and unsure of many others. The words the sure passages share beyond the
codebook's keywords ("hospice" beside "palliation", a region's name beside "ventetid") tell
about the unsure ones. So a classifier (the project's ``LinearModel``, on the passage's,
question's and context's lemmas only: no codebook votes, so it cannot merely echo them) is
trained on the sure passages with their top area as label, and its area probabilities are
added to every passage's area evidence at ``SELF_WEIGHT``. No researcher's coding is used:
it works on a project nobody has coded yet, and on each coded passage it is scored as part
of the codebook's figure.

``SELF_THRESHOLD`` and ``SELF_WEIGHT`` were chosen by cross-validation grouped by source
on the blind development set (``benchmarks/suggest_eval.py``) and checked on the demo; the
pool the classifier learns from is the passages being ranked (at most ``SELF_POOL``, drawn
at random), whatever the researcher has coded.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlmodel import Session

from qualcode.suggest.calibration import area_probabilities
from qualcode.suggest.evidence import documents_with_turns, passage_evidence
from qualcode.suggest.linear import LinearModel
from qualcode.suggest.model import fit_classifier
from qualcode.suggest.passages import Passage, doc_views, passage_at, uncoded_units
from qualcode.suggest.scorer import CodebookScorer, CodeScore, SuggestError, area_evidence

SELF_THRESHOLD = 0.5  # calibrated area probability a passage needs to teach its area
SELF_WEIGHT = 0.5  # the classifier's area probability, added to the area's raw evidence
SELF_POOL = 2000  # passages the classifier learns from at most
SELF_ITERATIONS = 6  # as good as 12 on both development sets, at half the time
MIN_TEACHER_DF = 2  # a word teaches when this many sure passages have it
MIN_TEACHERS = 8  # sure passages needed (in two areas or more) before anything is learnt


def _areas(scorer: CodebookScorer) -> list[str]:
    return sorted(k for k, c in scorer.codes.items() if c.kind == "area")


def pseudo_labels(
    scorer: CodebookScorer, evidence: Sequence[dict[str, CodeScore]]
) -> list[str | None]:
    """Per passage, the area the codebook is sure of (``SELF_THRESHOLD``), or None."""
    areas = _areas(scorer)
    out: list[str | None] = []
    for ev in evidence:
        probs = area_probabilities(area_evidence(scorer, ev), areas)
        best = max(probs.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
        out.append(best[0] if best[1] >= SELF_THRESHOLD else None)
    return out


def train_self_model(
    scorer: CodebookScorer,
    passages: Sequence[Passage],
    evidence: Sequence[dict[str, CodeScore]],
    stops: frozenset[str],
    seed: int = 0,
) -> LinearModel | None:
    """The classifier learnt from the passages the codebook is sure of (None when fewer
    than ``MIN_TEACHERS`` are, or all in one area: nothing to tell the areas apart by)."""
    order = list(range(len(passages)))
    if len(order) > SELF_POOL:
        random.Random(seed).shuffle(order)
        order = sorted(order[:SELF_POOL])
    labels = pseudo_labels(scorer, [evidence[i] for i in order])
    examples = [
        (passages[i].model_words(stops), {label})
        for i, label in zip(order, labels, strict=True)
        if label is not None
    ]
    if len(examples) < MIN_TEACHERS or len({next(iter(lab)) for _, lab in examples}) < 2:
        return None
    df = Counter(w for words, _ in examples for w in set(words))
    examples = [([w for w in words if df[w] >= MIN_TEACHER_DF], lab) for words, lab in examples]
    try:
        return fit_classifier(examples, SELF_ITERATIONS, seed, areas=frozenset(_areas(scorer)))
    except SuggestError:
        return None


def with_self_vote(
    scorer: CodebookScorer,
    model: LinearModel | None,
    passages: Sequence[Passage],
    evidence: Sequence[dict[str, CodeScore]],
    stops: frozenset[str],
) -> list[dict[str, CodeScore]]:
    """The passages' evidence with the self-trained classifier's area probabilities added
    to the areas' own evidence at ``SELF_WEIGHT`` (new dicts; the evidence given is left
    as it is). The words an area was found by stay as they were: the vote ranks, it names
    no word and carries no suggestion alone."""
    if model is None or not passages:
        return list(evidence)
    areas = _areas(scorer)
    probs = model.predict([p.model_words(stops) for p in passages])
    out: list[dict[str, CodeScore]] = []
    for ev, pr in zip(evidence, probs, strict=True):
        voted = dict(ev)
        for area in areas:
            vote = SELF_WEIGHT * pr.get(area, 0.0)
            if vote <= 0:
                continue
            old = ev.get(area)
            voted[area] = CodeScore(
                score=(old.score if old is not None else 0.0) + vote,
                terms=dict(old.terms) if old is not None else {},
                model=old.model if old is not None else 0.0,
            )
        out.append(voted)
    return out


def self_trained(
    scorer: CodebookScorer,
    passages: Sequence[Passage],
    evidence: Sequence[dict[str, CodeScore]],
    stops: frozenset[str],
    seed: int = 0,
) -> list[dict[str, CodeScore]]:
    """Self-training over ``passages`` in one step: learn from the sure ones, vote on all."""
    model = train_self_model(scorer, passages, evidence, stops, seed)
    return with_self_vote(scorer, model, passages, evidence, stops)


def project_self_model(
    session: Session,
    scorers: dict[str, CodebookScorer],
    stops: frozenset[str],
    visible: ColumnElement[bool] | None = None,
    seed: int = 0,
) -> LinearModel | None:
    """The self-trained classifier of a project: learnt from its uncoded sentences (those
    ``visible`` leaves uncoded; at most ``SELF_POOL``, drawn at random) that the codebook
    is sure of."""
    units = uncoded_units(session, None, visible)
    if len(units) > SELF_POOL:
        random.Random(seed).shuffle(units)
        units = units[:SELF_POOL]
    if not units:
        return None
    views = doc_views(session, sorted({d for d, _, _ in units}))
    turns = documents_with_turns(session)
    passages = [passage_at(views, d, st, en) for d, st, en in units]
    evidence = [passage_evidence(p, scorers, p.document_id in turns) for p in passages]
    return train_self_model(scorers["da"], passages, evidence, stops, seed)
