"""Code suggestions for uncoded passages: from the codebook itself and from a model trained
on the project's own codings. Never applied silently: suggestions are stored, then each is
accepted (a coding with origin ``suggestion``, undoable) or rejected by a researcher.

Two sources combine:

1. **The codebook** — keywords, labels and descriptions, lemmatised the way the corpus is.
   A word matches a codebook term when its lemma equals the term's, or when it is a
   compound that starts or ends with a long term (``palliationssygeplejerske`` →
   ``palliation``). Terms shared by several codes count less. Works before anything is
   coded.
2. **A text classifier** (spaCy ``textcat_multilabel``, bag of lemmas) trained locally on
   the project's codings (``train_model``), stored in ``TrainedModel`` as bytes.

The unit of a suggestion is a sentence outside any coding and outside the interviewer's
turns.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from qualcode.codebook import area_of
from qualcode.coding import add_coding_in, get_or_create_coder
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.history import record_action
from qualcode.models import (
    Code,
    Coding,
    Document,
    Sentence,
    Suggestion,
    Token,
    TrainedModel,
    Turn,
    utcnow,
)
from qualcode.nlp.pipeline import annotate_text, lemmatizer
from qualcode.nlp.store import annotate_missing
from qualcode.progress import Progress, no_progress

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


# ----------------------------------------------------------------------------------------
# The trained classifier


def _model_words(tokens: Iterable[_TOKEN], stops: frozenset[str]) -> list[str]:
    words = [
        lemma for lower, lemma in tokens if lower not in stops and any(c.isalpha() for c in lower)
    ]
    return words or ["_empty_"]


class TextModel:
    """A spaCy ``textcat_multilabel`` over lemma keys, loaded from or saved to bytes."""

    def __init__(self, nlp: Any, labels: list[str]) -> None:
        self.nlp = nlp
        self.labels = labels

    @staticmethod
    def _config(labels: list[str]) -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": 1,
                "no_output_layer": False,
                "length": 2**13,
            },
        }

    @classmethod
    def blank(cls, labels: list[str]) -> TextModel:
        import spacy

        nlp = spacy.blank("xx")
        textcat = nlp.add_pipe("textcat_multilabel", config=cls._config(labels))
        for label in labels:
            textcat.add_label(label)
        return cls(nlp, labels)

    def _doc(self, words: list[str]) -> Any:
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab, words=words)

    def train(
        self,
        examples: list[tuple[list[str], set[str]]],
        iterations: int,
        seed: int = 0,
        progress: Progress = no_progress,
    ) -> float:
        """Train on (words, labels) pairs; returns the last epoch's loss."""
        from spacy.training import Example
        from spacy.util import fix_random_seed, minibatch

        fix_random_seed(seed)
        data = [
            Example.from_dict(
                self._doc(words), {"cats": {lab: float(lab in cats) for lab in self.labels}}
            )
            for words, cats in examples
        ]
        optimizer = self.nlp.initialize(lambda: data)
        rng = random.Random(seed)
        loss = 0.0
        for epoch in range(iterations):
            rng.shuffle(data)
            losses: dict[str, float] = {}
            for batch in minibatch(data, size=16):
                self.nlp.update(batch, sgd=optimizer, drop=0.1, losses=losses)
            loss = losses.get("textcat_multilabel", 0.0)
            progress(epoch + 1, iterations, f"training, loss {loss:.3f}")
        return loss

    def predict(self, passages: list[list[str]]) -> list[dict[str, float]]:
        docs = [self._doc(words) for words in passages]
        textcat = self.nlp.get_pipe("textcat_multilabel")
        return [dict(doc.cats) for doc in textcat.pipe(docs)]

    def to_bytes(self) -> bytes:
        return self.nlp.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, labels: list[str]) -> TextModel:
        model = cls.blank(labels)
        model.nlp.from_bytes(data)
        return model


# ----------------------------------------------------------------------------------------
# Reading the project: passages, units, tokens


