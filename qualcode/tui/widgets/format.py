"""Small text helpers the screens share: plurals and figures."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 coding``, ``2 codings``, ``1 hit``; ``many`` for irregular words."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def figure(value: float, digits: int = 2) -> str:
    """A rounded figure without a negative zero ("-0.00" reads as "0.00")."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with "…"."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
