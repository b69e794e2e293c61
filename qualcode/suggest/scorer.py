"""The codebook as lemmatised terms: evidence per code for the words of a passage."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from qualcode.codebook import area_of
from qualcode.errors import QualcodeError
from qualcode.lexicon import known_compound, lemma_zipf, zipf
from qualcode.models import (
    Code,
)
from qualcode.nlp.pipeline import annotate_text, lemmatizer
from qualcode.nlp.store import lemma_frequencies, word_total

MODEL_KIND = "suggest_textcat"
KEYWORD_WEIGHT = 1.0
LABEL_WEIGHT = 0.5
DESCRIPTION_WEIGHT = 0.3  # description and use-when words
NOT_WHEN_WEIGHT = 0.12  # words of a not-when clause count for the code it points to
COMPOUND_FACTOR = 0.8
COMPOUND_CHECK = True  # the rest of a compound must be a word for a term inside it to count
MIN_COMPOUND = 5  # shorter keywords match only whole words (no "gen" in "generelt")
LEXICALISED_ZIPF = 3.0  # a compound this common in Danish is a word of its own (hjemmeside)
# General-Danish prior: a term as common as Zipf PRIOR_COMMON weighs PRIOR_FLOOR, one at or
# below PRIOR_RARE (or outside the list) weighs 1.
PRIOR_RARE = 3.0
PRIOR_COMMON = 5.5
PRIOR_FLOOR = 0.15
WEAK_MAX_ZIPF = 6.0  # description words this common in Danish ("få", "sige") are not evidence
WEAK_SPREAD = 0.5  # nor are description words shared by more than this share of the codes
PARENT_SHARE = 1.0  # how much an area's evidence lifts its attention points
CHILD_SHARE = 0.3  # how much attention points beyond the best one count for their area
# An area with more codebook words catches more chance hits: its evidence is divided by its
# vocabulary's weight (relative to the mean area's) to this power (chosen by grouped CV).
AREA_MASS_POWER = 0.5
# An attention point is ranked on the passage's own words plus this share of the evidence
# around it (context, question, heading): the text around a passage is usually about the
# same area, but often about another of its attention points.
POINT_CONTEXT_SHARE = 0.0
MODEL_WEIGHT = 0.5  # the weight of a model an older qualcode stored without a chosen one
MODEL_CODEBOOK_MIN = 0.3  # codebook evidence (share of the best) the model sees as a feature
MIN_SCORE = 0.5
MIN_OWN_EVIDENCE = 0.2  # keyword/label evidence the sentence itself must carry (prior-weighted)
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


def _part(rest: str) -> bool:
    """Whether the rest of a compound beside a codebook term is a word (or words) of its
    own, with or without a linking ``s``/``e``: "hjemme|behandling", "kræft|s|..."; the
    "omsorg" of "patientomsorg" is no "sorg" with a first part "patientom"."""
    if not COMPOUND_CHECK:
        return True
    return known_compound(rest) or (
        len(rest) > 4 and rest[-1] in "se" and known_compound(rest[:-1])
    )


def _phrase_key(keyword: str, lang: str) -> str:
    """A keyword's lemma key; a multi-word keyword as its words' keys joined by a space."""
    lem = lemmatizer(lang)
    return " ".join(lem.key(w) for w in keyword.strip().lower().split())


def general_prior(term: str, lang: str = "da") -> float:
    """How much a term can tell, by how common it is in the language generally (0.15..1)."""
    z = lemma_zipf(term, lang)
    if z <= PRIOR_RARE:
        return 1.0
    share = (PRIOR_COMMON - z) / (PRIOR_COMMON - PRIOR_RARE)
    return max(PRIOR_FLOOR, min(1.0, share))


def _term_entries(
    term: str, per_code: dict[str, float], lang: str, limit: int
) -> list[tuple[str, float]]:
    """(code, weight) of one term: its source's weight, over the square root of how many codes
    share it, times the general-Danish prior. A description word (weaker than a label) counts
    only when it is not common in Danish (Zipf < ``WEAK_MAX_ZIPF``) and not shared by more
    than ``limit`` codes, and its prior counts twice: "patient", "handle" or "få" in many
    descriptions would otherwise tilt every passage towards the areas with most codes."""
    z = lemma_zipf(term, lang)
    spread = math.sqrt(len(per_code))
    prior = general_prior(term, lang)
    entries = []
    for key, weight in per_code.items():
        if weight < LABEL_WEIGHT:
            if z >= WEAK_MAX_ZIPF or len(per_code) > limit:
                continue
            entries.append((key, weight / spread * prior * prior))
        else:
            entries.append((key, weight / spread * prior))
    return entries


_POINTER = re.compile(
    r"([^.;]*?)\b(?:kodes|så brug|brug hellere|brug)\s+([0-9]+(?:\.[0-9]+)?|[a-zæøå]+)",
    re.IGNORECASE,
)


def _not_when_pointers(text: str) -> list[tuple[str, str]]:
    """(code key, clause) for each "... kodes X" / "... så brug X" in a not-when note."""
    return [(m.group(2).lower(), m.group(1)) for m in _POINTER.finditer(text)]


def _code_infos(codes: list[Code], lang: str) -> dict[str, CodeInfo]:
    by_id = {c.id: c for c in codes if c.id is not None}
    out: dict[str, CodeInfo] = {}
    for c in codes:
        if c.id is None:
            continue  # not stored: nothing to suggest it for
        parent = by_id.get(c.parent_id) if c.parent_id is not None else None
        area = area_of(c, by_id)
        out[c.key] = CodeInfo(
            id=c.id,
            key=c.key,
            kind=c.kind,
            label=c.label_da if lang == "da" else (c.label_en or c.label_da),
            parent_key=parent.key if parent is not None else None,
            area_key=area.key if area.kind == "area" else None,
        )
    return out


def _code_terms(c: Code, keywords: list[str], lang: str) -> list[tuple[str, str, float]]:
    """(term, code key, weight) from one code's keywords, label, description and use-when
    note, and from the "... kodes X" clauses of its not-when note (they count for X)."""
    en = lang == "en"
    label = (c.label_en or c.label_da) if en else c.label_da
    desc = (c.description_en or c.description_da) if en else c.description_da
    out = [(t, c.key, KEYWORD_WEIGHT) for t in keywords]
    out += [(t, c.key, LABEL_WEIGHT) for t in _content_words(label, lang)]
    described = _content_words(f"{desc} {'' if en else c.use_when}", lang)
    out += [(t, c.key, DESCRIPTION_WEIGHT) for t in described]
    if not en:
        for target, clause in _not_when_pointers(c.not_when or ""):
            out += [(t, target, NOT_WHEN_WEIGHT) for t in _content_words(clause, lang)]
    return out


class CodebookScorer:
    """Scores passages against the codebook's keywords, labels and descriptions.

    A term's weight is its source's weight (keyword > label > description and not-when
    pointers), divided by the square root of the number of codes that share it, times how
    rare the word is in Danish generally (``general_prior``: "projekt", "aftale" or "patient"
    tell little). Only keywords match inside compounds, and not inside a compound that is a
    common word of its own ("hjemmeside" is no kind of "hjemme"). ``frequencies`` and
    ``corpus_words`` are accepted for old callers and ignored.
    """

    def __init__(
        self,
        codes: list[Code],
        lang: str = "da",
        frequencies: dict[str, int] | None = None,
        corpus_words: int = 0,
    ) -> None:
        del frequencies, corpus_words  # the general-Danish prior replaced corpus rarity
        self.lang = lang
        self.codes = _code_infos(codes, lang)
        lem = lemmatizer(lang)
        weights: dict[str, dict[str, float]] = defaultdict(dict)  # term -> code -> weight
        keyword_terms: set[str] = set()
        for c in codes:
            keywords = [_phrase_key(k, lang) for k in c.keywords or [] if k.strip()]
            keyword_terms.update(keywords)
            for term, key, weight in _code_terms(c, keywords, lang):
                if len(term) >= 2 and key in self.codes:
                    weights[term][key] = max(weights[term].get(key, 0.0), weight)
        self.terms: dict[str, list[tuple[str, float]]] = {}
        limit = max(2, int(len(self.codes) * WEAK_SPREAD))
        for term, per_code in weights.items():
            entries = _term_entries(term, per_code, lang, limit)
            if entries:
                self.terms[term] = entries
        self.long_terms = {t for t in keyword_terms if len(t) >= MIN_COMPOUND and " " not in t}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for term in self.terms:
            if " " in term:
                parts = tuple(term.split())
                self.phrases[parts[0]].append((parts, term))
        self.strong_terms = frozenset(
            t for t, per_code in weights.items() if max(per_code.values()) >= LABEL_WEIGHT
        )
        self.area_mass = self._area_mass()
        self.stop_words = lem.stop_words
        self._cache: dict[_TOKEN, list[tuple[str, float, str]]] = {}
        self._shared: dict[int, tuple[list[_TOKEN], dict[str, CodeScore]]] = {}

    def _area_mass(self) -> dict[str, float]:
        """Each area's vocabulary weight (its own and its attention points' terms) relative
        to the mean area's."""
        mass: dict[str, float] = defaultdict(float)
        for entries in self.terms.values():
            for key, weight in entries:
                area = self.codes[key].area_key
                if area is not None:
                    mass[area] += weight
        mean = sum(mass.values()) / len(mass) if mass else 1.0
        return {k: v / mean for k, v in mass.items() if v > 0}

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
            if form not in self.long_terms and zipf(form, self.lang) >= LEXICALISED_ZIPF:
                continue  # "hjemmeside" is a word of its own, not a kind of "hjemme"
            for size in range(MIN_COMPOUND, n):
                head, tail = form[:size], form[n - size :]
                if head in self.long_terms and head not in found and _part(form[size:]):
                    found[head] = (COMPOUND_FACTOR, "compound")
                if tail in self.long_terms and tail not in found and _part(form[: n - size]):
                    found[tail] = (COMPOUND_FACTOR, "compound")
        result = [(t, f, how) for t, (f, how) in found.items()]
        self._cache[token] = result
        return result

    def _phrase_hits(self, tokens: list[_TOKEN]) -> list[str]:
        """The multi-word keywords ("almen praksis", "patientens hjem") among the tokens."""
        hits = []
        for i, (_, lemma) in enumerate(tokens):
            for parts, term in self.phrases.get(lemma, ()):
                n = len(parts)
                if all(tokens[i + k][1] == parts[k] for k in range(1, n) if i + k < len(tokens)):
                    if i + n <= len(tokens):
                        hits.append(term)
        return hits

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
        stops = self.stop_words
        tokens = list(tokens)
        if self.phrases:
            for term in self._phrase_hits(tokens):
                entry = seen.setdefault(term, [0, 1.0, "word"])
                entry[0] += 1
        for token in tokens:
            if token[0] in stops:
                continue
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
# The nearest heading above a passage in a report that names a code: a quarter of a
# paragraph's weight. A report's paragraphs drift from their section's topic, and in a
# report the text around a passage already carries the section; chosen across the three
# sets with headings (leave one set out picks 0.25 each time; 2026-12-01, area top-1 at
# 1.0 -> 0.25: blind2 0.888 -> 0.899, blind3 0.882 -> 0.903, blind reports with area
# headings 0.946 -> 0.962).
HEADING_SHARE = 0.25
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
    total = word_total(session)
    scorers = {}
    for lang in ("da", "en"):
        terms = CodebookScorer(codes, lang).term_list()
        freq = lemma_frequencies(session, terms)
        scorers[lang] = CodebookScorer(codes, lang, freq, total)
    return scorers


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values(), default=0.0)
    return {k: (v / top if top > 0 else 0.0) for k, v in scores.items()}


