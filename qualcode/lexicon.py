"""How common a word is in Danish (or English) generally: a prior that keeps words such as
"projekt", "aftale" or "tidligere" from counting as telling codebook evidence.

The figures are the ``wordfreq`` package's small word lists (Zipf scale: 7 is "og", 3 is
about one in a million words, 0 is not in the list), read straight from the data file inside
the installed package — no network, and without importing ``wordfreq`` itself (its imports
take over a second). Loading the Danish list takes about a tenth of a second, once.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

import msgpack

_FORMS = ("", "e", "en", "er", "et", "erne", "ene", "r", "n", "s")
# Endings ``known_word`` may take off a word to find its stem in the list (longest first):
# the inflections above and the present participle ("forlængende" -> "forlænge").
_KNOWN_ENDINGS = tuple(sorted({*_FORMS, "nde", "ende"} - {""}, key=len, reverse=True))


def _data_file(lang: str) -> Path | None:
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / f"small_{lang}.msgpack.gz"
    return path if path.exists() else None


@lru_cache(maxsize=4)
def zipf_table(lang: str = "da") -> dict[str, float]:
    """word -> Zipf frequency for the language's small list (empty if the data is missing)."""
    path = _data_file(lang if lang in ("da", "en") else "da")
    if path is None:
        return {}
    buckets = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    table: dict[str, float] = {}
    for i, words in enumerate(buckets[1:]):  # bucket i holds words at -i centibels
        zipf = round(9.0 - i / 100.0, 2)
        for word in words:
            table.setdefault(word, zipf)
    return table


def zipf(word: str, lang: str = "da") -> float:
    """The Zipf frequency of a word (0.0 when it is rare enough to be outside the list)."""
    return zipf_table(lang).get(word.lower(), 0.0)


def lemma_zipf(lemma: str, lang: str = "da") -> float:
    """The highest Zipf frequency of a lemma and its regular inflected forms: how common the
    word is, whichever form a text uses."""
    table = zipf_table(lang)
    return max(table.get(lemma + ending, 0.0) for ending in _FORMS)


def known_word(word: str, lang: str = "da") -> bool:
    """Whether a word (or a regular inflection of its stem) is in the language's list."""
    table = zipf_table(lang)
    lower = word.lower()
    if lower in table:
        return True
    for ending in _KNOWN_ENDINGS:
        if ending and lower.endswith(ending) and lower[: -len(ending)] in table:
            return True
    return False


_MIN_PART = 4  # three-letter "words" of the list are too often noise ("ien", "pat")


def known_compound(word: str, lang: str = "da", depth: int = 3) -> bool:
    """Whether ``word`` is in the list or a compound of listed words, each part at least
    four letters (a linking ``s`` or ``e`` included):
    ``kræftopfølgningsplanen`` = kræft + opfølgning + s + planen; "patientom" is none."""
    if known_word(word, lang):
        return True
    if depth == 0:
        return False
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head, tail = word[:i], word[i:]
        head_known = known_word(head, lang) or (head[-1] in "se" and known_word(head[:-1], lang))
        if head_known and known_compound(tail, lang, depth - 1):
            return True
    return False
