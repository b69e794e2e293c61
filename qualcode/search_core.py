"""The search itself, over plain SQL: the same statements on the full path and the light one.

``search.search`` runs it on an ORM session (either backend) after annotating what is
missing; a read-only CLI search on a current SQLite project runs it on ``store.light``
with ``sqlite3`` alone (``cli/search.py``), so a lemma search answers without importing
SQLAlchemy or spaCy. What the modes mean is told in ``qualcode.search``.

The index (``nlp.store``: ``term`` rows of form and lemma key, ``posting`` rows of where
each occurs, encoded by ``postings``) is read here with the statements below; phrases
are matched in Python.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from qualcode.errors import QualcodeError
from qualcode.nlp.pipeline import NLP_VERSION, lemma_key, lemmatizer, query_words
from qualcode.nlp.tokenize import is_punct, tokenizer
from qualcode.postings import decode
from qualcode.search_rows import DocumentCount, SearchHit, SearchResult
from qualcode.store.light import Reader, chunked, in_list, rows_in

MODES = ("exact", "lemma", "fuzzy")
DEFAULT_FUZZY_SCORE = 85.0
CONTEXT_CHARS = 60
MAX_WORDS = 8
_MIN_TYPO = 5  # a query word shorter than this matches only itself in fuzzy mode
_INNER_COMPOUND = 7  # from this length a query word may also sit inside a compound
_FUZZY_COMPOUND = 8  # from this length a compound's first/last part may carry a typo
# How a fuzzy-mode hit matched, best first: hits are shown in this order, then by score.
MATCH_RANK = {"exact": 0, "lemma": 1, "compound": 2, "fuzzy": 3}


class SearchError(QualcodeError):
    """A query that cannot be run (empty, too long, bad score)."""


# ----------------------------------------------------------------------------------------
# Reading the index


@dataclass(frozen=True)
class TermInfo:
    """One term of the index: its form, lemma key and stop-word flag."""

    lower: str
    lemma: str
    is_stop: bool


_USED = "EXISTS (SELECT 1 FROM posting WHERE posting.term_id = term.id)"
_TERMS = "SELECT id, lower, lemma, is_stop FROM term WHERE {column} IN ({values}) AND " + _USED
_COMPOUNDS = (
    "SELECT id, lower, lemma, is_stop FROM term WHERE lemma LIKE :pattern ESCAPE '\\'"
    " AND lemma != :head AND " + _USED
)
_POSTINGS = "SELECT document_id, term_id, data FROM posting WHERE term_id IN ({terms})"
_COUNT = "SELECT coalesce(sum(posting.count), 0) FROM posting WHERE term_id IN ({terms})"
_IN_DOCUMENTS = " AND document_id IN ({documents})"
_VOCABULARY = "SELECT DISTINCT lower FROM term WHERE " + _USED
_INDEX_STAMP = "SELECT count(*), coalesce(sum(posting.count), 0) FROM posting"
_DOCUMENTS = "SELECT id, title, kind FROM document"
_DOCUMENT_STAMP = "SELECT max(id), count(id) FROM document"
_LANGUAGES = "SELECT DISTINCT language FROM document"
_TEXTS = "SELECT id, text FROM document WHERE id IN ({documents})"
_TURNS = 'SELECT document_id, start, "end", speaker FROM turn WHERE document_id IN ({values})'
_STALE = "SELECT count(*) FROM document WHERE nlp_version IS NULL OR nlp_version != :version"


def _terms(rows: Iterable[tuple[Any, ...]]) -> dict[int, TermInfo]:
    return {int(t): TermInfo(str(lower), str(lemma), bool(stop)) for t, lower, lemma, stop in rows}


def find_terms(reader: Reader, column: str, values: list[str]) -> dict[int, TermInfo]:
    """Terms that occur whose ``lower`` (or ``lemma``, by ``column``) is one of ``values``."""
    name = "lemma" if column == "lemma" else "lower"
    sql = _TERMS.format(column=name, values="{values}")
    return _terms(rows_in(reader, sql, sorted(set(values))))


def compound_terms(reader: Reader, head: str) -> dict[int, TermInfo]:
    """Terms (that occur) whose lemma ends with ``head`` and is longer than it."""
    pattern = "%" + head.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _terms(reader.rows(_COMPOUNDS, {"pattern": pattern, "head": head}))


def _where_documents(
    sql: str, terms: list[int], doc_filter: list[int] | None
) -> tuple[str, dict[str, Any]]:
    placeholders, params = in_list("t", terms)
    sql = sql.format(terms=placeholders)
    if doc_filter is not None:
        documents, more = in_list("d", doc_filter)
        sql += _IN_DOCUMENTS.format(documents=documents)
        params.update(more)
    return sql, params


def occurrences(
    reader: Reader, terms: dict[int, TermInfo], doc_filter: list[int] | None = None
) -> Iterator[tuple[int, int, int, int, int]]:
    """``(document_id, ordinal, start, end, term_id)`` of every occurrence of these terms
    (in no particular order), in the documents of ``doc_filter`` if given."""
    for chunk in chunked(sorted(terms)):
        for doc_id, term_id, data in reader.rows(*_where_documents(_POSTINGS, chunk, doc_filter)):
            length = len(terms[int(term_id)].lower)
            for ordinal, start, end in decode(bytes(data), length):
                yield int(doc_id), ordinal, start, end, int(term_id)


def count_occurrences(
    reader: Reader, term_list: Iterable[int], doc_filter: list[int] | None = None
) -> int:
    """How often these terms occur (in ``doc_filter``'s documents if given)."""
    total = 0
    for chunk in chunked(sorted(set(term_list))):
        total += int(reader.rows(*_where_documents(_COUNT, chunk, doc_filter))[0][0] or 0)
    return total


def needs_annotation(reader: Reader) -> bool:
    """Whether a document lacks current annotation (the full path annotates it first)."""
    return int(reader.rows(_STALE, {"version": NLP_VERSION})[0][0]) > 0


# ----------------------------------------------------------------------------------------
# Vocabulary (for fuzzy matching), cached per project until the index changes


_vocab_cache: dict[str, tuple[tuple[int, int], list[str]]] = {}


def _vocabulary(reader: Reader, url: str) -> list[str]:
    row = reader.rows(_INDEX_STAMP)[0]
    stamp = (int(row[0] or 0), int(row[1] or 0))
    cached = _vocab_cache.get(url)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    words = [str(w) for (w,) in reader.rows(_VOCABULARY) if w]
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
    reader: Reader,
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
    counts = [count_occurrences(reader, terms, doc_filter) for terms in per_word]
    if min(counts) == 0:
        return []
    pivot = counts.index(min(counts))
    base = list(occurrences(reader, {t: infos[t] for t in per_word[pivot]}, doc_filter))
    docs = sorted({d for d, *_ in base})
    where: list[dict[tuple[int, int], tuple[int, int, int]]] = []
    for i, terms in enumerate(per_word):
        if i == pivot:
            where.append({})
            continue
        where.append(
            {
                (d, o): (s, e, t)
                for d, o, s, e, t in occurrences(reader, {t: infos[t] for t in terms}, docs)
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
    reader: Reader, document_id: int | None, kind: str | None
) -> tuple[list[int] | None, dict[int, tuple[str, str]]]:
    info = {int(i): (str(t), str(k)) for i, t, k in reader.rows(_DOCUMENTS) if i is not None}
    if document_id is None and kind is None:
        return None, info
    ids = [document_id] if document_id is not None else list(info)
    if kind is not None:
        ids = [i for i in ids if info[i][1] == kind]
    return ids, info


_language_cache: dict[str, tuple[tuple[int, int], list[str]]] = {}


def _languages(reader: Reader, url: str) -> list[str]:
    """Languages whose lemmas a query needs: Danish, and English if any document is.

    Cached until documents are added or removed (reading ``language`` walks past each
    document's text on SQLite).
    """
    stamp_row = reader.rows(_DOCUMENT_STAMP)[0]
    stamp = (int(stamp_row[0] or 0), int(stamp_row[1] or 0))
    cached = _language_cache.get(url)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    langs = {str(lang) for (lang,) in reader.rows(_LANGUAGES) if lang is not None}
    result = ["da"] + (["en"] if "en" in langs else [])
    result += sorted(lang for lang in langs if lang and lang not in result)  # keyed by form
    _language_cache[url] = (stamp, result)
    return result


def _contexts(
    reader: Reader, spans: list[tuple[int, int, int]], chars: int
) -> dict[tuple[int, int, int], tuple[str, str, str]]:
    """Left context, matched text and right context for each span (texts read once each)."""
    out: dict[tuple[int, int, int], tuple[str, str, str]] = {}
    for chunk in chunked(sorted({d for d, _, _ in spans})):
        placeholders, params = in_list("d", chunk)
        texts = {
            int(i): str(t) for i, t in reader.rows(_TEXTS.format(documents=placeholders), params)
        }
        for d, s, e in spans:
            if d not in texts:
                continue
            text = texts[d]
            left = text[max(0, s - chars) : s].replace("\n", " ")
            right = text[e : e + chars].replace("\n", " ")
            out[(d, s, e)] = (left, text[s:e].replace("\n", " "), right)
    return out


def _speakers(reader: Reader, spans: list[tuple[int, int, int]]) -> dict[tuple[int, int], str]:
    """The speaker label of the turn each hit starts in (interviews), by (document, start)."""
    turns: dict[int, list[tuple[int, int, str]]] = {}
    for d, st, en, speaker in rows_in(reader, _TURNS, sorted({d for d, _, _ in spans})):
        turns.setdefault(int(d), []).append((int(st), int(en), str(speaker)))
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


# What ``nlp.pipeline.query_words`` splits by a regular expression of its own (a word of
# letters, with inner hyphens or apostrophes, or of digits, then ``,;:!?``): the same here.
_PLAIN_PART = re.compile(r"([^\W\d_]+(?:['-][^\W\d_]+)*|[0-9]+)[,;:!?]*")


def split_query(query: str) -> list[tuple[str, str]]:
    """The query's words as ``(lower, lower)``, split exactly as documents are split.

    Plain words (``query_words``' own fast path) are split without any tokenizer; anything
    else (``nr. 12``, ``og/eller``) by ``nlp.tokenize``, spaCy's tokenizer rules run
    without spaCy (``tests/search/test_query_split.py`` holds both to spaCy's tokens), so
    no search imports spaCy."""
    if all(_PLAIN_PART.fullmatch(part) for part in query.split()):
        return query_words(query, lemmas=False)
    words = []
    for _start, orth in tokenizer("da").tokens(query):
        if not orth.isspace() and not is_punct(orth):
            words.append((orth.lower(), orth.lower()))
    return words


def check_options(mode: str, fuzzy_score: float) -> None:
    """Refuse an unknown mode or a fuzzy score out of range."""
    if mode not in MODES:
        raise SearchError(f"unknown search mode {mode!r}", "Use exact, lemma or fuzzy.")
    if not 0 < fuzzy_score <= 100:
        raise SearchError(
            f"--fuzzy takes a score between 1 and 100, not {fuzzy_score:g}",
            "85 finds typos and compounds; lower finds more, and more noise.",
        )


def checked_words(query: str) -> list[tuple[str, str]]:
    """The query's words, or a clear refusal (none, or more than a phrase may have)."""
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
    return words


def search_with(
    reader: Reader,
    url: str,
    query: str,
    *,
    mode: str = "exact",
    fuzzy_score: float = DEFAULT_FUZZY_SCORE,
    document_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    context_chars: int = CONTEXT_CHARS,
) -> SearchResult:
    """Find ``query`` through ``reader`` (the index must be current: ``needs_annotation``).

    ``url`` names the project for this process's caches; ``document_id`` and ``kind``
    (already checked by the caller) narrow the documents searched.
    """
    check_options(mode, fuzzy_score)
    words = checked_words(query)
    doc_filter, info = _documents_in_scope(reader, document_id, kind)
    per_word, infos, variants = _word_terms(reader, url, mode, words, fuzzy_score)
    matches = []
    if doc_filter is None or doc_filter:
        matches = _phrase_matches(reader, per_word, infos, doc_filter)
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
    contexts = _contexts(reader, shown_spans, context_chars)
    speakers = _speakers(reader, shown_spans)
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
    reader: Reader, url: str, mode: str, words: list[tuple[str, str]], fuzzy_score: float
) -> tuple[list[WordTerms], dict[int, TermInfo], list[dict[str, Any]]]:
    """Per query word the index terms it matches and how; the terms; the variants shown."""
    infos: dict[int, TermInfo] = {}
    per_word: list[WordTerms] = []
    variants: list[dict[str, Any]] = []
    if mode == "exact":
        for lower, _ in words:
            found = find_terms(reader, "lower", [lower])
            infos.update(found)
            per_word.append({t: ("exact", 100.0) for t in found})
        return per_word, infos, variants
    if mode == "lemma":
        langs = _languages(reader, url)
        for lower, _ in words:
            keys = sorted({lemma_key(lower, lang) for lang in langs})
            found = find_terms(reader, "lemma", keys)
            terms: WordTerms = {t: ("lemma", 100.0) for t in found}
            compounds = _compounds(reader, keys, langs)
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
    lowers, variants = _fuzzy_variants(reader, url, words, fuzzy_score)
    for kinds in lowers:
        found = find_terms(reader, "lower", list(kinds))
        infos.update(found)
        per_word.append({t: kinds[term.lower] for t, term in found.items()})
    return per_word, infos, variants


MIN_COMPOUND_HEAD = 4  # a lemma this long or longer also finds compounds that end with it
MIN_COMPOUND_MODIFIER = 3  # the part before the head: at least this long, and a known word


def _compounds(reader: Reader, keys: list[str], langs: list[str]) -> dict[int, TermInfo]:
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
        for term_id, term in compound_terms(reader, key).items():
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
    reader: Reader, url: str, words: list[tuple[str, str]], fuzzy_score: float
) -> tuple[list[dict[str, tuple[str, float]]], list[dict[str, Any]]]:
    """Per query word: the corpus words it matches in fuzzy mode, and how each matches.

    A word matches itself (``exact``), any word of the same lemma (``lemma``), longer
    words that contain it (``compound``) and words within a few typos (``fuzzy``).
    """
    vocab = _vocabulary(reader, url)
    langs = _languages(reader, url)
    per_word: list[dict[str, tuple[str, float]]] = []
    variants: list[dict[str, Any]] = []
    for lower, _ in words:
        found: dict[str, tuple[str, float]] = {}
        for w, v in fuzzy_word_matches(lower, vocab, fuzzy_score).items():
            compound = len(w) > len(lower) and v >= 100.0
            found[w] = ("compound" if compound else "fuzzy", float(v))
        keys = sorted({lemma_key(lower, lang) for lang in langs})
        for term in find_terms(reader, "lemma", keys).values():
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
