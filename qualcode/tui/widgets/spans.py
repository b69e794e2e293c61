"""Pure helpers behind the transcript view: soft wrap, the coding interval index, colours.

Kept free of Textual so they can be tested and timed on their own. The transcript view
renders only the visible lines; these helpers make "which codings touch this line" and
"where does line N start" cheap (bisect over sorted starts) on a 1,000,000-character text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from qualcode.passages import CodedSpan as Span

# Codings longer than this are kept in a short side list scanned on every query, so that
# the bisect window for ordinary codings stays narrow.
LONG_SPAN = 4000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


_HEADING = re.compile(r"^(#{1,6})[ \t]+(?=\S)", re.MULTILINE)


def heading_ranges(text: str) -> list[tuple[int, int, int]]:
    """Markdown headings (``# Title`` at a line start): (marker start, title start, line end)."""
    if "#" not in text:
        return []
    out = []
    for m in _HEADING.finditer(text):
        end = text.find("\n", m.end())
        out.append((m.start(), m.end(), len(text) if end == -1 else end))
    return out


def display_text(text: str, headings: list[tuple[int, int, int]] | None = None) -> str:
    """The text as painted: tabs and stray control characters as spaces, and the ``#``
    markers of markdown headings blanked (the title is painted as a heading).

    Offsets are unchanged (one character in, one out). ``str.translate`` would take about
    100 ms on a million characters; a search that usually finds nothing takes a few.
    """
    if "\t" in text:
        text = text.replace("\t", " ")
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    if headings:
        parts, pos = [], 0
        for marker, title, _ in headings:
            parts += [text[pos:marker], " " * (title - marker)]
            pos = title
        parts.append(text[pos:])
        text = "".join(parts)
    return text


@dataclass(slots=True)
class CodeLook:
    """How a code is painted: its key and colour."""

    key: str
    colour: str


@dataclass(slots=True)
class SuggestionMark:
    """An open suggestion, drawn as a coloured underline."""

    id: int
    code_id: int
    start: int
    end: int
    score: float = 0.0
    reason: str = ""


# Characters that take two terminal cells (CJK, Hangul, full-width forms, most emoji).
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]"
)


# Everything below U+1100 is one cell wide: one range is a quick first test (about 3 ms on
# a million characters, against 15 ms for the full class).
_BEYOND_NARROW = re.compile("[\u1100-\U0010ffff]")


def has_wide_characters(text: str) -> bool:
    """Whether any character takes two cells (then wrapping measures cells)."""
    return _BEYOND_NARROW.search(text) is not None and _WIDE.search(text) is not None


def wrap_lines(text: str, width: int) -> tuple[list[int], list[int]]:
    """Greedy soft wrap: the start and end offset of every visual line.

    Paragraphs end at ``\\n``; lines break after a space when possible, else hard at
    ``width``. Text with only one-cell characters (Danish, English) takes a fast path of
    ``str.find``/``rfind``; text with wide characters is measured cell by cell.
    """
    width = max(width, 8)
    if has_wide_characters(text):
        return _wrap_cells(text, width)
    starts: list[int] = []
    ends: list[int] = []
    add_start = starts.append
    add_end = ends.append
    n = len(text)
    pos = 0
    find = text.find
    rfind = text.rfind
    while True:
        nl = find("\n", pos)
        if nl == -1:
            nl = n
        s = pos
        while nl - s > width:
            br = rfind(" ", s, s + width + 1)
            if br <= s:
                add_start(s)
                add_end(s + width)
                s += width
            else:
                add_start(s)
                add_end(br)
                s = br + 1
        add_start(s)
        add_end(nl)
        if nl >= n:
            break
        pos = nl + 1
    return starts, ends


def _wrap_cells(text: str, width: int) -> tuple[list[int], list[int]]:
    from rich.cells import get_character_cell_size

    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    n = len(text)
    while True:
        nl = text.find("\n", pos)
        if nl == -1:
            nl = n
        s = pos
        cells = 0
        last_space = -1
        i = s
        while i < nl:
            ch = text[i]
            w = get_character_cell_size(ch)
            if cells + w > width and i > s:
                if last_space > s:
                    starts.append(s)
                    ends.append(last_space)
                    s = last_space + 1
                else:
                    starts.append(s)
                    ends.append(i)
                    s = i
                cells = sum(get_character_cell_size(c) for c in text[s:i])
                last_space = -1
                continue
            if ch == " ":
                last_space = i
            cells += w
            i += 1
        starts.append(s)
        ends.append(nl)
        if nl >= n:
            break
        pos = nl + 1
    return starts, ends


