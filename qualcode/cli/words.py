"""Small wording helpers for command output: counts with the right plural."""

from __future__ import annotations

# Danish words the CLI prints about the study (the rest of the output is English).
_PLURALS = {"ekspert": "eksperter", "hit": "hits", "match": "matches"}


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 coding``, ``2 codings``; ``1 ekspert``, ``3 eksperter``."""
    return f"{n} {one if n == 1 else (many or _PLURALS.get(one, one + 's'))}"