@dataclass
class Passage:
    """A span to classify, with the words around it that also tell what it is about.

    ``context`` is the rest of the speaker's turn near the span (or the text around it when
    the document has no turns); ``question`` the interviewer's question before it. For a
    coded span ``codes`` holds every code any coder gave it (training and evaluation).
    """

    document_id: int
    start: int
    end: int
    codes: set[str]
    tokens: list[_TOKEN]
    context: list[_TOKEN] = field(default_factory=list)
    question: list[_TOKEN] = field(default_factory=list)
    language: str = "da"

    def evidence(self, scorers: dict[str, CodebookScorer]) -> dict[str, CodeScore]:
        scorer = scorers.get(self.language, scorers["da"])
        return combine_evidence(
            [
                (scorer.score(self.tokens), 1.0),
                (scorer.score(self.context), CONTEXT_SHARE),
                (scorer.score_shared(self.question), QUESTION_SHARE),
            ]
        )

    def model_words(
        self, stops: frozenset[str], scorers: dict[str, CodebookScorer] | None = None
    ) -> list[str]:
        """The classifier's input: the passage's lemmas, the question's (``q_``), the
        context's (``c_``) and, with ``scorers``, which codes the codebook points to
        (``cb_<key>``, repeated by strength) — so the model learns how far to trust it."""
        words = _model_words(self.tokens, stops)
        words += ["q_" + w for w in _model_words(self.question, stops) if w != "_empty_"]
        words += ["c_" + w for w in _model_words(self.context, stops) if w != "_empty_"]
        if scorers is not None:
            evidence = self.evidence(scorers)
            top = max((e.score for e in evidence.values()), default=0.0)
            for key, ev in evidence.items():
                strength = ev.score / top if top > 0 else 0.0
                if strength >= MODEL_CODEBOOK_MIN:
                    words += [f"cb_{key}"] * (1 + int(3 * strength))
        return words


class _TokenIndex:
    """A document's tokens, searchable by offset."""

    def __init__(self, rows: list[tuple[int, int, str, str]]) -> None:
        rows.sort()
        self.starts = [r[0] for r in rows]
        self.rows = rows

    def within(self, start: int, end: int) -> list[_TOKEN]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.rows) and self.rows[i][0] < end:
            if self.rows[i][1] <= end:
                out.append((self.rows[i][2], self.rows[i][3]))
            i += 1
        return out


def _token_indexes(session: Session, doc_ids: list[int]) -> dict[int, _TokenIndex]:
    rows: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    for d, s, e, lower, lemma in session.exec(
        select(Token.document_id, Token.start, Token.end, Token.lower, Token.lemma).where(
            col(Token.document_id).in_(doc_ids)
        )
    ).all():
        rows[d].append((s, e, lower, lemma))
    return {d: _TokenIndex(rows.get(d, [])) for d in doc_ids}


class _DocView:
    """A document's tokens and turns: the passage, its context and the question before it."""

    def __init__(
        self, tokens: _TokenIndex, turns: list[tuple[int, int, bool]], language: str
    ) -> None:
        self.tokens = tokens
        self.turns = sorted(turns)
        self.turn_starts = [t[0] for t in self.turns]
        self.language = language
        self._questions: dict[int, list[_TOKEN]] = {}

    def passage(self, start: int, end: int, codes: set[str] | None = None) -> Passage:
        core = self.tokens.within(start, end)
        i = bisect.bisect_right(self.turn_starts, start) - 1
        lo, hi = start - CONTEXT_CHARS, end + CONTEXT_CHARS // 2
        question: list[_TOKEN] = []
        if i >= 0 and self.turns[i][0] <= start < self.turns[i][1]:
            lo, hi = max(lo, self.turns[i][0]), min(hi, self.turns[i][1])
            j = i - 1
            while j >= 0 and not self.turns[j][2]:
                j -= 1
            if j >= 0 and i - j <= 3:
                question = self._questions.get(j)  # shared: its evidence is scored once
                if question is None:
                    question = self.tokens.within(self.turns[j][0], self.turns[j][1])
                    self._questions[j] = question
        context = self.tokens.within(max(lo, 0), start) + self.tokens.within(end, hi)
        return Passage(0, start, end, codes or set(), core, context, question, self.language)


