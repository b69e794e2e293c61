"""Finding things by the names people type, and saying what they probably meant."""

from __future__ import annotations

import getpass
import os
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils


def fold(name: str) -> str:
    """Case-, space- and normalisation-insensitive form of a name."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def nearest(name: str, candidates: Iterable[str], limit: int = 3, cutoff: float = 50) -> list[str]:
    """The few candidates closest to ``name`` (for "did you mean ..." hints)."""
    found = process.extract(
        name,
        list(dict.fromkeys(candidates)),
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=cutoff,
    )
    return [choice for choice, _score, _idx in found]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint line naming the nearest candidates, or None when nothing is near."""
    close = nearest(name, candidates)
    if not close:
        return None
    return "Did you mean: " + ", ".join(repr(c) for c in close) + "?"


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``… — the first that is not in ``taken``."""
    used = set(taken)
    if wanted not in used:
        return wanted
    n = 2
    while f"{wanted} ({n})" in used:
        n += 1
    return f"{wanted} ({n})"


def default_coder_name() -> str:
    """``$QUALCODE_CODER``, else the operating-system user name."""
    name = os.environ.get("QUALCODE_CODER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user database (some containers)
        return "coder"
