"""The spaCy pipeline: words, lemmas, sentences and stop words, without any model download.

Annotation tokenises with spaCy's blank tokenizer and sentencizer rules run by
``nlp.tokenize`` (the same tokens without importing spaCy or building a pipeline) and takes
lemmas from the lookup table of ``spacy-lookups-data``. It runs at import (or later,
``nlp.store.annotate_missing``) and is stored (the search index and ``Sentence``) so search
never re-tokenises the corpus.

The lookup table (``spacy-lookups-data``, read through ``lemma_table`` so a process opens it
in a millisecond instead of loading 220 MB) knows common inflections but not the free
compounds Danish makes (``palliationen``, ``hjemmebaserede``). For a word the table does not
know we take the lemma of its longest known last part (``kræftopfølgningsplanen`` ->
``kræftopfølgningsplan``), the infinitive of an ``-ere`` verb form (``hjemmebaseret``,
``hjemmebaserede`` -> ``hjemmebasere``), or strip a common inflectional suffix. A short list
of function words keeps its own lemma (``tidligere`` is not ``tidlig``). The same function
lemmatises a query, so query and corpus always agree; ``benchmarks/nlp.py paradigms``
measures it on a list of domain paradigms.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.nlp.language import FUNCTION_WORDS
from qualcode.nlp.lemma_rules import resolve
from qualcode.nlp.lemma_table import lemma_table
from qualcode.nlp.tokenize import is_punct, punct_chars, tokenizer

if TYPE_CHECKING:
    from spacy.language import Language

#: Bump when annotation changes, so stored tokens are rebuilt (``annotate_missing``).
NLP_VERSION = "qc-nlp-5"  # 4: shared forms get their lemma from the word before; 5: soft
# hyphens and zero-width joiners inside a word are not part of its form (``_lexeme``)
LANGUAGES = ("da", "en")
BATCH_SIZE = 16
CHUNK_CHARS = 20_000  # characters per piece handed to spaCy

# Longest first; applied only to words the lookup table does not know.
_DA_SUFFIXES = (
    "erendes", "ernes", "erens", "endes", "erne", "ende", "ene", "ens", "ers", "ets", "eres",
    "ere", "er", "en", "et", "es", "e", "s",
)  # fmt: skip
_EN_SUFFIXES = ("'s", "ies", "es", "s")
# Function words and adverbs the lookup table gives a wrong or misleading lemma: "når"
# (when) is not "nå" (reach), "både" (both) not "båd" (boat), "tidligere" (previously) is
# not evidence for "tidlig" (early).
_DA_EXCEPTIONS = {
    "når": "når", "både": "både", "svært": "svær", "svære": "svær", "tidligere": "tidligere",
    "senere": "senere", "grupper": "gruppe", "grupperne": "gruppe", "tætte": "tæt",
    "hørt": "høre", "centre": "center", "centrene": "center", "mere": "mere", "mest": "mest",
    "flere": "flere", "fleste": "flest", "bedre": "bedre", "bedst": "bedst", "tog": "tage",
    "så": "så", "blev": "blive", "været": "være", "var": "være",
    # the table gives a noun (or another word) for these verb forms: "tage" is not "tag"
    # (roof), "talte" not "tælle" (count), "tolkes" not "tolk" (interpreter)
    "tage": "tage", "tages": "tage", "taget": "tage", "skabe": "skabe", "skabes": "skabe",
    "ringe": "ringe", "ringes": "ringe", "tolke": "tolke", "tolkes": "tolke", "deles": "dele",
    "talt": "tale", "talte": "tale", "finansierer": "finansiere",
    # ... and a verb or another word for these nouns and adjectives
    "borger": "borger", "forsker": "forsker", "analyser": "analyse", "klar": "klar",
    "ulige": "ulig", "lokale": "lokal", "centret": "center", "pakkerne": "pakke",
    "tids": "tid", "tolkerne": "tolk",
    # the table gives "eg" (oak) and "egn" (region): "egen læge", "egne læger", "eget hjem"
    "egen": "egen", "eget": "egen", "egne": "egen",
}  # fmt: skip
# Plural endings of noun suffixes that are never anything else: the table sometimes lists a
# compound's plural as its own lemma ("borgerrettigheder").
_DA_PLURALS = (("hederne", 5), ("heder", 2), ("ningerne", 5), ("ninger", 2))
_MIN_TAIL = 5  # shortest known word a compound may end in
_DA_PREFIXES = frozenset({"u", "mis", "gen", "van"})  # prefixes a known word may carry
_MIN_STEM = 4
_MIN_LINKED_HEAD = 7  # an unknown head this long ending in a linking "s" starts a compound
_MIN_LINKED_TAIL = 6  # ... of a known last part this long ("palliations" + "indsats")


def _linked_head(head: str, tail: str) -> bool:
    """An unknown head that still marks a compound: long, ending in the linking ``s``, before
    a long known last part (the table lacks many domain nouns: ``palliations`` +
    ``indsats``; ``vævsagnos`` + ``tiske`` is too short a tail to count)."""
    return (
        len(head) >= _MIN_LINKED_HEAD
        and len(tail) >= _MIN_LINKED_TAIL
        and head[-1] == "s"
        and head[-2] != "s"
    )


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_lock = threading.Lock()


# Codes people and other tools write for a language spaCy knows by another code.
_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "dan": "da", "eng": "en"}


def _language(lang: str) -> str:
    """The spaCy language for a stored language code: ``da`` and ``en`` (which have lemmas)
    as they are, ``da`` when none is given; another language ``nlp.language`` detects
    (de, sv, nb, hu, ...; ``no``/``nn`` are taken as ``nb``) as itself, tokenised by its
    own rules and keyed by word form (``Lemmatizer`` lemmatises only ``LANGUAGES``); any
    other code as ``xx``, spaCy's language-neutral tokenizer. Never Danish rules for a
    language that is not Danish."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    code = _LANGUAGE_ALIASES.get(code, code)
    if not code or code in LANGUAGES:
        return code or "da"
    return code if code in FUNCTION_WORDS else "xx"


