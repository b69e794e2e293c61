"""The codebook as lemmatised terms: evidence per code for the words of a passage."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from qualcode.codebook import area_of
from qualcode.errors import QualcodeError
from qualcode.models import (
    Code,
    Token,
)
from qualcode.nlp.pipeline import annotate_text, lemmatizer

MODEL_KIND = "suggest_textcat"
KEYWORD_WEIGHT = 1.0
LABEL_WEIGHT = 0.5
DESCRIPTION_WEIGHT = 0.12
COMPOUND_FACTOR = 0.8
MIN_COMPOUND = 5  # shorter keywords match only whole words (no "gen" in "generelt")
PARENT_SHARE = 1.0  # how much an area's own evidence lifts its attention points
CHILD_SHARE = 0.0  # what an area gains from attention points beyond its best one
MODEL_WEIGHT = 0.5  # the classifier's probability against the normalised codebook score
MODEL_CODEBOOK_MIN = 0.3  # codebook evidence (share of the best) the model sees as a feature
MIN_SCORE = 0.5
MIN_OWN_EVIDENCE = 0.3  # keyword/label evidence the sentence itself must carry
SCORE_SCALE = 1.0  # codebook evidence 1.0 (one telling keyword) -> score 0.63
MAX_PER_UNIT = 3
DOC_BATCH = 25
_TOKEN = tuple[str, str]  # (lower, lemma)


class SuggestError(QualcodeError):
    """Suggestions cannot be made or evaluated (no codebook, nothing coded, ...)."""


# ----------------------------------------------------------------------------------------
# The codebook as lemmatised terms


@dataclass
class CodeInfo:
    """What the scorer needs of a code (plain data, detached from the session)."""

    id: int
    key: str
    kind: str
    label: str
    parent_key: str | None
    area_key: str | None  # the development area, None for cross-cutting codes


@dataclass
class CodeScore:
    """The evidence for one code in one passage."""

    score: float = 0.0
    terms: dict[str, str] = field(default_factory=dict)  # matched term -> how ("word"/"compound")
    model: float = 0.0

    def reason(self) -> str:
        parts = []
        own = sorted(t for t, how in self.terms.items() if how != "context")
        around = sorted(t for t, how in self.terms.items() if how == "context")
        if own:
            parts.append("words: " + ", ".join(own[:6]) + (" ..." if len(own) > 6 else ""))
        if around:
            parts.append("context: " + ", ".join(around[:4]) + (" ..." if len(around) > 4 else ""))
        if self.model >= 0.1:
            parts.append(f"model votes {self.model:.2f}")
        return "; ".join(parts)


def _content_words(text: str, lang: str) -> list[str]:
    lem = lemmatizer(lang)
    words = []
    for row in annotate_text(text, lang).tokens:
        lower = row[3]
        if row[5] or len(lower) < 3 or not any(ch.isalpha() for ch in lower):
            continue
        if lower in lem.stop_words:
            continue
        words.append(row[4])
    return words


class CodebookScorer:
    """Scores passages against the codebook's keywords, labels and descriptions.

    A term's weight is its source's weight (keyword > label > description), divided by the
    square root of the number of codes that share it, times how rare the word is in the
    corpus (``frequencies``: lemma -> count; common words such as "patient" tell little).
    Only keywords match inside compounds.
    """

    def __init__(
        self,
        codes: list[Code],
        lang: str = "da",
        frequencies: dict[str, int] | None = None,
        corpus_words: int = 0,
    ) -> None:
        self.lang = lang
        by_id = {c.id: c for c in codes}
        self.codes: dict[str, CodeInfo] = {}
        for c in codes:
            parent = by_id.get(c.parent_id) if c.parent_id is not None else None
            area = area_of(c, by_id)
            area_key = area.key if area.kind == "area" else None
            self.codes[c.key] = CodeInfo(
                id=c.id,  # type: ignore[arg-type]
                key=c.key,
                kind=c.kind,
                label=c.label_da if lang == "da" else (c.label_en or c.label_da),
                parent_key=parent.key if parent is not None else None,
                area_key=area_key,
            )
        weights: dict[str, dict[str, float]] = defaultdict(dict)  # term -> code -> weight
        keyword_terms: set[str] = set()
        strong: set[str] = set()
        lem = lemmatizer(lang)
        for c in codes:
            en = lang == "en"
            label = (c.label_en or c.label_da) if en else c.label_da
            desc = (c.description_en or c.description_da) if en else c.description_da
            keywords = [lem.key(k.strip().lower()) for k in c.keywords or [] if k.strip()]
            keyword_terms.update(keywords)
            sources: list[tuple[Iterable[str], float]] = [
                (keywords, KEYWORD_WEIGHT),
                (_content_words(label, lang), LABEL_WEIGHT),
                (_content_words(f"{desc} {'' if en else c.use_when}", lang), DESCRIPTION_WEIGHT),
            ]
            for terms, weight in sources:
                for term in terms:
                    if len(term) < 2:
                        continue
                    if weight >= LABEL_WEIGHT:
                        strong.add(term)
                    current = weights[term].get(c.key, 0.0)
                    weights[term][c.key] = max(current, weight)
        freq = frequencies or {}
        scale = math.log(max(corpus_words, 2))
        self.terms: dict[str, list[tuple[str, float]]] = {}
        for term, per_code in weights.items():
            spread = math.sqrt(len(per_code))
            rarity = 1.0
            if corpus_words > 0:
                rarity = max(0.05, math.log(corpus_words / (freq.get(term, 0) + 1)) / scale)
            entries = []
            for key, weight in per_code.items():
                power = 1.0 if weight >= KEYWORD_WEIGHT else 2.0
                entries.append((key, weight / spread * rarity**power))
            self.terms[term] = entries
        self.long_terms = {t for t in keyword_terms if len(t) >= MIN_COMPOUND}
        self.strong_terms = frozenset(strong)
        self._cache: dict[_TOKEN, list[tuple[str, float, str]]] = {}
        self._shared: dict[int, tuple[list[_TOKEN], dict[str, CodeScore]]] = {}

    def term_list(self) -> list[str]:
        return sorted(self.terms)

    def _matches(self, token: _TOKEN) -> list[tuple[str, float, str]]:
        """(term, factor, how) for one word."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        lower, lemma = token
        found: dict[str, tuple[float, str]] = {}
        for form in (lemma, lower):
            if form in self.terms:
                found[form] = (1.0, "word")
        for form in (lower, lemma):
            n = len(form)
            for size in range(MIN_COMPOUND, n):
                head, tail = form[:size], form[n - size :]
                if head in self.long_terms and head not in found:
                    found[head] = (COMPOUND_FACTOR, "compound")
                if tail in self.long_terms and tail not in found:
                    found[tail] = (COMPOUND_FACTOR, "compound")
        result = [(t, f, how) for t, (f, how) in found.items()]
        self._cache[token] = result
        return result

    def score_shared(self, tokens: list[_TOKEN]) -> dict[str, CodeScore]:
        """``score`` for a token list many passages share (an interviewer's question)."""
        if not tokens:
            return {}
        hit = self._shared.get(id(tokens))
        if hit is not None and hit[0] is tokens:
            return hit[1]
        if len(self._shared) > 10_000:
            self._shared.clear()
        result = self.score(tokens)
        self._shared[id(tokens)] = (tokens, result)
        return result

    def score(self, tokens: Iterable[_TOKEN], strong_only: bool = False) -> dict[str, CodeScore]:
        """Raw evidence per code key for the words of one passage.

        ``strong_only`` counts keywords and label words only, not description words.
        """
        cache = self._cache
        strong = self.strong_terms
        seen: dict[str, list[Any]] = {}  # term -> [count, best factor, how]
        for token in tokens:
            found = cache.get(token)
            if found is None:
                found = self._matches(token)
            for term, factor, how in found:
                if strong_only and term not in strong:
                    continue
                entry = seen.get(term)
                if entry is None:
                    seen[term] = [1, factor, how]
                else:
                    entry[0] += 1
                    entry[1] = max(entry[1], factor)
                    if how == "word":
                        entry[2] = "word"
        scores: dict[str, CodeScore] = {}
        for term, (count, factor, how) in seen.items():
            repeat = 1.0 + 0.25 * min(count - 1, 2)
            for key, weight in self.terms[term]:
                entry_score = scores.get(key)
                if entry_score is None:
                    entry_score = scores[key] = CodeScore()
                entry_score.score += weight * factor * repeat
                entry_score.terms[term] = how
        return scores


