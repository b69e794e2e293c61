"""Fidelity of an edited quote wording to its source span (pure functions).

A light edit ("Løsningerne er ..." for "løsningerne er ...") is normal; an edit that drops
an "ikke", changes "20" into "30" or swaps a name changes what the expert said, even when
the overall similarity stays high. So we report two things: a similarity score (rapidfuzz)
and flags for changed *meaning-bearing tokens* — negations, numbers and percentages, and
names (capitalised words inside a sentence).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

NEGATIONS = frozenset(
    {
        # Danish
        "ikke", "aldrig", "ingen", "intet", "ingenting", "ingensinde", "hverken", "ej",
        "uden", "næppe",
        # English
        "not", "never", "no", "none", "nobody", "nothing", "neither", "nor", "cannot",
        "without", "hardly",
    }
)  # fmt: skip
PERCENT_WORDS = frozenset({"%", "procent", "pct", "percent", "per cent", "procentpoint"})
NUMBER_WORDS = frozenset(
    {
        # Danish (not "en"/"et": they are also articles)
        "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv",
        "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten", "tyve",
        "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems",
        "hundrede", "tusind", "million", "millioner", "milliard", "milliarder", "halvdelen",
        "dobbelt", "halvt", "kvart", "trediedel", "fjerdedel",
        # English (not "one": too often a pronoun)
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "millions",
        "billion", "half", "double", "twice", "third", "quarter",
    }
)  # fmt: skip
NOT_NAMES = frozenset({"i", "jeg", "du", "de", "dem", "deres", "vi", "os", "i'm", "i've"})
LOW_SIMILARITY = 75.0

_TOKEN = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)(?P<pct>\s?%)?"  # 12  3,5  1.000  20 %
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)"  # words, don't, patient's
    r"|(?P<sign>%)"
)
_SENTENCE_END = re.compile(r"[.!?:;\n][\s\"'»«”“()\-–]*$")


@dataclass(frozen=True)
class Token:
    text: str
    kind: str  # word | number | percent
    sentence_initial: bool


@dataclass
class FidelityFlag:
    """One meaning-bearing change: ``kind`` negation|number|name, ``change`` removed|added."""

    kind: str
    change: str
    token: str

    @property
    def message(self) -> str:
        what = {"negation": "negation", "number": "number", "name": "name"}[self.kind]
        verb = "dropped" if self.change == "removed" else "added"
        return f"{what} {self.token!r} {verb}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "change": self.change, "token": self.token,
                "message": self.message}  # fmt: skip


@dataclass
class FidelityReport:
    """Similarity (0-100) of a wording to its source, and the meaning-bearing flags."""

    similarity: float
    flags: list[FidelityFlag] = field(default_factory=list)
    identical: bool = False

    @property
    def ok(self) -> bool:
        return not self.flags and self.similarity >= LOW_SIMILARITY

    def summary(self) -> str:
        """One line for a list, a status bar or the researcher's copy of a packet."""
        if self.identical:
            return "verbatim"
        text = f"{self.similarity:.0f}% similar"
        if self.similarity < LOW_SIMILARITY:
            text += " (heavily edited)"
        if self.flags:
            text += "; " + "; ".join(f.message for f in self.flags)
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "similarity": self.similarity,
            "identical": self.identical,
            "ok": self.ok,
            "flags": [f.as_dict() for f in self.flags],
            "summary": self.summary(),
        }


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def _number_key(raw: str) -> str:
    """``1.000`` and ``1,000`` and ``1000`` are one number; ``3,5`` and ``3.5`` too."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return re.sub(r"[.,]", "", raw)
    return raw.replace(",", ".")


def tokens(text: str) -> list[Token]:
    """The tokens fidelity cares about, with whether each starts a sentence."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        initial = not out or bool(_SENTENCE_END.search(text[max(0, m.start() - 8) : m.start()]))
        if m.group("num"):
            out.append(Token(_number_key(m.group("num")), "number", initial))
            if m.group("pct"):
                out.append(Token("%", "percent", False))
        elif m.group("sign"):
            out.append(Token("%", "percent", False))
        else:
            word = m.group("word")
            low = word.casefold()
            if low in PERCENT_WORDS:
                out.append(Token("%", "percent", initial))
            elif low in NUMBER_WORDS:
                out.append(Token(low, "number", initial))
            else:
                out.append(Token(word, "word", initial))
    return out


def _negations(toks: list[Token]) -> Counter[str]:
    c: Counter[str] = Counter()
    for t in toks:
        low = t.text.casefold()
        if t.kind == "word" and (low in NEGATIONS or low.endswith(("n't", "n’t"))):
            c[low] += 1
    return c


def _numbers(toks: list[Token]) -> Counter[str]:
    return Counter(t.text for t in toks if t.kind in ("number", "percent"))


def _names(toks: list[Token]) -> dict[str, str]:
    """Capitalised words inside a sentence, keyed by their folded form."""
    names: dict[str, str] = {}
    for t in toks:
        if (
            t.kind == "word"
            and not t.sentence_initial
            and t.text[:1].isupper()
            and t.text.casefold() not in NOT_NAMES
        ):
            names.setdefault(t.text.casefold(), t.text)
    return names


def _diff(source: Counter[str], edited: Counter[str], kind: str) -> list[FidelityFlag]:
    flags = []
    for token in sorted(set(source) | set(edited)):
        lost = source[token] - edited[token]
        if lost > 0:
            flags.append(FidelityFlag(kind, "removed", token))
        elif lost < 0:
            flags.append(FidelityFlag(kind, "added", token))
    return flags


def check(source: str, wording: str) -> FidelityReport:
    """Compare an edited wording with the exact source span it claims to render."""
    src, new = _normalise(source), _normalise(wording)
    if src == new:
        return FidelityReport(100.0, [], identical=True)
    similarity = round(float(fuzz.ratio(src, new)), 1)
    src_toks, new_toks = tokens(src), tokens(new)
    flags = _diff(_negations(src_toks), _negations(new_toks), "negation")
    flags += _diff(_numbers(src_toks), _numbers(new_toks), "number")
    src_words = {t.text.casefold() for t in src_toks}
    new_words = {t.text.casefold() for t in new_toks}
    src_names, new_names = _names(src_toks), _names(new_toks)
    for key, name in sorted(src_names.items()):
        if key not in new_words:
            flags.append(FidelityFlag("name", "removed", name))
    for key, name in sorted(new_names.items()):
        if key not in src_words:
            flags.append(FidelityFlag("name", "added", name))
    return FidelityReport(similarity, flags)