@lru_cache(maxsize=4)
def get_pipeline(lang: str = "da") -> Language:
    """The cached spaCy pipeline for ``da`` or ``en`` (anything else falls back to ``da``):
    blank tokenizer, lookup lemmatizer and sentencizer.

    Annotation builds no pipeline (``nlp.tokenize``); lemmas come from ``Lemmatizer``
    (cached per word form). Loading this pipeline's table takes a second or two, so an
    exact or fuzzy query never loads it.
    """
    import spacy

    with _lock:
        nlp = spacy.blank(_language(lang))
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.add_pipe("sentencizer")
        nlp.initialize()
        return nlp


@lru_cache(maxsize=4)
def tokenizer_pipeline(lang: str = "da") -> Language:
    """The same language's tokenizer and sentencizer without the lemmatizer (cheap to load)."""
    import spacy

    with _lock:
        nlp = spacy.blank(_language(lang))
        nlp.add_pipe("sentencizer")
        nlp.initialize()
        return nlp


class Lemmatizer:
    """Lemma keys for words of one language: exceptions, the lookup table (opened from its
    compact cached form, ``lemma_table``), compounds, then suffix stripping."""

    def __init__(self, lang: str) -> None:
        self.lang = _language(lang)
        # A language without lemmas gets an empty table ("xx" has none): keys are word forms.
        self._table = lemma_table(self.lang if self.lang in LANGUAGES else "xx")
        self._suffixes = _DA_SUFFIXES if self.lang == "da" else _EN_SUFFIXES
        self.key = lru_cache(maxsize=500_000)(self._key)

    @cached_property
    def stop_words(self) -> frozenset[str]:
        """spaCy's stop words of the language, read on first use (``stop_words``)."""
        return stop_words(self.lang)

    def known(self, word: str) -> bool:
        return word in self._table

    def _key(self, word: str) -> str:
        """The lemma key of one word (case-insensitive; lower-case fallback first).

        Order: the exceptions, the lookup table, a compound whose last part the table knows
        (``kræftopfølgningsplanen`` -> ``kræftopfølgning`` + ``plan``; ``hjemmebaserede``
        and ``hjemmebaseret`` -> ``hjemmebasere``), then suffix stripping.
        """
        lower = word.lower()
        if self.lang not in LANGUAGES:
            return lower  # no lemmas for this language: never Danish or English rules
        if self.lang == "da" and lower in _DA_EXCEPTIONS:
            return _DA_EXCEPTIONS[lower]
        lemma = self._table.get(word)
        if lemma is None and lower != word:
            lemma = self._table.get(lower)
        if lemma is not None:
            key = str(lemma).lower()
            if self.lang == "da":
                for ending, cut in _DA_PLURALS:
                    if key.endswith(ending) and len(key) > len(ending) + 2:
                        return key[:-cut]
            return key
        if not any(ch.isalpha() for ch in lower):
            return lower
        known = self._strip_known(lower)
        if known is not None:
            return known
        if self.lang == "da":
            compound = self._compound(lower)
            if compound is not None:
                return compound
        return self._strip(lower)

    def _strip_known(self, lower: str) -> str | None:
        """The lemma of a stem the table knows, after an inflectional suffix (with or
        without a final ``e``: ``mistanker`` -> ``mistanke``)."""
        for suffix in self._suffixes:
            if lower.endswith(suffix) and len(lower) - len(suffix) >= _MIN_STEM:
                stem = lower[: -len(suffix)]
                for candidate in (stem, stem + "e") if self.lang == "da" else (stem,):
                    known = self._table.get(candidate)
                    if known is not None:
                        return str(known).lower()
        return None

    def _head_known(self, head: str) -> bool:
        """Whether ``head`` can start a compound: a known word or prefix, or a known word
        with a linking ``s`` or ``e``."""
        if head in _DA_PREFIXES or head in self._table:
            return True
        return len(head) > 3 and head[-1] in "se" and head[:-1] in self._table

    def _compound(self, lower: str) -> str | None:
        """The lemma of an unknown compound from its longest known last part."""
        for i in range(1, len(lower) - _MIN_TAIL + 1):
            tail = lower[i:]
            lemma = self._table.get(tail)
            if lemma is None or len(lemma) < _MIN_TAIL:
                continue  # "epik" + "riser" (-> "rise") is no compound: the lemma is too short
            head = lower[:i]
            if not self._head_known(head) and not _linked_head(head, tail):
                continue
            key = _DA_EXCEPTIONS.get(tail, str(lemma).lower())
            return lower[:i] + key
        return None

    def _strip(self, lower: str) -> str:
        if self.lang == "da":
            verb = _ere_verb(lower)
            if verb is not None:
                return verb
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