def area_evidence(scorer: CodebookScorer, evidence: dict[str, CodeScore]) -> dict[str, float]:
    """Each area's raw evidence: its own plus its best attention point's plus
    ``CHILD_SHARE`` of the others', divided by the area's vocabulary weight to the power
    ``AREA_MASS_POWER`` (an area with more codebook words catches more chance hits)."""
    areas: dict[str, float] = {}
    children: dict[str, list[float]] = defaultdict(list)
    for key, info in scorer.codes.items():
        ev = evidence.get(key)
        value = ev.score if ev is not None else 0.0
        if info.kind == "area":
            areas[key] = areas.get(key, 0.0) + value
        elif info.area_key is not None:
            children[info.area_key].append(value)
    for key, values in children.items():
        best = max(values, default=0.0)
        areas[key] = areas.get(key, 0.0) + best + CHILD_SHARE * (sum(values) - best)
    if AREA_MASS_POWER:
        areas = {k: v / scorer.area_mass.get(k, 1.0) ** AREA_MASS_POWER for k, v in areas.items()}
    return areas


def codebook_levels(
    scorer: CodebookScorer,
    evidence: dict[str, CodeScore],
    own: dict[str, CodeScore] | None = None,
) -> dict[str, dict[str, float]]:
    """Codebook evidence at three levels, each normalised to 0..1 per passage.

    An area collects its own evidence and every attention point's (``area_evidence``), so
    many area words outweigh one generic attention-point word; an attention point adds its
    area's total (``PARENT_SHARE``), so it is ranked within the best-supported area. With
    ``own`` (the evidence of the passage's own words), an attention point counts the
    evidence around the passage at ``POINT_CONTEXT_SHARE`` only.
    """
    raw = {k: v.score for k, v in evidence.items()}
    point_raw = raw
    if own is not None:
        point_raw = {
            k: own[k].score + POINT_CONTEXT_SHARE * (v - own[k].score)
            if k in own
            else POINT_CONTEXT_SHARE * v
            for k, v in raw.items()
        }
    areas = area_evidence(scorer, evidence)
    points: dict[str, float] = {}
    cross: dict[str, float] = {}
    for key, info in scorer.codes.items():
        if info.kind == "area":
            continue
        if info.area_key is not None:
            points[key] = point_raw.get(key, 0.0) + PARENT_SHARE * areas.get(info.area_key, 0.0)
        else:
            cross[key] = raw.get(key, 0.0)
    top = max(raw.values(), default=0.0)
    return {
        "area": _normalised(areas),
        "attention_point": _normalised(points),
        "cross_cutting": {k: (v / top if top > 0 else 0.0) for k, v in cross.items()},
    }


