"""The compact form of the search index: one posting list per word form and document.

A corpus of a million words used to be a million ``token`` rows (with three indexes) —
most of a project file. Now each distinct ``(lower, lemma)`` is one ``term`` row and each
``(document, term)`` one ``posting`` row whose ``data`` lists where the term occurs: per
occurrence its word ordinal and start offset as deltas from the previous occurrence, in
unsigned LEB128 varints (a byte for most deltas of ordinals, two for offsets). The end
offset is ``start + len(lower)`` unless the occurrence says otherwise (the low bit of its
ordinal delta is then set and its length follows) — so a posting costs about 3 bytes an
occurrence instead of a row of six columns.

Pure code, no database: ``nlp.store`` writes and reads postings with it, and the
``0003_tokens`` migration converts old ``token`` rows with it.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Occurrence of a term: ``(ordinal, start, end)``.
Occurrence = tuple[int, int, int]

_ONE_BYTE = [bytes([i]) for i in range(128)]
_TWO_BYTES = [bytes([(i & 0x7F) | 0x80, i >> 7]) for i in range(1 << 14)]


def _varint(value: int) -> bytes:
    if value < 128:
        return _ONE_BYTE[value]
    if value < 16384:
        return _TWO_BYTES[value]
    out = bytearray()
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class PostingWriter:
    """One term's occurrences in one document, appended in ordinal order."""

    __slots__ = ("data", "last_ordinal", "last_start", "count", "length")

    def __init__(self, length: int) -> None:
        self.data = bytearray()
        self.last_ordinal = 0
        self.last_start = 0
        self.count = 0
        self.length = length  # len(lower): the usual end - start

    def add(self, ordinal: int, start: int, end: int) -> None:
        odd = end - start != self.length
        delta = ordinal - self.last_ordinal
        if delta < 0 or start < self.last_start:
            raise ValueError("occurrences out of order")
        self.data += _varint(delta * 2 + odd)
        self.data += _varint(start - self.last_start)
        if odd:
            self.data += _varint(end - start)
        self.last_ordinal, self.last_start = ordinal, start
        self.count += 1


def encode(occurrences: Iterable[Occurrence], length: int) -> bytes:
    """The posting data of these occurrences (sorted by ordinal) of a ``length``-long form."""
    writer = PostingWriter(length)
    for ordinal, start, end in occurrences:
        writer.add(ordinal, start, end)
    return bytes(writer.data)


def decode(data: bytes, length: int) -> list[Occurrence]:
    """The occurrences ``encode`` stored, in ordinal order."""
    out: list[Occurrence] = []
    values: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append(value)
        value = shift = 0
    ordinal = start = 0
    i = 0
    n = len(values)
    while i < n:
        head = values[i]
        ordinal += head >> 1
        start += values[i + 1]
        if head & 1:
            out.append((ordinal, start, start + values[i + 2]))
            i += 3
        else:
            out.append((ordinal, start, start + length))
            i += 2
    return out


class DocumentPostings:
    """All postings of one document, built from token rows that may arrive in pieces.

    ``add`` takes ``(ordinal, start, end, lower, lemma, is_stop)`` rows in ordinal order
    (as ``nlp.pipeline`` yields them); the writers keep only bytes, so a long text held here
    costs a few bytes a word, not a tuple per word.
    """

    def __init__(self) -> None:
        self.terms: dict[tuple[str, str], PostingWriter] = {}
        self.stop: dict[tuple[str, str], bool] = {}

    def add(
        self,
        rows: Iterable[tuple[int, int, int, str, str, bool]],
        ordinal_shift: int = 0,
        start_shift: int = 0,
    ) -> None:
        """Append token rows; a later piece of the text comes with its shifts.

        The hot loop of storing an import: ``PostingWriter.add`` written out in place.
        """
        terms = self.terms
        one, two = _ONE_BYTE, _TWO_BYTES
        for ordinal, start, end, lower, lemma, stop in rows:
            if len(lower) > 200 or len(lemma) > 200:
                lower, lemma = lower[:200], lemma[:200]
            key = (lower, lemma)
            w = terms.get(key)
            if w is None:
                w = terms[key] = PostingWriter(len(lower))
                self.stop[key] = stop
            ordinal += ordinal_shift
            start += start_shift
            delta = ordinal - w.last_ordinal
            gap = start - w.last_start
            if delta < 0 or gap < 0:
                raise ValueError("occurrences out of order")
            length = end - start + start_shift
            head = delta * 2 + (length != w.length)
            data = w.data
            data += one[head] if head < 128 else two[head] if head < 16384 else _varint(head)
            data += one[gap] if gap < 128 else two[gap] if gap < 16384 else _varint(gap)
            if length != w.length:
                data += _varint(length)
            w.last_ordinal = ordinal
            w.last_start = start
            w.count += 1
