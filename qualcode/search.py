"""Search the corpus: exact words, any inflection (lemma), or fuzzy (typos and compounds).

Danish inflects and compounds freely (udredning / udredningen / udredningsforløb), so a
literal search misses passages. Search reads the index built at import (``nlp.store``: each
word form with its lemma, and where it occurs) and never re-runs spaCy over the corpus:

- exact: each query word equals a word of the text (case-insensitive);
- lemma: each query word matches any word with the same lemma (``palliationen`` →
  ``palliation``), and compounds whose head it is (``kræftopfølgningsplanen`` for
  ``opfølgningsplan``: the query's whole lemma at the end, after a known word), marked
  ``compound`` and shown after the inflections;
- fuzzy: each query word matches the corpus vocabulary by rapidfuzz — whole words within a
  few typos, and compounds that start or end with it (``palliation`` →
  ``palliationsindsats``) — and also its exact form and every inflection (lemma). Hits are
  ranked: exact first, then inflections, then the rest by score; each hit says which it is
  (``match``: ``exact`` | ``lemma`` | ``compound`` | ``fuzzy``) and its score.

A query of several words is a phrase: the words in order, adjacent, not across punctuation.
The index is read with plain SQL and the phrase matched in Python, so it works the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func
from sqlmodel import Session, col, select

from qualcode.codebook import resolve_code
from qualcode.coding import get_or_create_coder
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.errors import QualcodeError
from qualcode.history import record_action
from qualcode.models import DOCUMENT_KINDS, Code, Coder, Coding, Document, Turn
from qualcode.nlp.pipeline import lemma_key, lemmatizer, query_words
from qualcode.nlp.store import (
    TermInfo,
    annotate_missing,
    compound_terms,
    count_occurrences,
    find_terms,
    index_stamp,
    occurrences,
    vocabulary,
)
from qualcode.progress import Progress, no_progress
from qualcode.search_rows import CodedSearchDict, DocumentCountDict, SearchHitDict

MODES = ("exact", "lemma", "fuzzy")
DEFAULT_FUZZY_SCORE = 85.0
CONTEXT_CHARS = 60
MAX_WORDS = 8
_MIN_TYPO = 5  # a query word shorter than this matches only itself in fuzzy mode
_INNER_COMPOUND = 7  # from this length a query word may also sit inside a compound
_FUZZY_COMPOUND = 8  # from this length a compound's first/last part may carry a typo
_SQL_IN_CHUNK = 900
# How a fuzzy-mode hit matched, best first: hits are shown in this order, then by score.
MATCH_RANK = {"exact": 0, "lemma": 1, "compound": 2, "fuzzy": 3}


def stored_id(row: Document | Code | Coder) -> int:
    """The id of a row read from (or flushed to) the database."""
    assert row.id is not None, "a stored row has an id"
    return row.id


class SearchError(QualcodeError):
    """A query that cannot be run (empty, too long, bad score)."""


@dataclass
class SearchHit:
    """One place the query occurs, with keyword-in-context text around it."""

    document_id: int
    document: str
    kind: str
    start: int
    end: int
    text: str = ""
    left: str = ""
    right: str = ""
    score: float = 100.0
    speaker: str | None = None
    match: str = "exact"  # exact | lemma | compound | fuzzy (how the hit matched the query)

    @property
    def context(self) -> str:
        return f"{self.left}[{self.text}]{self.right}"

    def as_dict(self) -> SearchHitDict:
        return {
            "document_id": self.document_id,
            "document": self.document,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "context": self.context,
            "left": self.left,
            "right": self.right,
            "score": round(self.score, 1),
            "match": self.match,
            "speaker": self.speaker,
        }


@dataclass
class DocumentCount:
    """How often and where the query occurs in one document (desk-research review)."""

    document_id: int
    title: str
    kind: str
    count: int
    offsets: list[int]

    def as_dict(self) -> DocumentCountDict:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "kind": self.kind,
            "count": self.count,
            "offsets": self.offsets,
        }


@dataclass
class SearchResult:
    """All hits of a query (``hits`` may be capped by ``limit``; counts never are)."""

    query: str
    mode: str
    total: int
    hits: list[SearchHit]
    documents: list[DocumentCount]
    variants: list[dict[str, Any]] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.hits) < self.total

    def as_dict(self) -> CodedSearchDict:
        return {
            "query": self.query,
            "mode": self.mode,
            "total": self.total,
            "shown": len(self.hits),
            "hits": [h.as_dict() for h in self.hits],
            "documents": [d.as_dict() for d in self.documents],
            "variants": self.variants,
        }


# ----------------------------------------------------------------------------------------
# Vocabulary (for fuzzy matching), cached per project until tokens change


_vocab_cache: dict[str, tuple[tuple[int, int], list[str]]] = {}


def _vocabulary(session: Session, url: str) -> list[str]:
    stamp = index_stamp(session)
    cached = _vocab_cache.get(url)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    words = vocabulary(session)
    _vocab_cache[url] = (stamp, words)
    return words


def fuzzy_word_matches(word: str, vocabulary: list[str], score: float) -> dict[str, float]:
    """Vocabulary words that match ``word``: typos (whole-word ratio) or compounds.

    A compound is a longer word that starts or ends with the query (``palliation`` in
    ``palliationsindsats``, ``rehabilitering`` in ``kræftrehabilitering``); a long query word
    may also sit inside one, or carry a typo as the compound's first part. Short query words
    match only whole words (``tal`` never finds ``hospitalet`` or ``tale``), and a compound
    must contain the query word itself (``kommune`` does not find ``kommunikation``).
    """
    found: dict[str, float] = {word: 100.0}
    if len(word) < _MIN_TYPO:
        return found
    for match, value, _ in process.extract(
        word, vocabulary, scorer=fuzz.ratio, score_cutoff=score, limit=None
    ):
        found[match] = max(found.get(match, 0.0), float(value))
    size = len(word)
    for match, value, _ in process.extract(
        word, vocabulary, scorer=fuzz.partial_ratio, score_cutoff=score, limit=None
    ):
        if found.get(match, 0.0) >= 100.0 or len(match) <= size:
            continue  # (a compound close enough to pass as a typo is still a compound)
        if match.startswith(word) or match.endswith(word):
            found[match] = 100.0
        elif size >= _INNER_COMPOUND and word in match:
            found[match] = 100.0
        elif size >= _FUZZY_COMPOUND:
            edge = max(fuzz.ratio(word, match[: size + d]) for d in (-1, 0, 1))
            if edge >= score:
                found[match] = max(found.get(match, 0.0), float(min(value, edge)))
    return found


# ----------------------------------------------------------------------------------------
# The search itself


#: Per query word: the index terms it matches, each with how (``match``) and its score.
WordTerms = dict[int, tuple[str, float]]
#: A found phrase: ``(document_id, start, end, match, score)``.
Match = tuple[int, int, int, str, float]


def _phrase_matches(
    session: Session,
    per_word: list[WordTerms],
    infos: dict[int, TermInfo],
    doc_filter: list[int] | None,
) -> list[Match]:
    """Every occurrence of the phrase: its words in order, at consecutive ordinals (a
    punctuation mark or a piece boundary leaves a gap, so a phrase never runs across it).

    The rarest word is read first; the others only in the documents it occurs in. A hit's
    match is its weakest word's, its score the lowest.
    """
    if not per_word or any(not terms for terms in per_word):
        return []
    counts = [count_occurrences(session, terms, doc_filter) for terms in per_word]
    if min(counts) == 0:
        return []
    pivot = counts.index(min(counts))
    base = list(occurrences(session, {t: infos[t] for t in per_word[pivot]}, doc_filter))
    docs = sorted({d for d, *_ in base})
    where: list[dict[tuple[int, int], tuple[int, int, int]]] = []
    for i, terms in enumerate(per_word):
        if i == pivot:
            where.append({})
            continue
        where.append(
            {
                (d, o): (s, e, t)
                for d, o, s, e, t in occurrences(session, {t: infos[t] for t in terms}, docs)
            }
        )
    out: list[Match] = []
    for d, o, s, e, t in base:
        first = o - pivot
        found: list[tuple[int, int, int]] = []
        for i in range(len(per_word)):
            hit = (s, e, t) if i == pivot else where[i].get((d, first + i))
            if hit is None:
                break
            found.append(hit)
        else:
            how = [per_word[i][hit[2]] for i, hit in enumerate(found)]
            worst = max(how, key=lambda h: (MATCH_RANK[h[0]], -h[1]))[0]
            out.append((d, found[0][0], found[-1][1], worst, min(h[1] for h in how)))
    out.sort(key=lambda m: (m[0], m[1], m[2]))
    return out


def _documents_in_scope(
    session: Session, document: str | int | None, kind: str | None
) -> tuple[list[int] | None, dict[int, tuple[str, str]]]:
    rows = session.exec(select(Document.id, Document.title, Document.kind)).all()
    info = {int(i): (t, k) for i, t, k in rows if i is not None}
    if document is None and kind is None:
        return None, info
    ids = list(info)
    if document is not None:
        doc = resolve_document(session, document)
        ids = [stored_id(doc)]
    if kind is not None:
        if kind not in DOCUMENT_KINDS:
            raise SearchError(
                f"unknown document kind {kind!r}", "Use one of: " + ", ".join(DOCUMENT_KINDS)
            )
        ids = [i for i in ids if info[i][1] == kind]
    return ids, info


_language_cache: dict[str, tuple[tuple[int, int], list[str]]] = {}


def _languages(session: Session, url: str) -> list[str]:
    """Languages whose lemmas a query needs: Danish, and English if any document is.

    Cached until documents are added or removed (reading ``language`` walks past each
    document's text on SQLite).
    """
    stamp_row = session.exec(select(func.max(Document.id), func.count(col(Document.id)))).one()
    stamp = (int(stamp_row[0] or 0), int(stamp_row[1] or 0))
    cached = _language_cache.get(url)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    langs = {lang for lang in session.exec(select(Document.language).distinct()).all()}
    result = ["da"] + (["en"] if "en" in langs else [])
    result += sorted(lang for lang in langs if lang and lang not in result)  # keyed by form
    _language_cache[url] = (stamp, result)
    return result


def _contexts(
    session: Session, spans: list[tuple[int, int, int]], chars: int
) -> dict[tuple[int, int, int], tuple[str, str, str]]:
    """Left context, matched text and right context for each span (texts read once each)."""
    out: dict[tuple[int, int, int], tuple[str, str, str]] = {}
    doc_ids = sorted({d for d, _, _ in spans})
    for i in range(0, len(doc_ids), _SQL_IN_CHUNK):
        chunk = doc_ids[i : i + _SQL_IN_CHUNK]
        texts: dict[int, str] = {
            int(i): t
            for i, t in session.connection()
            .execute(select(Document.id, Document.text).where(col(Document.id).in_(chunk)))
            .all()
        }
        for d, s, e in spans:
            if d not in texts:
                continue
            text = texts[d]
            left = text[max(0, s - chars) : s].replace("\n", " ")
            right = text[e : e + chars].replace("\n", " ")
            out[(d, s, e)] = (left, text[s:e].replace("\n", " "), right)
    return out


def _speakers(session: Session, spans: list[tuple[int, int, int]]) -> dict[tuple[int, int], str]:
    """The speaker label of the turn each hit starts in (interviews), by (document, start)."""
    doc_ids = sorted({d for d, _, _ in spans})
    turns: dict[int, list[tuple[int, int, str]]] = {}
    for i in range(0, len(doc_ids), _SQL_IN_CHUNK):
        for d, st, en, speaker in (
            session.connection()
            .execute(
                select(Turn.document_id, Turn.start, Turn.end, Turn.speaker).where(
                    col(Turn.document_id).in_(doc_ids[i : i + _SQL_IN_CHUNK])
                )
            )
            .all()
        ):
            turns.setdefault(int(d), []).append((int(st), int(en), speaker))
    starts: dict[int, list[int]] = {}
    for d, rows in turns.items():
        rows.sort()
        starts[d] = [r[0] for r in rows]
    out: dict[tuple[int, int], str] = {}
    for d, hs, _ in spans:
        if d not in turns:
            continue
        rows = turns[d]
        k = bisect.bisect_right(starts[d], hs) - 1
        if k >= 0 and rows[k][0] <= hs < rows[k][1]:
            out[(d, hs)] = rows[k][2]
    return out


def split_query(query: str) -> list[tuple[str, str]]:
    """The query's words as ``(lower, lower)``, split exactly as documents are split.

    A query of plain words (letters only, as nearly every query is) splits at white space:
    the Danish tokenizer splits no such word further (``tests/test_search.py`` checks its
    exception table), so spaCy is not even imported for it. Anything else goes through the
    tokenizer itself (``nlp.pipeline.query_words``).
    """
    parts = query.split()
    if parts and all(part.isalpha() for part in parts):
        return [(part.lower(), part.lower()) for part in parts]
    return query_words(query, lemmas=False)


def search(
    project: Project,
    query: str,
    *,
    mode: str = "exact",
    fuzzy_score: float = DEFAULT_FUZZY_SCORE,
    document: str | int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    context_chars: int = CONTEXT_CHARS,
    progress: Progress = no_progress,
) -> SearchResult:
    """Find ``query`` in the project; documents not yet annotated are annotated first.

    ``mode`` is ``exact``, ``lemma`` or ``fuzzy`` (with ``fuzzy_score`` 0-100). ``limit``
    caps how many hits get context lines; ``total`` and per-document counts are complete.
    """
    if mode not in MODES:
        raise SearchError(f"unknown search mode {mode!r}", "Use exact, lemma or fuzzy.")
    if not 0 < fuzzy_score <= 100:
        raise SearchError(
            f"--fuzzy takes a score between 1 and 100, not {fuzzy_score:g}",
            "85 finds typos and compounds; lower finds more, and more noise.",
        )
    annotate_missing(project, progress)
    with project.session() as s:
        words = split_query(query)
        if not words:
            raise SearchError(
                f"the query {query!r} has no words to search for", "Give at least one word."
            )
        if len(words) > MAX_WORDS:
            raise SearchError(
                f"the query has {len(words)} words; a phrase may have at most {MAX_WORDS}",
                "Search for the most telling words of the passage.",
            )
        doc_filter, info = _documents_in_scope(s, document, kind)
        per_word, infos, variants = _word_terms(s, project.url, mode, words, fuzzy_score)
        matches = []
        if doc_filter is None or doc_filter:
            matches = _phrase_matches(s, per_word, infos, doc_filter)
        spans = [(d, st, en) for d, st, en, _, _ in matches]
        per_doc: dict[int, list[int]] = {}
        for d, st, _ in spans:
            per_doc.setdefault(d, []).append(st)
        documents = [
            DocumentCount(d, info[d][0], info[d][1], len(offs), offs)
            for d, offs in sorted(per_doc.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]
        # the best hits first (exact, inflections, compounds, typos by score), then the limit
        rank = MATCH_RANK if mode == "fuzzy" else _LEMMA_RANK
        ranked = sorted(matches, key=lambda m: (rank[m[3]], -m[4], m[0], m[1], m[2]))
        shown = ranked if limit is None else ranked[:limit]
        shown_spans = [(d, st, en) for d, st, en, _, _ in shown]
        contexts = _contexts(s, shown_spans, context_chars)
        speakers = _speakers(s, shown_spans)
        hits = []
        for d, st, en, how, score in shown:
            left, text, right = contexts.get((d, st, en), ("", "", ""))
            hit = SearchHit(d, info[d][0], info[d][1], st, en, text, left, right, score)
            hit.speaker = speakers.get((d, st))
            hit.match = how
            hits.append(hit)
    return SearchResult(query, mode, len(spans), hits, documents, variants, spans)


# In a lemma search, every inflection is as good as the form typed; compounds come after.
_LEMMA_RANK = {"exact": 0, "lemma": 0, "compound": 1, "fuzzy": 2}


def _word_terms(
    session: Session, url: str, mode: str, words: list[tuple[str, str]], fuzzy_score: float
) -> tuple[list[WordTerms], dict[int, TermInfo], list[dict[str, Any]]]:
    """Per query word the index terms it matches and how; the terms; the variants shown."""
    infos: dict[int, TermInfo] = {}
    per_word: list[WordTerms] = []
    variants: list[dict[str, Any]] = []
    if mode == "exact":
        for lower, _ in words:
            found = find_terms(session, "lower", [lower])
            infos.update(found)
            per_word.append({t: ("exact", 100.0) for t in found})
        return per_word, infos, variants
    if mode == "lemma":
        langs = _languages(session, url)
        for lower, _ in words:
            keys = sorted({lemma_key(lower, lang) for lang in langs})
            found = find_terms(session, "lemma", keys)
            terms: WordTerms = {t: ("lemma", 100.0) for t in found}
            compounds = _compounds(session, keys, langs)
            for t in compounds:
                terms.setdefault(t, ("compound", 100.0))
            infos.update(found)
            infos.update(compounds)
            per_word.append(terms)
            variants.append(
                {
                    "word": lower,
                    "lemmas": keys,
                    "compounds": sorted({c.lower for t, c in compounds.items() if t not in found}),
                }
            )
        return per_word, infos, variants
    lowers, variants = _fuzzy_variants(session, url, words, fuzzy_score)
    for kinds in lowers:
        found = find_terms(session, "lower", list(kinds))
        infos.update(found)
        per_word.append({t: kinds[term.lower] for t, term in found.items()})
    return per_word, infos, variants


MIN_COMPOUND_HEAD = 4  # a lemma this long or longer also finds compounds that end with it
MIN_COMPOUND_MODIFIER = 3  # the part before the head: at least this long, and a known word


def _compounds(session: Session, keys: list[str], langs: list[str]) -> dict[int, TermInfo]:
    """Terms whose lemma is a compound ending in one of ``keys``: ``kræftopfølgningsplan``
    for ``opfølgningsplan``. The head must be the query's whole lemma at the end, at least
    ``MIN_COMPOUND_HEAD`` letters; the part before it a known word (with or without a
    linking ``s``/``e``) of at least ``MIN_COMPOUND_MODIFIER`` letters — so ``hjemmeside``
    is no hit for ``hjemme`` (the query is not its head) and ``aftale`` none for ``tale``.
    """
    out: dict[int, TermInfo] = {}
    for key in keys:
        if len(key) < MIN_COMPOUND_HEAD or not key.isalpha():
            continue
        for term_id, term in compound_terms(session, key).items():
            modifier = term.lemma[: -len(key)]
            if _known_modifier(modifier, langs):
                out[term_id] = term
    return out


def _known_modifier(modifier: str, langs: list[str]) -> bool:
    if len(modifier) < MIN_COMPOUND_MODIFIER or not modifier.isalpha():
        return False
    candidates = [modifier]
    if modifier[-1] in "se" and len(modifier) - 1 >= MIN_COMPOUND_MODIFIER:
        candidates.append(modifier[:-1])
    return any(lemmatizer(lang).known(c) for c in candidates for lang in langs)


def _fuzzy_variants(
    session: Session, url: str, words: list[tuple[str, str]], fuzzy_score: float
) -> tuple[list[dict[str, tuple[str, float]]], list[dict[str, Any]]]:
    """Per query word: the corpus words it matches in fuzzy mode, and how each matches.

    A word matches itself (``exact``), any word of the same lemma (``lemma``), longer
    words that contain it (``compound``) and words within a few typos (``fuzzy``).
    """
    vocab = _vocabulary(session, url)
    langs = _languages(session, url)
    per_word: list[dict[str, tuple[str, float]]] = []
    variants: list[dict[str, Any]] = []
    for lower, _ in words:
        found: dict[str, tuple[str, float]] = {}
        for w, v in fuzzy_word_matches(lower, vocab, fuzzy_score).items():
            compound = len(w) > len(lower) and v >= 100.0
            found[w] = ("compound" if compound else "fuzzy", float(v))
        keys = sorted({lemma_key(lower, lang) for lang in langs})
        for term in find_terms(session, "lemma", keys).values():
            found[term.lower] = ("lemma", 100.0)
        found[lower] = ("exact", 100.0)
        ranked = sorted(found.items(), key=lambda kv: (MATCH_RANK[kv[1][0]], -kv[1][1], kv[0]))
        per_word.append(dict(ranked))
        variants.append(
            {
                "word": lower,
                "lemmas": keys,
                "matches": [
                    {"word": w, "match": kind, "score": round(v, 1)} for w, (kind, v) in ranked
                ],
            }
        )
    return per_word, variants


def code_hits(
    project: Project,
    result: SearchResult,
    code: str,
    coder: str,
) -> dict[str, Any]:
    """Code every hit of a search (origin ``search``) as one undoable action.

    Hits already coded with that code on exactly that span are skipped, so running the
    same search twice does not double the codings.
    """
    with project.transaction() as s:
        code_row = resolve_code(s, code)
        who = get_or_create_coder(s, coder)
        existing = {
            (c.document_id, c.start, c.end)
            for c in s.exec(select(Coding).where(Coding.code_id == code_row.id))
        }
        added: list[Coding] = []
        skipped = 0
        for d, st, en in result.spans:
            if (d, st, en) in existing:
                skipped += 1
                continue
            existing.add((d, st, en))
            coding = Coding(
                document_id=d,
                code_id=stored_id(code_row),
                coder_id=stored_id(who),
                start=st,
                end=en,
                origin="search",
            )
            s.add(coding)
            added.append(coding)
        if added:
            record_action(
                s,
                coder,
                f"code {len(added)} search hits of {result.query!r} with {code_row.key}",
                added=added,
            )
        return {"code": code_row.key, "coded": len(added), "skipped": skipped}