@dataclass(frozen=True)
class ModelWeights:
    """The trained model's weight beside the codebook, per level: areas and attention points
    are chosen apart (the model may earn its place at one level and not the other);
    cross-cutting codes take the area weight."""

    area: float
    attention_point: float

    def at(self, level: str) -> float:
        return self.attention_point if level == "attention_point" else self.area


Weight = float | ModelWeights | None


def level_weight(weight: Weight, level: str) -> float:
    """The model's weight at one level (``MODEL_WEIGHT`` when none was chosen)."""
    if weight is None:
        return MODEL_WEIGHT
    if isinstance(weight, ModelWeights):
        return weight.at(level)
    return weight


def rank_codes(
    scorer: CodebookScorer,
    evidence: dict[str, CodeScore],
    model_probs: dict[str, float] | None = None,
    model_weight: Weight = None,
    own: dict[str, CodeScore] | None = None,
) -> dict[str, dict[str, float]]:
    """Combined scores at three levels: ``area``, ``attention_point`` and ``cross_cutting``.

    The codebook's normalised evidence (``codebook_levels``) and the model's probability (if
    any) are mixed as ``(1 - w) * codebook + w * model``; ``w`` is the weight chosen for this
    project and level by cross-validation over its own codings (``ModelWeights``;
    ``MODEL_WEIGHT`` when none was).
    """
    levels = codebook_levels(scorer, evidence, own)
    if model_probs is None:
        return levels
    out: dict[str, dict[str, float]] = {}
    for level, scores in levels.items():
        w = level_weight(model_weight, level)
        out[level] = {k: (1.0 - w) * v + w * model_probs.get(k, 0.0) for k, v in scores.items()}
    return out