_ERE_FORMS = (
    ("erede", 3), ("erende", 4), ("eret", 2), ("erer", 1), ("eres", 1), ("ere", 0),
)  # fmt: skip


def _ere_verb(lower: str) -> str | None:
    """The infinitive of an unknown ``-ere`` verb's forms and participles: ``sekventerede``,
    ``sekventeret``, ``hjemmebaserede`` -> ``sekventere``, ``hjemmebasere``."""
    for ending, cut in _ERE_FORMS:
        if lower.endswith(ending) and len(lower) - len(ending) >= _MIN_STEM:
            if cut == 0:
                return lower  # the infinitive itself
            return lower[:-cut] + "e" if cut > 1 else lower[:-1]
    return None


@lru_cache(maxsize=4)
def lemmatizer(lang: str = "da") -> Lemmatizer:
    """The cached lemmatizer for a language."""
    return Lemmatizer(_language(lang))


def lemma_key(word: str, lang: str = "da") -> str:
    """The key under which a word is indexed and searched (its lemma, in lower case)."""
    return lemmatizer(lang).key(word)


@lru_cache(maxsize=8)
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for a language (``Defaults.stop_words``), without importing spaCy.

    Building a pipeline to read them costs about a second (``import spacy`` and the
    tokenizer); spaCy keeps them as a plain data file, ``spacy/lang/<lang>/stop_words.py``,
    that imports nothing, so it is run on its own for its ``STOP_WORDS``. A language whose
    file is missing or not of that shape is read through the pipeline after all.
    ``tests/nlp/test_stop_words.py`` holds both ways to the same set.
    """
    code = _language(lang)
    spec = importlib.util.find_spec("spacy")  # finds the package without importing it
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "lang" / code / "stop_words.py"
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            source = ""
        if source and not _IMPORTS.search(source):
            namespace: dict[str, Any] = {}
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - spaCy's own data
            found = namespace.get("STOP_WORDS")
            if isinstance(found, set | frozenset):
                return frozenset(str(w) for w in found)
    return frozenset(tokenizer_pipeline(code).Defaults.stop_words)


_IMPORTS = re.compile(r"^\s*(import|from)\s", re.M)


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


def _chunks(text: str, size: int | None = None) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most about ``size`` characters, cut at a paragraph
    break, else a line break, else white space — spaCy refuses texts over a million
    characters, and pieces let ``nlp.pipe`` batch the work of one long document."""
    size = size or CHUNK_CHARS
    pieces: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    while n - start > size:
        window_end = start + size
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, start + size // 2, window_end)
            if cut != -1:
                cut += len(sep)
                break
        if cut == -1:
            cut = window_end
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


