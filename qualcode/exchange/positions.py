"""Positions: how another tool counted (code points or UTF-16 units, CRLF as one or two,
BOM or not), detected on import from where the selections land, and written on export in
the unit the receiving tool reads (code points, or UTF-16 units over CRLF for NVivo).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.formats.qdpx import QSelection
from qualcode.formats.text import normalise


def normalise_with_map(raw: str) -> tuple[str, Sequence[int]]:
    """``normalise(raw)`` and a map from every raw index (0..len) to a normalised index."""
    if normalise(raw) == raw:  # the usual case: nothing moves
        return raw, range(len(raw) + 1)
    out: list[str] = []
    m1: list[int] = []
    other_breaks = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        m1.append(len(out))
        if ch in "\ufeff\x00":
            pass
        elif ch == "\r":
            if i + 1 < n and raw[i + 1] == "\n":
                m1.append(len(out))
                i += 1
            out.append("\n")
        elif ch in other_breaks:
            out.append("\n")
        else:
            out.append(ch)
        i += 1
    m1.append(len(out))
    text1 = "".join(out)
    if unicodedata.is_normalized("NFC", text1):
        result, mapping = text1, m1
    else:
        pieces: list[str] = []
        m2 = [0] * (len(text1) + 1)
        pos = 0
        j = 0
        while j < len(text1):
            k = j + 1
            while k < len(text1) and unicodedata.combining(text1[k]):
                k += 1
            composed = unicodedata.normalize("NFC", text1[j:k])
            for x in range(j, k):
                m2[x] = pos
            pieces.append(composed)
            pos += len(composed)
            j = k
        m2[len(text1)] = pos
        result = "".join(pieces)
        mapping = [m2[x] for x in m1]
    if result != normalise(raw):  # exotic compositions: fall back to the plain form
        result = normalise(raw)
        mapping = [min(x, len(result)) for x in mapping]
    return result, mapping


@dataclass(frozen=True)
class PositionUnit:
    """How another tool counted: code points or UTF-16 units, CRLF as one or two, BOM or not."""

    utf16: bool = False
    crlf_as_one: bool = False
    bom_counted: bool = False

    def describe(self) -> str:
        parts = ["UTF-16 code units" if self.utf16 else "Unicode code points"]
        if self.crlf_as_one:
            parts.append("CRLF counted as one character")
        if self.bom_counted:
            parts.append("the byte-order mark counted as a character")
        return ", ".join(parts)


# How much better another counting unit must place the selections than code points.
MIN_UNIT_MARGIN = 2
UNITS = [
    PositionUnit(),
    PositionUnit(crlf_as_one=True),
    PositionUnit(utf16=True),
    PositionUnit(utf16=True, crlf_as_one=True),
    PositionUnit(bom_counted=True),
    PositionUnit(crlf_as_one=True, bom_counted=True),
    PositionUnit(utf16=True, bom_counted=True),
    PositionUnit(utf16=True, crlf_as_one=True, bom_counted=True),
]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")


class SourceText:
    """A source's raw text and its stored form, with position converters for each unit.

    A position in another unit is converted without a table over the whole text: the count
    of units before raw index ``i`` is ``i``, plus one for a counted BOM, plus one per
    astral character before ``i`` (UTF-16), less one per CRLF whose ``\\r`` is before ``i``
    (CRLF as one), so a binary search over ``i`` finds the first index at that count. Only
    the astral characters and CRLFs are listed (most texts have none).
    """

    def __init__(self, raw: str, had_bom: bool) -> None:
        self.raw = raw
        self.had_bom = had_bom
        self.text, self.to_text = normalise_with_map(raw)
        self._astral = [m.start() for m in _ASTRAL.finditer(raw)]
        self._crlf = [m.start() for m in _CRLF.finditer(raw)]
        self.has_astral = bool(self._astral)
        self.has_crlf = bool(self._crlf)

    def relevant(self, unit: PositionUnit) -> bool:
        """Units that differ from code points only where this text gives them a chance."""
        return (
            (not unit.utf16 or self.has_astral)
            and (not unit.crlf_as_one or self.has_crlf)
            and (not unit.bom_counted or self.had_bom)
        )

    def _units_before(self, index: int, unit: PositionUnit) -> int:
        """How many ``unit``s the raw text has before ``index``."""
        count = index + (1 if unit.bom_counted else 0)
        if unit.utf16:
            count += bisect.bisect_left(self._astral, index)
        if unit.crlf_as_one:
            count -= bisect.bisect_left(self._crlf, index)
        return count

    def _raw_index(self, position: int, unit: PositionUnit) -> int | None:
        """The first raw index ``position`` units in, or None inside a character (half a
        surrogate pair) or past the end."""
        lo, hi = 0, len(self.raw)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._units_before(mid, unit) < position:
                lo = mid + 1
            else:
                hi = mid
        return lo if self._units_before(lo, unit) == position else None

    def convert(self, position: int, unit: PositionUnit) -> int | None:
        """The stored-text index of a position counted in ``unit``; None if it has none."""
        if position < 0:
            return None
        if unit == UNITS[0]:
            return self.to_text[position] if position <= len(self.raw) else None
        raw_index = self._raw_index(position, unit)
        return None if raw_index is None else self.to_text[raw_index]


def _is_boundary(text: str, pos: int) -> bool:
    if pos <= 0 or pos >= len(text):
        return True
    return not (text[pos - 1].isalnum() and text[pos].isalnum())


def _name_text(name: str) -> str:
    """A selection's ``name`` as comparable text: squashed spaces, no trailing ellipsis."""
    return _squash(normalise(name).strip().rstrip("…").removesuffix("...").strip())