def _doc_views(session: Session, doc_ids: list[int]) -> dict[int, _DocView]:
    from qualcode.participants import is_interviewer_label

    index = _token_indexes(session, doc_ids)
    langs = _document_language(session)
    turns: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for d, st, en, speaker, pid in session.exec(
        select(Turn.document_id, Turn.start, Turn.end, Turn.speaker, Turn.participant_id).where(
            col(Turn.document_id).in_(doc_ids)
        )
    ).all():
        turns[d].append((st, en, pid is None and is_interviewer_label(speaker)))
    return {d: _DocView(index[d], turns.get(d, []), langs.get(d, "da")) for d in doc_ids}


def _passage(
    views: dict[int, _DocView], d: int, start: int, end: int, codes: set[str] | None = None
) -> Passage:
    p = views[d].passage(start, end, codes)
    p.document_id = d
    return p


def _codes(session: Session) -> list[Code]:
    codes = list(session.exec(select(Code).order_by(Code.position, Code.id)))
    if not codes:
        raise SuggestError(
            "the project has no codebook", "Load one with `qualcode codebook load FILE`."
        )
    return codes


def coded_passages(session: Session) -> list[Passage]:
    """Every distinct coded span with the union of its codes (all coders)."""
    key_by_id = {c.id: c.key for c in session.exec(select(Code))}
    spans: dict[tuple[int, int, int], set[str]] = defaultdict(set)
    for d, code_id, s, e in session.exec(
        select(Coding.document_id, Coding.code_id, Coding.start, Coding.end)
    ).all():
        if code_id in key_by_id:
            spans[(d, s, e)].add(key_by_id[code_id])
    views = _doc_views(session, sorted({d for d, _, _ in spans}))
    return [_passage(views, d, s, e, codes) for (d, s, e), codes in sorted(spans.items())]


def _document_language(session: Session) -> dict[int, str]:
    return {int(i): lang for i, lang in session.exec(select(Document.id, Document.language)).all()}


# ----------------------------------------------------------------------------------------
# Training, loading the model


def _labels_of(passage: Passage, scorer: CodebookScorer) -> set[str]:
    """A passage's codes plus the areas they belong to (the model learns both levels)."""
    labels = set(passage.codes)
    for key in passage.codes:
        info = scorer.codes.get(key)
        if info is not None and info.area_key is not None:
            labels.add(info.area_key)
    return labels


def _fit(
    examples: list[tuple[list[str], set[str]]],
    iterations: int,
    seed: int,
    progress: Progress = no_progress,
) -> TextModel:
    counts = Counter(lab for _, labs in examples for lab in labs)
    labels = sorted(lab for lab, n in counts.items() if n >= 2)
    if not labels:
        raise SuggestError(
            "too few codings to train on",
            "Code at least two passages with the same code first.",
        )
    model = TextModel.blank(labels)
    model.train(examples, iterations, seed=seed, progress=progress)
    return model


def _negative_passages(session: Session, limit: int, seed: int) -> list[Passage]:
    """Uncoded sentences of the experts: what the model should learn to leave alone."""
    units = _uncoded_units(session, None)
    rng = random.Random(seed)
    rng.shuffle(units)
    picked = units[:limit]
    views = _doc_views(session, sorted({d for d, _, _ in picked}))
    return [_passage(views, d, s, e) for d, s, e in picked]