# (length, lower, lemma key, is_stop, is_punct, is_space, ends a sentence)
_Lexeme = tuple[int, str, str, bool, bool, bool, bool]
_LEXEME_CACHE: dict[str, dict[str, _Lexeme]] = {}
# a run of text -> its tokens as (offset in the run, lexeme), and whether a special case
# may join tokens across runs (then the piece is tokenised whole)
_RUN_CACHE: dict[str, dict[str, tuple[tuple[tuple[int, _Lexeme], ...], bool]]] = {}
_CACHE_LIMIT = 2_000_000


# Characters a word may carry that no reader sees: the soft hyphen (text from web pages and
# Word's optional hyphens: "Palliations\u00adindsatsen"), zero-width joiners, word joiner.
_INVISIBLE = re.compile("[\u00ad\u200c\u200d\u2060]")


def _visible(word: str) -> str:
    """The word as a reader sees it (the text keeps its offsets: only the index forgets)."""
    if not _INVISIBLE.search(word):
        return word
    return _INVISIBLE.sub("", word) or word


def _lexeme(lang: str, word: str) -> _Lexeme:
    """(length, lower, lemma key, is_stop, is_punct, is_space, ends a sentence) of a word
    form, cached."""
    cache = _LEXEME_CACHE.setdefault(lang, {})
    info = cache.get(word)
    if info is None:
        lem = lemmatizer(lang)
        form = _visible(word)
        lower = form.lower()
        info = (
            len(word),
            lower,
            lem.key(form),
            lower in lem.stop_words,
            is_punct(word),
            word.isspace(),
            word in punct_chars(lang),
        )
        if len(cache) < _CACHE_LIMIT:
            cache[word] = info
    return info


def _run_tokens(lang: str, run: str) -> tuple[tuple[tuple[int, _Lexeme], ...], bool]:
    cache = _RUN_CACHE.setdefault(lang, {})
    found = cache.get(run)
    if found is None:
        orths, may_join = tokenizer(lang).entry(run)
        tokens = []
        at = 0
        for orth in orths:
            tokens.append((at, _lexeme(lang, orth)))
            at += len(orth)
        found = (tuple(tokens), may_join)
        if len(cache) < _CACHE_LIMIT:
            cache[run] = found
    return found


_GAP_WORD = re.compile(r"(\s*)(\S+)")


def _piece_runs(lang: str, piece: str) -> list[tuple[int, tuple[tuple[int, _Lexeme], ...]]]:
    """``(start, tokens)`` per run of the piece, cut as ``Tokenizer.tokens`` cuts it (the
    one space after a word is no run: spaCy keeps it as the word's trailing space); the
    piece as one run of tokens when a special case joins tokens across runs (spaCy's
    special-case matcher)."""
    cache = _RUN_CACHE.setdefault(lang, {})
    out: list[tuple[int, tuple[tuple[int, _Lexeme], ...]]] = []
    append = out.append
    pos = 0
    joined = False
    for gap, word in _GAP_WORD.findall(piece):
        if gap:
            if gap == " " and pos:
                pos += 1
            else:
                if pos and gap[0] == " ":  # after a word: that space is no token
                    gap = gap[1:]
                    pos += 1
                found = cache.get(gap) or _run_tokens(lang, gap)
                joined = joined or found[1]
                append((pos, found[0]))
                pos += len(gap)
        found = cache.get(word) or _run_tokens(lang, word)
        joined = joined or found[1]
        append((pos, found[0]))
        pos += len(word)
    if pos < len(piece):  # white space at the end
        start = pos + 1 if pos and piece[pos] == " " else pos
        if start < len(piece):
            found = cache.get(piece[start:]) or _run_tokens(lang, piece[start:])
            joined = joined or found[1]
            append((start, found[0]))
    if joined:
        whole = tokenizer(lang).tokens(piece)
        return [(0, tuple((idx, _lexeme(lang, orth)) for idx, orth in whole))]
    return out