CONTEXT_SHARE = 0.5  # the rest of the speaker's turn (or the text around a passage)
QUESTION_SHARE = 0.8  # the interviewer's question before the passage
CONTEXT_CHARS = 500


def combine_evidence(parts: list[tuple[dict[str, CodeScore], float]]) -> dict[str, CodeScore]:
    """Evidence of a passage from weighted parts (the passage, its turn, the question)."""
    out: dict[str, CodeScore] = {}
    for evidence, share in parts:
        for key, ev in evidence.items():
            entry = out.setdefault(key, CodeScore())
            entry.score += share * ev.score
            for term, how in ev.terms.items():
                if share >= 1.0:
                    entry.terms[term] = how
                elif term not in entry.terms:
                    entry.terms[term] = "context"
    return out


def build_scorers(session: Session, codes: list[Code]) -> dict[str, CodebookScorer]:
    """One scorer per language, weighted by how common each term is in this corpus."""
    total = int(session.exec(select(func.count()).select_from(Token)).one())
    scorers = {}
    for lang in ("da", "en"):
        terms = CodebookScorer(codes, lang).term_list()
        freq: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            for lemma, n in session.exec(
                select(Token.lemma, func.count())
                .where(col(Token.lemma).in_(chunk))
                .group_by(Token.lemma)
            ).all():
                freq[lemma] = int(n)
        scorers[lang] = CodebookScorer(codes, lang, freq, total)
    return scorers


