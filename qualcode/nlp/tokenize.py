"""spaCy's rule-based tokenizer and sentencizer, run without importing spaCy.

Annotation needs only spaCy's blank tokenizer (prefix, suffix and infix rules, the special
cases, the URL rule) and its sentencizer. Importing spaCy and building a blank pipeline
costs about two seconds of CPU a process and the sentencizer makes a Python object per
token; here the same algorithm runs on plain strings with the same rules.

The rules are read from spaCy once per spaCy version and language and kept as a small JSON
file in the cache folder (``lemma_table.cache_dir``); afterwards a process opens that file
and compiles the three regular expressions. If the cache is not writable the rules are
read from spaCy every time (slower, same result).

This module follows ``spacy/tokenizer.pyx`` (``_tokenize_affixes``, ``_split_affixes``,
``_attach_tokens``, ``_apply_special_cases``) and ``spacy/pipeline/sentencizer.pyx``
step by step; ``tests/nlp/test_tokenize.py`` holds both to the same tokens, offsets and
sentence starts on generated Danish and English text.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from qualcode.nlp.lemma_table import cache_dir

_RULES_VERSION = 1
_RUNS = re.compile(r"\S+|\s+")
_lock = threading.Lock()


@dataclass(frozen=True)
class Rules:
    """What spaCy's blank tokenizer and sentencizer of one language are made of."""

    prefix: tuple[str, int] | None
    suffix: tuple[str, int] | None
    infix: tuple[str, int] | None
    token_match: tuple[str, int] | None
    url_match: tuple[str, int] | None
    specials: dict[str, list[str]]
    punct_chars: list[str]
    faster_heuristics: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "suffix": self.suffix,
            "infix": self.infix,
            "token_match": self.token_match,
            "url_match": self.url_match,
            "specials": self.specials,
            "punct_chars": self.punct_chars,
            "faster_heuristics": self.faster_heuristics,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rules:
        def pattern(value: Any) -> tuple[str, int] | None:
            return None if value is None else (str(value[0]), int(value[1]))

        return cls(
            prefix=pattern(data["prefix"]),
            suffix=pattern(data["suffix"]),
            infix=pattern(data["infix"]),
            token_match=pattern(data["token_match"]),
            url_match=pattern(data["url_match"]),
            specials={str(k): [str(o) for o in v] for k, v in data["specials"].items()},
            punct_chars=[str(c) for c in data["punct_chars"]],
            faster_heuristics=bool(data["faster_heuristics"]),
        )


def _pattern_of(bound: Any) -> tuple[str, int] | None:
    """The pattern and flags behind a bound ``re.Pattern`` method (``search``, ``match``)."""
    if bound is None:
        return None
    compiled = getattr(bound, "__self__", None)
    if not isinstance(compiled, re.Pattern):
        raise ValueError(f"not a regular expression: {bound!r}")
    return str(compiled.pattern), int(compiled.flags)


def rules_from_spacy(lang: str) -> Rules:
    """The rules of ``spacy.blank(lang)``'s tokenizer and a default sentencizer."""
    import spacy
    from spacy.attrs import ORTH
    from spacy.pipeline import Sentencizer

    tokenizer: Any = spacy.blank(lang).tokenizer  # a spacy.tokenizer.Tokenizer (Cython)
    specials = {
        str(key): [str(piece[ORTH]) for piece in pieces] for key, pieces in tokenizer.rules.items()
    }
    return Rules(
        prefix=_pattern_of(tokenizer.prefix_search),
        suffix=_pattern_of(tokenizer.suffix_search),
        infix=_pattern_of(tokenizer.infix_finditer),
        token_match=_pattern_of(tokenizer.token_match),
        url_match=_pattern_of(tokenizer.url_match),
        specials=specials,
        punct_chars=sorted(Sentencizer.default_punct_chars),
        faster_heuristics=bool(tokenizer.faster_heuristics),
    )


def _rules_file(lang: str) -> Path:
    try:
        version = importlib.metadata.version("spacy")
    except importlib.metadata.PackageNotFoundError:
        version = "none"
    return cache_dir() / f"tokenizer_{lang}_v{_RULES_VERSION}_spacy{version}.json"


