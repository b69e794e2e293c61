"""The spaCy pipeline: words, lemmas, sentences and stop words, without any model download.

One pipeline per language (``spacy.blank`` + the lookup lemmatizer from
``spacy-lookups-data`` + a sentencizer), built once per process. Annotation runs at import
and is stored (tables ``Token`` and ``Sentence``) so search never re-runs spaCy over the
corpus.

The lookup table knows common inflections but not the free compounds Danish makes
(``palliationen``, ``uspecifikke``, ``pakkeforløbet``). For a word the table does not know we
strip a common inflectional suffix and undouble a final consonant, and use the result as the
word's lemma. The same function lemmatises a query, so query and corpus always agree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

#: Bump when annotation changes, so stored tokens are rebuilt (``annotate_missing``).
NLP_VERSION = "qc-nlp-1"
LANGUAGES = ("da", "en")
BATCH_SIZE = 16

# Longest first; applied only to words the lookup table does not know.
_DA_SUFFIXES = (
    "erendes", "ernes", "erens", "endes", "erne", "ende", "ene", "ens", "ers", "ets", "eres",
    "ere", "er", "en", "et", "es", "e", "s",
)  # fmt: skip
_EN_SUFFIXES = ("'s", "ies", "es", "s")
_MIN_STEM = 4
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_lock = threading.Lock()


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else "da"


@lru_cache(maxsize=4)
def get_pipeline(lang: str = "da") -> Language:
    """The cached spaCy pipeline for ``da`` or ``en`` (anything else falls back to ``da``)."""
    import spacy

    with _lock:
        nlp = spacy.blank(_language(lang))
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.add_pipe("sentencizer")
        nlp.initialize()
        return nlp


class Lemmatizer:
    """Lemma keys for words of one language: the lookup table, then suffix stripping."""

    def __init__(self, lang: str) -> None:
        self.lang = _language(lang)
        nlp = get_pipeline(self.lang)
        self._table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self.stop_words = frozenset(nlp.Defaults.stop_words)
        self._suffixes = _DA_SUFFIXES if self.lang == "da" else _EN_SUFFIXES
        self.key = lru_cache(maxsize=500_000)(self._key)

    def known(self, word: str) -> bool:
        return word in self._table

    def _key(self, word: str) -> str:
        """The lemma key of one word (case-insensitive; lower-case fallback first)."""
        lemma = self._table.get(word)
        lower = word.lower()
        if lemma is None and lower != word:
            lemma = self._table.get(lower)
        if lemma is not None:
            return str(lemma).lower()
        if not any(ch.isalpha() for ch in lower):
            return lower
        return self._strip(lower)

    def _strip(self, lower: str) -> str:
        for suffix in self._suffixes:
            if lower.endswith(suffix) and len(lower) - len(suffix) >= _MIN_STEM:
                stem = lower[: -len(suffix)]
                known = self._table.get(stem)
                if known is not None:
                    return str(known).lower()
                if self.lang == "da" and len(stem) > 2 and stem[-1] == stem[-2]:
                    if stem[-1] in _CONSONANTS:
                        stem = stem[:-1]
                return stem
        return lower


@lru_cache(maxsize=4)
def lemmatizer(lang: str = "da") -> Lemmatizer:
    """The cached lemmatizer for a language."""
    return Lemmatizer(_language(lang))


def lemma_key(word: str, lang: str = "da") -> str:
    """The key under which a word is indexed and searched (its lemma, in lower case)."""
    return lemmatizer(lang).key(word)


@dataclass
class Annotation:
    """What the pipeline found in one text: words (no punctuation) and sentences.

    ``tokens`` rows are ``(ordinal, start, end, lower, lemma, is_stop)``. Ordinals count words
    and punctuation (not white space), so words separated by punctuation are not adjacent in a
    phrase search while a line break or double space does not break one.
    """

    language: str
    tokens: list[tuple[int, int, int, str, str, bool]] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    @property
    def words(self) -> int:
        return len(self.tokens)


def _sentences(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans trimmed of whitespace and also split at line breaks (speaker turns)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        piece_start = start
        while piece_start < end:
            newline = text.find("\n", piece_start, end)
            piece_end = end if newline == -1 else newline
            a, b = piece_start, piece_end
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                out.append((a, b))
            piece_start = piece_end + 1
    return out


def _annotate_doc(doc: object, text: str, lang: str) -> Annotation:
    lem = lemmatizer(lang)
    key = lem.key
    stops = lem.stop_words
    rows = []
    ordinal = 0
    for tok in doc:  # type: ignore[attr-defined]
        if tok.is_space:
            continue
        ordinal += 1
        if tok.is_punct:
            continue  # a gap in the ordinals: punctuation breaks a phrase
        word = tok.text
        lower = word.lower()
        start = tok.idx
        rows.append((ordinal, start, start + len(word), lower, key(word), lower in stops))
    sents = _sentences(text, ((s.start_char, s.end_char) for s in doc.sents))  # type: ignore[attr-defined]
    return Annotation(language=lang, tokens=rows, sentences=sents)


def annotate_text(text: str, lang: str = "da") -> Annotation:
    """Annotate one text (tokenizer + sentencizer; lemmas from the cached ``Lemmatizer``)."""
    lang = _language(lang)
    nlp = get_pipeline(lang)
    with nlp.select_pipes(disable=["lemmatizer"]):
        doc = nlp(text)
    return _annotate_doc(doc, text, lang)


def annotate_texts(
    items: list[tuple[str, str]], batch_size: int = BATCH_SIZE
) -> Iterator[Annotation]:
    """Annotate ``(text, lang)`` pairs in ``nlp.pipe`` batches; yields in the given order."""
    i = 0
    while i < len(items):
        lang = _language(items[i][1])
        j = i
        while j < len(items) and _language(items[j][1]) == lang:
            j += 1
        nlp = get_pipeline(lang)
        texts = [t for t, _ in items[i:j]]
        with nlp.select_pipes(disable=["lemmatizer"]):
            for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
                yield _annotate_doc(doc, text, lang)
        i = j


def query_words(query: str, lang: str = "da") -> list[tuple[str, str]]:
    """A query split the way documents are: ``(lower, lemma)`` per word, punctuation dropped."""
    ann = annotate_text(query, lang)
    return [(row[3], row[4]) for row in ann.tokens]