def rank_codes(
    scorer: CodebookScorer,
    evidence: dict[str, CodeScore],
    model_probs: dict[str, float] | None = None,
) -> dict[str, dict[str, float]]:
    """Combined scores at three levels: ``area``, ``attention_point`` and ``cross_cutting``.

    An area collects its own evidence plus its attention points'; an attention point gets a
    share of its area's own evidence. Codebook evidence is normalised to 0..1 per passage
    and the model's probability (if any) is added with ``MODEL_WEIGHT``.
    """
    own = {k: v.score for k, v in evidence.items()}
    top = max(own.values(), default=0.0)
    norm = {k: (v / top if top > 0 else 0.0) for k, v in own.items()}
    probs = model_probs or {}
    areas: dict[str, float] = defaultdict(float)
    children: dict[str, list[float]] = defaultdict(list)
    points: dict[str, float] = {}
    cross: dict[str, float] = {}
    for key, info in scorer.codes.items():
        base = norm.get(key, 0.0) + MODEL_WEIGHT * probs.get(key, 0.0)
        if info.kind == "area":
            areas[key] += base
        elif info.area_key is not None and info.parent_key is not None:
            children[info.area_key].append(
                norm.get(key, 0.0) + 0.5 * MODEL_WEIGHT * probs.get(key, 0.0)
            )
            points[key] = base + PARENT_SHARE * (
                norm.get(info.parent_key, 0.0) + MODEL_WEIGHT * probs.get(info.parent_key, 0.0)
            )
        else:
            cross[key] = base
    for area, values in children.items():
        best = max(values, default=0.0)
        areas[area] += best + CHILD_SHARE * (sum(values) - best)
    return {"area": dict(areas), "attention_point": points, "cross_cutting": cross}
