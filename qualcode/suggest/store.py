"""Making, storing, accepting and rejecting suggestions."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from qualcode.coding import add_coding_in, get_or_create_coder
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.errors import NotFoundError
from qualcode.history import record_action
from qualcode.models import (
    Code,
    Coder,
    Document,
    Suggestion,
    utcnow,
)
from qualcode.nlp.pipeline import annotate_text, lemmatizer
from qualcode.nlp.store import annotate_missing
from qualcode.progress import Progress, no_progress
from qualcode.suggest.calibration import area_probabilities
from qualcode.suggest.evidence import documents_with_turns, own_evidence, passage_evidence
from qualcode.suggest.model import load_model, model_input
from qualcode.suggest.neighbours import (
    MIN_NEIGHBOUR_PASSAGES,
    CodedNeighbours,
    choose_neighbour_share,
    with_area_votes,
)
from qualcode.suggest.passages import (
    Passage,
    codebook_codes,
    coded_passages,
    doc_views,
    passage_at,
    uncoded_units,
)
from qualcode.suggest.scorer import (
    CONTEXT_SHARE,
    DOC_BATCH,
    MAX_PER_UNIT,
    MIN_OWN_EVIDENCE,
    MIN_SCORE,
    SCORE_SCALE,
    CodebookScorer,
    CodeScore,
    SuggestError,
    Weight,
    area_evidence,
    build_scorers,
    level_weight,
    rank_codes,
)
from qualcode.suggest.selftrain import project_self_model, with_self_vote
from qualcode.visibility import (
    OWNER_MARK,
    coding_condition,
    read_settings,
    suggestion_owner_condition,
)

MIN_PROBABILITY = 0.5  # calibrated probability of the area a proposal needs


def pick_codes(
    scorer: CodebookScorer,
    passage: Passage,
    evidence: dict[str, CodeScore],
    probs: dict[str, float] | None,
    use_codebook: bool = True,
    model_weight: Weight = None,
    words_only: dict[str, CodeScore] | None = None,
) -> list[tuple[str, float, str]]:
    """The codes worth proposing for one unit: (key, score 0..1, reason).

    The best area decides, then its best attention point (or the area itself); cross-cutting
    codes are proposed beside it. Context may rank codes but not carry a suggestion alone:
    the sentence itself must contain a codebook word for the code (or its area or
    attention points), or the trained model must vote for it.

    The score of an area or attention-point proposal is the calibrated probability that its
    area is right (``calibration``: the codebook's area evidence through a softmax, mixed
    with the model's area vote by the model's weight); a cross-cutting proposal's score is
    its evidence strength (1 - exp(-evidence)) or the model's vote.
    """
    ranked = rank_codes(scorer, evidence, probs, model_weight, words_only if use_codebook else None)
    area_keys = sorted(k for k, c in scorer.codes.items() if c.kind == "area")
    p_area = area_probabilities(area_evidence(scorer, evidence), area_keys)
    if probs:
        w = level_weight(model_weight, "area")
        votes = {a: probs.get(a, 0.0) for a in area_keys}
        total = sum(votes.values())
        if total > 0:
            p_area = {a: (1 - w) * p_area[a] + w * votes[a] / total for a in area_keys}
    core = scorer.score(passage.tokens, strong_only=True) if use_codebook else {}
    out: list[tuple[str, float, str]] = []
    areas = ranked["area"]
    if not areas:
        return out
    best_area = max(areas.items(), key=lambda kv: kv[1])[0]
    points = {
        k: v for k, v in ranked["attention_point"].items() if scorer.codes[k].area_key == best_area
    }
    candidates = [best_area]
    if points and max(points.values()) > 0:
        candidates = [max(points.items(), key=lambda kv: kv[1])[0]]
    candidates += list(ranked["cross_cutting"])
    for key in candidates:
        info = scorer.codes[key]
        family = {key}
        if info.area_key is not None:
            family |= {info.area_key} | {
                k for k, c in scorer.codes.items() if c.parent_key == info.area_key
            }
        own = sum(core[k].score for k in family if k in core)
        if own < MIN_OWN_EVIDENCE:
            own = 0.0
        model = (probs or {}).get(key, 0.0)
        ev = evidence.get(key) or evidence.get(best_area) or CodeScore()
        codebook_part = 0.0
        if own > 0:
            codebook_part = 1.0 - math.exp(-(own + CONTEXT_SHARE * ev.score) / SCORE_SCALE)
        score = max(codebook_part, model)
        if score < MIN_SCORE:
            continue
        if info.area_key is not None:
            score = p_area.get(info.area_key, 0.0)
            if score < MIN_PROBABILITY:
                continue
        # the reason names keywords and label words; description words only rank
        terms = {t: "context" for t in ev.terms if t in scorer.strong_terms}
        for k in family:
            if own > 0 and k in core:
                terms.update(core[k].terms)
        reason = CodeScore(ev.score, terms, model).reason() or "area evidence"
        out.append((key, round(score, 3), reason))
    out.sort(key=lambda t: -t[1])
    return out[:MAX_PER_UNIT]


_owner_condition = suggestion_owner_condition  # one rule: ``qualcode.visibility``


def _blind_owner(project: Project, coder: str | None, create: bool = False) -> int | None:
    """The coder id suggestions are made for when blind coding is on for ``coder`` (None
    when it is not: the project's suggestions, from everyone's codings)."""
    if coder is None or not read_settings(project).is_blind(coder):
        return None
    with project.transaction() if create else project.session() as s:
        row = (
            get_or_create_coder(s, coder)
            if create
            else s.exec(select(Coder).where(Coder.name == coder)).first()
        )
        return -1 if row is None or row.id is None else int(row.id)


def suggest(
    project: Project,
    document: str | int | None = None,
    *,
    use_model: bool = True,
    progress: Progress = no_progress,
    coder: str | None = None,
) -> list[dict[str, Any]]:
    """Make and store suggestions for uncoded sentences; returns them, best first per unit.

    Open suggestions of the documents concerned are replaced; accepted and rejected ones
    stay (a rejected suggestion is not proposed again for the same span and code).

    With blind coding on for ``coder``, the suggestions are that coder's own: sentences
    are left out only where a coding the coder may see (their own, reviewed ones) covers
    them, only a model trained on their own codings is used (``train_model(coder=...)``),
    and the suggestions are stored as theirs (``open_suggestions(viewer=...)``), so nothing
    in them comes from another coder's codings.
    """
    annotate_missing(project)
    owner = _blind_owner(project, coder, create=True)
    visible = coding_condition(coder) if owner is not None else None
    mark = f"{OWNER_MARK}{owner}" if owner is not None else ""
    with project.session() as s:
        codes = codebook_codes(s)
        scorers = build_scorers(s, codes)
        by_key = {c.key: c for c in codes}
        if document is not None:
            doc_id = resolve_document(s, document).id
            doc_ids = [doc_id] if doc_id is not None else []
        else:
            doc_ids = [int(i) for i in s.exec(select(Document.id)).all() if i is not None]
        titles = dict(s.exec(select(Document.id, Document.title)).all())
        model = load_model(s, coder if owner is not None else None) if use_model else None
        with_turns = documents_with_turns(s, doc_ids)
        weight = model.weight if model is not None else None
        decided = {
            (g.document_id, g.start, g.end, g.code_id)
            for g in s.exec(
                select(Suggestion).where(Suggestion.status != "open", _owner_condition(owner))
            )
        }
    stops = lemmatizer("da").stop_words
    rows: list[dict[str, Any]] = []
    total = len(doc_ids)
    progress(0, total, "learning from the text")
    with project.session() as s:
        self_model = project_self_model(s, scorers, stops, visible)
        coded = coded_passages(s, visible)
        coded_turns = documents_with_turns(s)
    neighbours = CodedNeighbours.of_passages(scorers["da"], coded)
    share = 0.0
    if len(coded) >= MIN_NEIGHBOUR_PASSAGES:  # fewer: the share is 0, no evidence needed
        coded_evidence = with_self_vote(
            scorers["da"],
            self_model,
            coded,
            [passage_evidence(p, scorers, p.document_id in coded_turns) for p in coded],
            stops,
        )
        share = choose_neighbour_share(scorers["da"], coded, coded_evidence, neighbours)
    for b in range(0, total, DOC_BATCH):  # a batch of documents at a time: bounded memory
        progress(b, total, "suggesting")
        batch = doc_ids[b : b + DOC_BATCH]
        with project.session() as s:
            units = uncoded_units(s, batch, visible)
            views = doc_views(s, sorted({d for d, _, _ in units}))
        passages = [passage_at(views, d, st, en) for d, st, en in units]
        turns = [p.document_id in with_turns for p in passages]
        evidence = [passage_evidence(p, scorers, t) for p, t in zip(passages, turns, strict=True)]
        probs: list[dict[str, float] | None] = [None] * len(units)
        if model is not None and passages:
            inputs = [
                model_input(p, stops, scorers, e) for p, e in zip(passages, evidence, strict=True)
            ]
            probs = list(model.predict(inputs))
        evidence = with_self_vote(scorers["da"], self_model, passages, evidence, stops)
        if share > 0:
            votes = [neighbours.votes(p.document_id, p.start, p.end) for p in passages]
            evidence = with_area_votes(evidence, votes, share)
        for n, passage in enumerate(passages):
            d, st, en = passage.document_id, passage.start, passage.end
            scorer = scorers.get(passage.language, scorers["da"])
            words_only = own_evidence(passage, scorers, turns[n])
            for key, score, reason in pick_codes(
                scorer, passage, evidence[n], probs[n], model_weight=weight, words_only=words_only
            ):
                code = by_key[key]
                if (d, st, en, code.id) in decided:
                    continue
                rows.append(
                    {
                        "document_id": d,
                        "document": titles.get(d, ""),
                        "start": st,
                        "end": en,
                        "code": key,
                        "code_id": code.id,
                        "score": score,
                        "reason": reason,
                        "method": ("codebook+model" if probs[n] is not None else "codebook") + mark,
                    }
                )
    progress(total, total, "")
    with project.transaction() as s:
        s.execute(
            delete(Suggestion).where(
                col(Suggestion.document_id).in_(doc_ids),
                col(Suggestion.status) == "open",
                _owner_condition(owner),
            )
        )
        stored = []
        for r in rows:
            row = Suggestion(
                document_id=r["document_id"],
                code_id=r["code_id"],
                start=r["start"],
                end=r["end"],
                score=r["score"],
                method=r["method"],
                reason=r["reason"],
            )
            s.add(row)
            stored.append((row, r))
        s.flush()
        for row, r in stored:
            r["id"] = row.id
            del r["code_id"]
    return rows


def suggest_for_text(project: Project, text: str, lang: str = "da") -> list[dict[str, Any]]:
    """Rank codes for a passage that is not in the project (nothing stored), best first.

    The codebook and the stored model only: no self-training (it learns from the
    project's uncoded sentences, a training pass of seconds, too slow for a passage typed
    in to be ranked at once) and no coded neighbours (the passage has no place in a
    document). So a sentence's ranking here may differ from ``suggest``'s for the same
    sentence in the project."""
    with project.session() as s:
        scorers = build_scorers(s, codebook_codes(s))
        model = load_model(s)
    toks = [(r[3], r[4]) for r in annotate_text(text, lang).tokens]
    passage = Passage(0, 0, len(text), set(), toks, language=lang)
    probs = None
    evidence = passage_evidence(passage, scorers, turns=False)
    if model is not None:
        stops = lemmatizer("da").stop_words
        probs = model.predict([model_input(passage, stops, scorers, evidence)])[0]
    weight = model.weight if model is not None else None
    own = own_evidence(passage, scorers, turns=False)
    ranked = rank_codes(scorers.get(lang, scorers["da"]), evidence, probs, weight, own)
    out = []
    for level, scores in ranked.items():
        for key, value in sorted(scores.items(), key=lambda kv: -kv[1]):
            if value <= 0:
                continue
            ev = evidence.get(key, CodeScore())
            ev.model = (probs or {}).get(key, 0.0)
            out.append(
                {"code": key, "level": level, "score": round(value, 3), "reason": ev.reason()}
            )
    return out


def open_suggestions(
    project: Project, document_id: int, viewer: str | None = None
) -> list[dict[str, Any]]:
    """Open suggestions of one document for the coding view, in text order: the project's,
    or — with blind coding on for ``viewer`` — only those made for that viewer."""
    owner = _blind_owner(project, viewer)
    with project.session() as s:
        keys = {c.id: c.key for c in s.exec(select(Code))}
        rows = s.exec(
            select(Suggestion)
            .where(
                Suggestion.document_id == document_id,
                Suggestion.status == "open",
                _owner_condition(owner),
            )
            .order_by(col(Suggestion.start), col(Suggestion.score).desc())
        ).all()
        return [
            {
                "id": r.id,
                "start": r.start,
                "end": r.end,
                "code_key": keys.get(r.code_id, "?"),
                "score": r.score,
                "reason": r.reason,
            }
            for r in rows
        ]


def _open_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    row = session.get(Suggestion, suggestion_id)
    if row is None:
        raise NotFoundError(f"no suggestion {suggestion_id}", "Run `qualcode suggest` again.")
    if row.status != "open":
        raise SuggestError(f"suggestion {suggestion_id} is already {row.status}")
    return row


def accept_suggestion(project: Project, suggestion_id: int, coder: str) -> dict[str, Any]:
    """Turn a suggestion into a coding (origin ``suggestion``) as one undoable action."""
    with project.transaction() as s:
        row = _open_suggestion(s, suggestion_id)
        doc = s.get(Document, row.document_id)
        code = s.get(Code, row.code_id)
        if doc is None or code is None:
            raise NotFoundError(f"suggestion {suggestion_id} points at a deleted document or code")
        who = get_or_create_coder(s, coder)
        coding = add_coding_in(s, doc, code, row.start, row.end, who, origin="suggestion")
        row.status = "accepted"
        record_action(
            s, coder, f"accept suggestion {code.key} at {row.start}-{row.end}", added=[coding]
        )
        return {"suggestion_id": suggestion_id, "coding_id": coding.id, "code": code.key}


def reject_suggestion(project: Project, suggestion_id: int, coder: str) -> dict[str, Any]:
    """Mark a suggestion rejected; it is not proposed again for that span."""
    with project.transaction() as s:
        row = _open_suggestion(s, suggestion_id)
        row.status = "rejected"
        row.reason = (row.reason + f" (rejected by {coder} {utcnow():%Y-%m-%d})").strip()
        return {"suggestion_id": suggestion_id, "status": "rejected"}
