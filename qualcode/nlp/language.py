"""Telling Danish from English without a model: common function words decide."""

from __future__ import annotations

import re

_DA = frozenset(
    "og i at det er en til på som de med han af for ikke der var jeg har vi men et om kan "
    "sig så også skal når vil hvor eller fra blev efter være meget nogle hvad ved deres "
    "altså øh jo nok godt lige bare".split()
)
_EN = frozenset(
    "the and of to a in is that it for on with as was are be this have not but at by "
    "from they we you or an which there their what would about so do if".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, sample_chars: int = 20_000) -> str:
    """``da`` or ``en`` for a text: counts function words of each in a sample."""
    words = _WORD.findall(text[:sample_chars].lower())
    da = sum(1 for w in words if w in _DA)
    en = sum(1 for w in words if w in _EN)
    if any(ch in text[:sample_chars] for ch in "æøåÆØÅ"):
        da += 3
    return "en" if en > da else "da"