@dataclass
class SpanIndex:
    """Spans ordered by start, queried by overlap with bisect (an interval index)."""

    spans: dict[int, Span] = field(default_factory=dict)
    _keys: list[tuple[int, int]] = field(default_factory=list)  # (start, id), sorted
    _long: set[int] = field(default_factory=set)

    @classmethod
    def build(cls, spans: Iterable[Span]) -> SpanIndex:
        index = cls()
        for span in spans:
            index.spans[span.id] = span
        index._keys = sorted((s.start, s.id) for s in index.spans.values())
        index._long = {s.id for s in index.spans.values() if s.length > LONG_SPAN}
        return index

    def __len__(self) -> int:
        return len(self.spans)

    def add(self, span: Span) -> None:
        self.spans[span.id] = span
        bisect.insort(self._keys, (span.start, span.id))
        if span.length > LONG_SPAN:
            self._long.add(span.id)

    def remove(self, span_id: int) -> Span | None:
        span = self.spans.pop(span_id, None)
        if span is None:
            return None
        i = bisect.bisect_left(self._keys, (span.start, span.id))
        if i < len(self._keys) and self._keys[i] == (span.start, span.id):
            del self._keys[i]
        self._long.discard(span_id)
        return span

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans with ``span.start < end`` and ``span.end > start`` (an empty range = a point)."""
        if end <= start:
            end = start + 1
        lo = bisect.bisect_left(self._keys, (start - LONG_SPAN, -1))
        hi = bisect.bisect_left(self._keys, (end, -1))
        spans = self.spans
        out = []
        for _, sid in self._keys[lo:hi]:
            span = spans[sid]
            if span.end > start and sid not in self._long:
                out.append(span)
        for sid in self._long:
            span = spans[sid]
            if span.start < end and span.end > start:
                out.append(span)
        return out

    def next_start(self, offset: int, code_ids: Container[int] | None = None) -> Span | None:
        """The first span starting after ``offset`` (optionally of some codes: a code and
        the codes under it)."""
        i = bisect.bisect_right(self._keys, (offset, 1 << 62))
        for _, sid in self._keys[i:]:
            span = self.spans[sid]
            if code_ids is None or span.code_id in code_ids:
                return span
        return None

    def previous_start(self, offset: int, code_ids: Container[int] | None = None) -> Span | None:
        """The last span starting before ``offset`` (optionally of some codes)."""
        i = bisect.bisect_left(self._keys, (offset, -1))
        for _, sid in reversed(self._keys[:i]):
            span = self.spans[sid]
            if code_ids is None or span.code_id in code_ids:
                return span
        return None


def parse_hex(colour: str) -> tuple[int, int, int] | None:
    """``#rrggbb`` (or ``#rgb``) as a tuple, None when it is not a hex colour."""
    c = colour.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if len(c) != 6 or not re.fullmatch(r"[0-9a-fA-F]{6}", c):
        return None
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def readable_on(colour: str) -> str:
    """Black or white, whichever reads better on a background of ``colour``."""
    rgb = parse_hex(colour) or (136, 136, 136)
    r, g, b = (v / 255 for v in rgb)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.5 else "#ffffff"


_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”»)]*(?=\s)|\n\s*\n")


def word_end(text: str, offset: int) -> int:
    """The end of the word at or after ``offset`` (for extending a selection by word)."""
    m = _WORD.search(text, offset)
    return m.end() if m else len(text)


def word_start(text: str, offset: int) -> int:
    """The start of the word before ``offset``."""
    i = offset
    while i > 0 and not text[i - 1].isalnum():
        i -= 1
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return i


def sentence_bounds(text: str, offset: int, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The sentence around ``offset`` within ``[lo, hi)`` (usually the speaker turn)."""
    hi = len(text) if hi is None else hi
    window_start = max(lo, offset - 2000)
    start = window_start
    for m in _SENTENCE_END.finditer(text, window_start, offset):
        start = m.end()
    m = _SENTENCE_END.search(text, offset, min(hi, offset + 4000))
    end = m.end() if m else hi
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, max(end, start)