def load_rules(lang: str) -> Rules:
    """The rules of a language: from the cache file, else from spaCy (and cached)."""
    path = _rules_file(lang)
    try:
        return Rules.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    rules = rules_from_spacy(lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(rules.as_json(), fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass  # no writable cache: read from spaCy next time too
    return rules


def is_punct(text: str) -> bool:
    """spaCy's ``is_punct``: every character is Unicode punctuation (category P*)."""
    return all(unicodedata.category(ch).startswith("P") for ch in text)


def _compile(pattern: tuple[str, int] | None) -> re.Pattern[str] | None:
    return None if pattern is None else re.compile(pattern[0], pattern[1])


_Match = Callable[[str], Any]


class Tokenizer:
    """spaCy's tokenizer over one language's rules: ``tokens(text)`` gives ``(start, orth)``."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        prefix, suffix = _compile(rules.prefix), _compile(rules.suffix)
        infix = _compile(rules.infix)
        token_match, url_match = _compile(rules.token_match), _compile(rules.url_match)
        self._prefix: _Match | None = prefix.search if prefix else None
        self._suffix: _Match | None = suffix.search if suffix else None
        self._infix = infix.finditer if infix else None
        self._token_match: _Match | None = token_match.match if token_match else None
        self._url_match: _Match | None = url_match.match if url_match else None
        self.specials = {k: tuple(v) for k, v in rules.specials.items()}
        self._cache: dict[str, tuple[tuple[str, ...], bool]] = {}
        # the special-case matcher: a special case that contains an affix is looked for
        # again as a run of tokens, as spaCy's tokenizer does with its PhraseMatcher
        self._patterns: dict[str, list[tuple[str, ...]]] = {}
        # ... of which these would change the tokens where they match within one chunk
        self._changing: dict[str, list[tuple[str, ...]]] = {}
        for key in self.specials:
            if rules.faster_heuristics and not (
                self._affix_len(self._prefix, key)
                or self._affix_len(self._suffix, key)
                or self._infixes(key)
                or " " in key
            ):
                continue
            pieces = self._chunk(key, False)
            self._patterns.setdefault(pieces[0], []).append(pieces)
            if self.specials[key] != pieces:
                self._changing.setdefault(pieces[0], []).append(pieces)

    @staticmethod
    def _affix_len(search: _Match | None, text: str) -> int:
        if search is None:
            return 0
        found = search(text)
        return 0 if found is None else found.end() - found.start()

    def _infixes(self, text: str) -> list[re.Match[str]]:
        return [] if self._infix is None else list(self._infix(text))

    def _special(self, text: str, with_specials: bool) -> tuple[str, ...] | None:
        return self.specials.get(text) if with_specials else None

    def chunk(self, text: str) -> tuple[str, ...]:
        """The tokens of one run of non-space (or space) characters, cached."""
        return self._entry(text)[0]

    def _entry(self, text: str) -> tuple[tuple[str, ...], bool]:
        """A chunk's tokens, and whether a special case may retokenize them (a pattern that
        changes tokens occurs in them): only then is the whole text matched."""
        entry = self._cache.get(text)
        if entry is None:
            pieces = self._chunk(text, True)
            entry = (pieces, _contains(pieces, self._changing))
            if len(self._cache) < 1_000_000:
                self._cache[text] = entry
        return entry

    def _chunk(self, text: str, with_specials: bool) -> tuple[str, ...]:
        special = self._special(text, with_specials)
        if special is not None:
            return special
        prefixes: list[str] = []
        suffixes: list[str] = []
        rest = self._split_affixes(text, prefixes, suffixes, with_specials)
        return tuple(prefixes) + self._attach(rest, with_specials) + tuple(reversed(suffixes))

    def _split_affixes(
        self, string: str, prefixes: list[str], suffixes: list[str], with_specials: bool
    ) -> str:
        last_size = -1
        while string and len(string) != last_size:
            if self._token_match is not None and self._token_match(string):
                break
            if with_specials and string in self.specials:
                break
            last_size = len(string)
            pre_len = self._affix_len(self._prefix, string)
            prefix = minus_pre = ""
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and with_specials and minus_pre in self.specials:
                    prefixes.append(prefix)
                    string = minus_pre
                    break
            suf_len = self._affix_len(self._suffix, string[pre_len:])
            suffix = minus_suf = ""
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and with_specials and minus_suf in self.specials:
                    suffixes.append(suffix)
                    string = minus_suf
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        return string

    def _attach(self, string: str, with_specials: bool) -> tuple[str, ...]:
        if not string:
            return ()
        special = self._special(string, with_specials)
        if special is not None:
            return special
        if (self._token_match is not None and self._token_match(string)) or (
            self._url_match is not None and self._url_match(string)
        ):
            return (string,)
        matches = self._infixes(string)
        if not matches:
            return (string,)
        out: list[str] = []
        start = 0
        for match in matches:
            infix_start, infix_end = match.start(), match.end()
            if infix_start == 0:
                continue
            if infix_start != start:
                out.append(string[start:infix_start])
            if infix_start != infix_end:
                out.append(string[infix_start:infix_end])
            start = infix_end
        if string[start:]:
            out.append(string[start:])
        return tuple(out)

    def entry(self, text: str) -> tuple[tuple[str, ...], bool]:
        """``chunk``'s tokens and whether a special case may join tokens across them (then
        ``tokens`` must run over the whole text)."""
        return self._entry(text)

    def tokens(self, text: str) -> list[tuple[int, str]]:
        """``(start, orth)`` of every token of ``text``, white-space tokens included."""
        out: list[tuple[int, str]] = []
        after_word = False
        retokenize = False
        entry = self._entry
        for run in _RUNS.finditer(text):
            start = run.start()
            piece = run.group()
            if piece[0].isspace():
                if after_word and piece[0] == " ":
                    start += 1
                    piece = piece[1:]
                after_word = False
                if not piece:
                    continue
            else:
                after_word = True
            pieces, may_change = entry(piece)
            retokenize = retokenize or may_change
            for orth in pieces:
                out.append((start, orth))
                start += len(orth)
        if retokenize:
            # a special case matched within a chunk: spaCy's matcher over the whole text,
            # where matches that cross white space can still block one another
            out = self._apply_special_cases(text, out)
        return out

    def _apply_special_cases(
        self, text: str, tokens: list[tuple[int, str]]
    ) -> list[tuple[int, str]]:
        """Special cases found as runs of tokens (``Tokenizer._apply_special_cases``)."""
        matches: list[tuple[int, int]] = []
        n = len(tokens)
        for i, (_, orth) in enumerate(tokens):
            for pattern in self._patterns.get(orth, ()):
                end = i + len(pattern)
                if end <= n and all(tokens[i + k][1] == p for k, p in enumerate(pattern)):
                    matches.append((i, end))
        if not matches:
            return tokens
        matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        seen: set[int] = set()
        chosen: list[tuple[int, int]] = []
        for start, end in matches:
            if start not in seen and end - 1 not in seen:
                chosen.append((start, end))
            seen.update(range(start, end))
        out: list[tuple[int, str]] = []
        i = 0
        for start, end in sorted(chosen):
            out.extend(tokens[i:start])
            first = tokens[start][0]
            last = tokens[end - 1]
            span_text = text[first : last[0] + len(last[1])]
            special = self.specials.get(span_text)
            if special is None:
                out.extend(tokens[start:end])
            else:
                offset = first
                for orth in special:
                    out.append((offset, orth))
                    offset += len(orth)
            i = end
        out.extend(tokens[i:])
        return out


def _contains(tokens: tuple[str, ...], patterns: dict[str, list[tuple[str, ...]]]) -> bool:
    """Whether one of ``patterns`` (keyed by first token) is a run of ``tokens``."""
    for i, orth in enumerate(tokens):
        for pattern in patterns.get(orth, ()):
            if tokens[i : i + len(pattern)] == pattern:
                return True
    return False


def sentence_starts(orths: list[str], punct_chars: frozenset[str]) -> list[bool]:
    """spaCy's sentencizer: a sentence starts at the first token and at the first token
    after a sentence-final character that is neither punctuation nor one."""
    starts = [False] * len(orths)
    if not orths:
        return starts
    starts[0] = True
    seen_period = False
    for i, orth in enumerate(orths):
        final = orth in punct_chars
        if seen_period and not final and not _punct(orth):
            starts[i] = True
            seen_period = False
        elif final:
            seen_period = True
    return starts


@lru_cache(maxsize=200_000)
def _punct(orth: str) -> bool:
    return is_punct(orth)


@lru_cache(maxsize=16)
def tokenizer(lang: str) -> Tokenizer:
    """The cached tokenizer of a spaCy language code (``da``, ``en``, ``xx``, ...)."""
    with _lock:
        return Tokenizer(load_rules(lang))


@lru_cache(maxsize=16)
def punct_chars(lang: str) -> frozenset[str]:
    return frozenset(tokenizer(lang).rules.punct_chars)