def train_model(
    project: Project,
    iterations: int = 12,
    seed: int = 0,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Train the classifier on every coding of the project and store it (replacing the old)."""
    annotate_missing(project)
    with project.session() as s:
        codes = _codes(s)
        scorers = build_scorers(s, codes)
        scorer = scorers["da"]
        passages = coded_passages(s)
        if len(passages) < 4:
            raise SuggestError(
                f"only {len(passages)} coded passages; too few to train on",
                "Code more passages, or use the codebook suggestions alone.",
            )
        negatives = _negative_passages(s, len(passages) // 2, seed)
    stops = lemmatizer("da").stop_words
    examples = [(p.model_words(stops, scorers), _labels_of(p, scorer)) for p in passages]
    examples += [(p.model_words(stops, scorers), set()) for p in negatives]
    model = _fit(examples, iterations, seed, progress)
    meta = {
        "labels": model.labels,
        "passages": len(passages),
        "negatives": len(negatives),
        "iterations": iterations,
        "architecture": "spacy.TextCatBOW.v3 over lemmas",
    }
    with project.transaction() as s:
        s.execute(delete(TrainedModel).where(col(TrainedModel.kind) == MODEL_KIND))
        s.add(TrainedModel(kind=MODEL_KIND, data=model.to_bytes(), meta=meta))
    return meta


def load_model(session: Session) -> TextModel | None:
    row = session.exec(
        select(TrainedModel)
        .where(TrainedModel.kind == MODEL_KIND)
        .order_by(col(TrainedModel.id).desc())
    ).first()
    if row is None:
        return None
    try:
        return TextModel.from_bytes(bytes(row.data), list(row.meta.get("labels", [])))
    except Exception:  # noqa: BLE001 - a model from another qualcode version: train again
        return None


# ----------------------------------------------------------------------------------------
# Suggesting


def _interviewer_spans(session: Session, doc_id: int) -> list[tuple[int, int]]:
    from qualcode.participants import is_interviewer_label

    return [
        (t.start, t.end)
        for t in session.exec(select(Turn).where(Turn.document_id == doc_id))
        if t.participant_id is None and is_interviewer_label(t.speaker)
    ]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _uncoded_units(session: Session, doc_ids: list[int] | None) -> list[tuple[int, int, int]]:
    """(document, start, end) of sentences outside codings and interviewer turns."""
    stmt = select(Sentence.document_id, Sentence.start, Sentence.end)
    if doc_ids is not None:
        stmt = stmt.where(col(Sentence.document_id).in_(doc_ids))
    sentences = session.exec(stmt.order_by(Sentence.document_id, Sentence.start)).all()
    coded: dict[int, list[tuple[int, int]]] = defaultdict(list)
    cstmt = select(Coding.document_id, Coding.start, Coding.end)
    if doc_ids is not None:
        cstmt = cstmt.where(col(Coding.document_id).in_(doc_ids))
    for d, s, e in session.exec(cstmt).all():
        coded[d].append((s, e))
    asking: dict[int, list[tuple[int, int]]] = {}
    out = []
    for d, s, e in sentences:
        if d not in asking:
            asking[d] = _interviewer_spans(session, d)
        if _overlaps(coded[d], s, e) or _overlaps(asking[d], s, e):
            continue
        if e - s < 25:
            continue
        out.append((d, s, e))
    return out


def _pick(
    scorer: CodebookScorer,
    passage: Passage,
    evidence: dict[str, CodeScore],
    probs: dict[str, float] | None,
    use_codebook: bool = True,
) -> list[tuple[str, float, str]]:
    """The codes worth proposing for one unit: (key, score 0..1, reason).

    The best area decides, then its best attention point (or the area itself); cross-cutting
    codes are proposed beside it. Context may rank codes but not carry a suggestion alone:
    the sentence itself must contain a codebook word for the code (or its area or
    attention points), or the trained model must vote for it.
    """
    ranked = rank_codes(scorer, evidence, probs)
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
        # the reason names keywords and label words; description words only rank
        terms = {t: "context" for t in ev.terms if t in scorer.strong_terms}
        for k in family:
            if own > 0 and k in core:
                terms.update(core[k].terms)
        reason = CodeScore(ev.score, terms, model).reason() or "area evidence"
        out.append((key, round(score, 3), reason))
    out.sort(key=lambda t: -t[1])
    return out[:MAX_PER_UNIT]


def suggest(
    project: Project,
    document: str | int | None = None,
    *,
    use_model: bool = True,
    progress: Progress = no_progress,
) -> list[dict[str, Any]]:
    """Make and store suggestions for uncoded sentences; returns them, best first per unit.

    Open suggestions of the documents concerned are replaced; accepted and rejected ones
    stay (a rejected suggestion is not proposed again for the same span and code).
    """
    annotate_missing(project)
    with project.session() as s:
        codes = _codes(s)
        scorers = build_scorers(s, codes)
        by_key = {c.key: c for c in codes}
        if document is not None:
            doc_ids = [int(resolve_document(s, document).id)]  # type: ignore[arg-type]
        else:
            doc_ids = [int(i) for i in s.exec(select(Document.id)).all() if i is not None]
        titles = dict(s.exec(select(Document.id, Document.title)).all())
        model = load_model(s) if use_model else None
        decided = {
            (g.document_id, g.start, g.end, g.code_id)
            for g in s.exec(select(Suggestion).where(Suggestion.status != "open"))
        }
    stops = lemmatizer("da").stop_words
    rows: list[dict[str, Any]] = []
    total = len(doc_ids)
    for b in range(0, total, DOC_BATCH):  # a batch of documents at a time: bounded memory
        progress(b, total, "suggesting")
        batch = doc_ids[b : b + DOC_BATCH]
        with project.session() as s:
            units = _uncoded_units(s, batch)
            views = _doc_views(s, sorted({d for d, _, _ in units}))
        passages = [_passage(views, d, st, en) for d, st, en in units]
        probs: list[dict[str, float] | None] = [None] * len(units)
        if model is not None and passages:
            probs = list(model.predict([p.model_words(stops, scorers) for p in passages]))
        for n, passage in enumerate(passages):
            d, st, en = passage.document_id, passage.start, passage.end
            scorer = scorers.get(passage.language, scorers["da"])
            for key, score, reason in _pick(scorer, passage, passage.evidence(scorers), probs[n]):
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
                        "method": "codebook+model" if probs[n] is not None else "codebook",
                    }
                )
    progress(total, total, "")
    with project.transaction() as s:
        s.execute(
            delete(Suggestion).where(
                col(Suggestion.document_id).in_(doc_ids), col(Suggestion.status) == "open"
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
    """Rank codes for a passage that is not in the project (nothing stored), best first."""
    with project.session() as s:
        scorers = build_scorers(s, _codes(s))
        model = load_model(s)
    toks = [(r[3], r[4]) for r in annotate_text(text, lang).tokens]
    passage = Passage(0, 0, len(text), set(), toks, language=lang)
    probs = None
    if model is not None:
        probs = model.predict([passage.model_words(lemmatizer("da").stop_words, scorers)])[0]
    evidence = passage.evidence(scorers)
    ranked = rank_codes(scorers.get(lang, scorers["da"]), evidence, probs)
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


def open_suggestions(project: Project, document_id: int) -> list[dict[str, Any]]:
    """Open suggestions of one document for the coding view, in text order."""
    with project.session() as s:
        keys = {c.id: c.key for c in s.exec(select(Code))}
        rows = s.exec(
            select(Suggestion)
            .where(Suggestion.document_id == document_id, Suggestion.status == "open")
            .order_by(Suggestion.start, col(Suggestion.score).desc())
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


# ----------------------------------------------------------------------------------------
# Evaluation


def _rank_of(scores: dict[str, float], gold: set[str]) -> int | None:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    for i, (key, value) in enumerate(ranked):
        if value <= 0:
            return None
        if key in gold:
            return i + 1
    return None


@dataclass
class _Tally:
    n: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, rank: int | None) -> None:
        self.n += 1
        self.top1 += rank == 1
        self.top3 += rank is not None and rank <= 3

    def as_dict(self) -> dict[str, Any]:
        return {
            "passages": self.n,
            "top1": round(self.top1 / self.n, 3) if self.n else None,
            "top3": round(self.top3 / self.n, 3) if self.n else None,
        }


def _score_method(
    name: str,
    scorer: CodebookScorer,
    items: list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]],
) -> dict[str, Any]:
    area, point = _Tally(), _Tally()
    predicted: list[tuple[str | None, set[str]]] = []
    for passage, evidence, probs in items:
        ranked = rank_codes(scorer, evidence, probs)
        gold_areas = {scorer.codes[k].area_key for k in passage.codes if k in scorer.codes} - {None}
        gold_points = {
            k
            for k in passage.codes
            if k in scorer.codes and scorer.codes[k].kind == "attention_point"
        }
        if gold_areas:
            area.add(_rank_of(ranked["area"], gold_areas))  # type: ignore[arg-type]
        if gold_points:
            point.add(_rank_of(ranked["attention_point"], gold_points))
            scores = ranked["attention_point"]
            best = max(scores.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
            predicted.append((best[0] if best[1] > 0 else None, gold_points))
    per_code: dict[str, dict[str, Any]] = {}
    labels = sorted({k for _, gold in predicted for k in gold} | {p for p, _ in predicted if p})
    f1s = []
    for label in labels:
        tp = sum(1 for p, g in predicted if p == label and label in g)
        fp = sum(1 for p, g in predicted if p == label and label not in g)
        fn = sum(1 for p, g in predicted if p != label and label in g)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_code[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    return {
        "method": name,
        "area": area.as_dict(),
        "attention_point": point.as_dict(),
        "macro_f1": round(sum(f1s) / len(f1s), 3) if f1s else None,
        "per_code": per_code,
        "suggestions": _suggestion_quality(scorer, items),
    }


def _suggestion_quality(
    scorer: CodebookScorer,
    items: list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]],
) -> dict[str, Any]:
    """What ``suggest`` would propose for the coded passages (as if uncoded): the share of
    proposals that name one of the passage's codes (or its area), and the share of passages
    that get any proposal at all."""
    proposed = correct = covered = 0
    for passage, evidence, probs in items:
        picks = _pick(scorer, passage, evidence, probs, use_codebook=bool(evidence))
        covered += bool(picks)
        gold_areas = {scorer.codes[k].area_key for k in passage.codes if k in scorer.codes}
        for key, _, _ in picks:
            proposed += 1
            correct += key in passage.codes or key in gold_areas
    return {
        "proposed": proposed,
        "precision": round(correct / proposed, 3) if proposed else None,
        "coverage": round(covered / len(items), 3) if items else None,
    }


def evaluate(
    project: Project,
    folds: int = 4,
    iterations: int = 12,
    seed: int = 0,
    train: bool = True,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Cross-validated figures on the project's own codings.

    The codebook alone needs no training, so it is scored on every coded passage. The
    classifier (and the combination) is scored by document-grouped ``folds``: each fold's
    documents are held out, the model is trained on the rest.
    """
    annotate_missing(project)
    with project.session() as s:
        codes = _codes(s)
        scorers = build_scorers(s, codes)
        passages = coded_passages(s)
        negatives = _negative_passages(s, len(passages) // 2, seed) if train else []
    if not passages:
        raise SuggestError("nothing is coded yet", "Code some passages, then evaluate.")
    scorer = scorers["da"]
    evidence = [p.evidence(scorers) for p in passages]
    result: dict[str, Any] = {
        "passages": len(passages),
        "codebook": _score_method(
            "codebook", scorer, [(p, e, None) for p, e in zip(passages, evidence, strict=True)]
        ),
    }
    doc_ids = sorted({p.document_id for p in passages})
    if train and len(doc_ids) >= 2:
        folds = max(2, min(folds, len(doc_ids)))
        rng = random.Random(seed)
        shuffled = doc_ids[:]
        rng.shuffle(shuffled)
        fold_of = {d: i % folds for i, d in enumerate(shuffled)}
        stops = lemmatizer("da").stop_words
        words = [p.model_words(stops, scorers) for p in passages]
        labels = [_labels_of(p, scorer) for p in passages]
        negative_examples = [(p.model_words(stops, scorers), set[str]()) for p in negatives]
        model_items: list[Any] = [None] * len(passages)
        combined_items: list[Any] = [None] * len(passages)
        for f in range(folds):
            progress(f, folds, f"fold {f + 1} of {folds}")
            train_idx = [i for i, p in enumerate(passages) if fold_of[p.document_id] != f]
            test_idx = [i for i, p in enumerate(passages) if fold_of[p.document_id] == f]
            if not test_idx:
                continue
            examples = [(words[i], labels[i]) for i in train_idx] + negative_examples
            model = _fit(examples, iterations, seed)
            probs = model.predict([words[i] for i in test_idx])
            for i, pr in zip(test_idx, probs, strict=True):
                model_items[i] = (passages[i], {}, pr)
                combined_items[i] = (passages[i], evidence[i], pr)
        progress(folds, folds, "")
        result["model"] = _score_method("model", scorer, [x for x in model_items if x])
        result["combined"] = _score_method(
            "codebook+model", scorer, [x for x in combined_items if x]
        )
        result["folds"] = folds
        result["iterations"] = iterations
    return result