def _annotate_pieces(pieces: list[tuple[int, str]], text: str, lang: str) -> Annotation:
    """Rows from the tokens of each piece (``nlp.tokenize``: spaCy's tokenizer and
    sentencizer rules without spaCy). Each distinct run of text is tokenised and looked up
    once per process — the hot loop of import."""
    rows = []
    append = rows.append
    spans: list[tuple[int, int]] = []
    ordinal = 0
    for offset, piece in pieces:
        sentence_start: int | None = None
        seen_period = False
        for base, tokens in _piece_runs(lang, piece):
            for at, (length, lower, lemma, stop, punct, space, final) in tokens:
                start = offset + base + at
                # the sentencizer: a sentence starts at the first token and at the first
                # token after a sentence-final one that is not punctuation itself
                if sentence_start is None:
                    sentence_start = start
                elif seen_period and not final and not punct:
                    spans.append((sentence_start, start))
                    sentence_start = start
                    seen_period = False
                if final:
                    seen_period = True
                if space:
                    continue
                ordinal += 1
                if punct:
                    continue  # a gap in the ordinals: punctuation breaks a phrase
                append((ordinal, start, start + length, lower, lemma, stop))
        if sentence_start is not None:
            spans.append((sentence_start, offset + len(piece)))
        ordinal += 1  # nor does a phrase run from one piece into the next
    return Annotation(language=lang, tokens=rows, sentences=_sentences(text, spans))


def annotate_text(text: str, lang: str = "da") -> Annotation:
    """Annotate one text (tokenizer + sentencizer; lemmas from the cached ``Lemmatizer``)."""
    return next(iter(annotate_texts([(text, lang)])))


def annotate_texts(
    items: list[tuple[str, str]], batch_size: int = BATCH_SIZE
) -> Iterator[Annotation]:
    """Annotate ``(text, lang)`` pairs; yields in the given order, one at a time.

    Each text is cut into pieces (``CHUNK_CHARS``) as it was for ``nlp.pipe``, so sentence
    starts and phrase breaks stay where they were; ``batch_size`` is kept for callers.
    """
    del batch_size
    for text, lang in items:
        code = _language(lang)
        annotation = _annotate_pieces(_chunks(text), text, code)
        if code == "da":  # shared forms ("tolker", "vagt"): the word before decides
            annotation.tokens = resolve(annotation.tokens)
        yield annotation


def query_words(query: str, lang: str = "da", lemmas: bool = True) -> list[tuple[str, str]]:
    """A query split the way documents are: ``(lower, lemma)`` per word, punctuation dropped.

    With ``lemmas=False`` the second item is the lower-case form and the lookup table is not
    loaded (exact and fuzzy search). A Danish query of plain words — letters, with inner
    hyphens or apostrophes (``rådgiver-funktionen``, ``patient's``), or digits, each maybe
    followed by ``,;:!?`` — is split by ``_PLAIN_QUERY`` without spaCy, exactly as the
    tokenizer splits it (``tests/nlp/test_query_words.py`` holds the two to each other);
    anything else (``nr. 12``, ``og/eller``, ``10.30``) goes through the tokenizer itself.
    """
    query = _INVISIBLE.sub("", query)  # a query pasted from a text with soft hyphens
    plain = _plain_words(query) if _language(lang) == "da" else None
    if plain is not None:
        key = lemmatizer(lang).key if lemmas else None
        return [(w.lower(), key(w) if key is not None else w.lower()) for w in plain]
    doc = tokenizer_pipeline(lang).make_doc(query)
    key = lemmatizer(lang).key if lemmas else None
    words = []
    for tok in doc:
        if tok.is_space or tok.is_punct:
            continue
        lower = tok.text.lower()
        words.append((lower, key(tok.text) if key is not None else lower))
    return words


# A word of letters (inner hyphens and apostrophes kept: the Danish tokenizer keeps them)
# or of digits, then punctuation the tokenizer splits off as such.
_PLAIN_QUERY = re.compile(r"([^\W\d_]+(?:['-][^\W\d_]+)*|[0-9]+)[,;:!?]*")


def _plain_words(query: str) -> list[str] | None:
    """The words of a query made only of plain words, or None (ask the tokenizer)."""
    words = []
    for part in query.split():
        found = _PLAIN_QUERY.fullmatch(part)
        if found is None:
            return None
        words.append(found.group(1))
    return words