def _squash(text: str) -> str:
    return " ".join(text.split())


def _names_match(got: str, wanted: str) -> bool:
    got = _squash(got)
    return got == wanted or (len(wanted) >= 8 and got.startswith(wanted))


def _score(src: SourceText, selections: list[QSelection], unit: PositionUnit) -> tuple[int, int]:
    """(selections the unit cannot place, placement score) of one source's selections."""
    failed = 0
    score = 0
    for sel in selections:
        s = src.convert(sel.start, unit)
        e = src.convert(sel.end, unit)
        if s is None or e is None or s >= e:
            failed += 1
            score -= 20
            continue
        score += _is_boundary(src.text, s) + _is_boundary(src.text, e)
        wanted = _name_text(sel.name)
        if len(wanted) >= 4 and _names_match(src.text[s:e], wanted):
            score += 5
    return failed, score


def choose_unit(
    sources: list[tuple[SourceText, list[QSelection]]], prefer: PositionUnit | None = None
) -> tuple[PositionUnit, str]:
    """The counting unit that places the selections best (code points when in doubt).

    ``prefer``: the unit the writing tool is known to use (NVivo: UTF-16 code units, seen
    in its own files); it stands unless another unit places selections it cannot.
    """
    # only sources with selections tell anything (a source without any costs nothing)
    sources = [(src, sels) for src, sels in sources if sels]
    candidates = [u for u in UNITS if any(src.relevant(u) for src, _ in sources)]
    if len(candidates) <= 1:
        return prefer or UNITS[0], "no text where the counting unit matters"
    results = {u: [_score(src, sels, u) for src, sels in sources] for u in candidates}
    failed = {u: sum(f for f, _ in rows) for u, rows in results.items()}
    scores = {u: sum(s for _, s in rows) for u, rows in results.items()}
    why = ", ".join(f"{u.describe()}: {scores[u]}" for u in candidates)
    if prefer is not None and prefer not in candidates:
        prefer = UNITS[0]  # the same positions on these texts (e.g. UTF-16 without emoji)
    if prefer is not None:
        fewest = min(failed.values())
        if failed[prefer] == fewest:
            return prefer, f"the unit its origin writes, placing every selection it can ({why})"
        candidates = [u for u in candidates if failed[u] == fewest]
    best = max(candidates, key=lambda u: (scores[u], -candidates.index(u)))
    baseline = UNITS[0] if UNITS[0] in candidates else best
    if scores[best] < scores[baseline] + MIN_UNIT_MARGIN:  # the standard's unit unless clearly not
        best = baseline
    return best, f"placement scores ({why})"


def reanchor(text: str, start: int, end: int, name: str) -> tuple[int, int] | None:
    """Where a selection's own text (its ``name``) is, nearest to where it was said to be."""
    wanted = _name_text(name)
    if len(wanted) < 8 or _names_match(text[start:end], wanted):
        return None
    hits = [m.start() for m in re.finditer(re.escape(wanted), text)]
    if not hits:
        return None
    best = min(hits, key=lambda h: abs(h - start))
    length = max(end - start, len(wanted))
    if not name.strip().endswith(("…", "...")):
        length = len(wanted)
    return best, min(best + length, len(text))


def squash(text: str) -> str:
    """Whitespace runs as one space (how a selection or note name shows its text)."""
    return _squash(text)


# --------------------------------------------------------------------------- export units

EXPORT_UNITS = ("codepoints", "utf16")


class ExportText:
    """A stored text as another tool will read it, with its offsets converted.

    ``codepoints``: the text as stored (LF), positions as ``str`` indices (the standard).
    ``utf16``: CRLF line ends and positions in UTF-16 code units, as NVivo writes its own
    exports (and, we believe, reads them).
    """

    def __init__(self, text: str, unit: str = "codepoints") -> None:
        self.unit = unit
        if unit == "utf16":
            self.text = text.replace("\n", "\r\n")
            table = [0] * (len(text) + 1)
            u = 0
            for i, ch in enumerate(text):
                table[i] = u
                u += 2 if ch == "\n" or ord(ch) > 0xFFFF else 1
            table[len(text)] = u
            self._table: list[int] | None = table
        else:
            self.text = text
            self._table = None

    def position(self, offset: int) -> int:
        """The exported position of a stored-text offset."""
        if self._table is None:
            return offset
        return self._table[max(0, min(offset, len(self._table) - 1))]
