"""The compact form of the search index: one posting list per word form and document.

A corpus of a million words used to be a million ``token`` rows (with three indexes) —
most of a project file. Now each distinct ``(lower, lemma)`` is one ``term`` row and each
``(document, term)`` one ``posting`` row whose ``data`` lists where the term occurs, in
unsigned LEB128 varints: per occurrence its word ordinal and start offset as deltas from
the previous occurrence (a byte for most ordinal deltas, two for offsets), then, after all
occurrences, the lengths of the few whose ``end - start`` is not ``len(lower)`` (those
carry the low bit of their ordinal delta). About 3 bytes an occurrence instead of a row of
six columns.

Pure code, no database: ``nlp.store`` writes and reads postings with it, and the
``0003_tokens`` migration converts old ``token`` rows with it. A long posting is decoded
with numpy (vectorised); a short one in plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Occurrence of a term: ``(ordinal, start, end)``.
Occurrence = tuple[int, int, int]

_ONE_BYTE = [bytes([i]) for i in range(128)]
_TWO_BYTES = [bytes([(i & 0x7F) | 0x80, i >> 7]) for i in range(1 << 14)]
_VECTOR_BYTES = 256  # postings at least this long are decoded with numpy


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

    __slots__ = ("data", "odd", "last_ordinal", "last_start", "count", "length")

    def __init__(self, length: int) -> None:
        self.data = bytearray()
        self.odd = bytearray()  # lengths of occurrences that are not ``length`` long
        self.last_ordinal = 0
        self.last_start = 0
        self.count = 0
        self.length = length  # len(lower): the usual end - start

    def add(self, ordinal: int, start: int, end: int) -> None:
        delta = ordinal - self.last_ordinal
        gap = start - self.last_start
        if delta < 0 or gap < 0:
            raise ValueError("occurrences out of order")
        odd = end - start != self.length
        self.data += _varint(delta * 2 + odd)
        self.data += _varint(gap)
        if odd:
            self.odd += _varint(end - start)
        self.last_ordinal, self.last_start = ordinal, start
        self.count += 1

    def payload(self) -> bytes:
        """What is stored in ``posting.data``."""
        return bytes(self.data + self.odd)


def encode(occurrences: Iterable[Occurrence], length: int) -> bytes:
    """The posting data of these occurrences (sorted by ordinal) of a ``length``-long form."""
    writer = PostingWriter(length)
    for ordinal, start, end in occurrences:
        writer.add(ordinal, start, end)
    return writer.payload()


def _values(data: bytes) -> list[int]:
    values: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append(value)
        value = shift = 0
    return values


def decode(data: bytes, length: int) -> list[Occurrence]:
    """The occurrences ``encode`` stored, in ordinal order."""
    if len(data) >= _VECTOR_BYTES:
        return _decode_vector(data, length)
    values = _values(data)
    out: list[Occurrence] = []
    ordinal = start = 0
    end = _pairs_end(values)
    odd = iter(values[end:])
    for i in range(0, end, 2):
        head = values[i]
        ordinal += head >> 1
        start += values[i + 1]
        out.append((ordinal, start, start + (next(odd) if head & 1 else length)))
    return out


def _pairs_end(values: list[int]) -> int:
    """Where the (ordinal, start) pairs end and the odd lengths begin: after ``n`` pairs
    exactly as many values are left as heads had their low bit set (earlier, more are)."""
    odd = i = 0
    total = len(values)
    while total - i > odd:
        odd += values[i] & 1
        i += 2
    return i


def _decode_vector(data: bytes, length: int) -> list[Occurrence]:
    import numpy as np

    if not data:
        return []
    raw = np.frombuffer(data, dtype=np.uint8)
    last = np.flatnonzero(raw < 0x80)  # the last byte of each varint
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    size = last - first + 1
    values: Any = raw[last].astype(np.int64)
    for k in range(1, int(size.max())):  # lower-order bytes, most significant first
        has = size > k
        values[has] = (values[has] << 7) | (raw[last[has] - k] & 0x7F)
    n = _pair_count(values, values[0::2] & 1)
    heads = values[0 : 2 * n : 2]
    ordinals = np.cumsum(heads >> 1)
    starts = np.cumsum(values[1 : 2 * n : 2])
    ends = starts + length
    odd = np.flatnonzero(heads & 1)
    if odd.size:
        ends[odd] = starts[odd] + values[2 * n :]
    return list(zip(ordinals.tolist(), starts.tolist(), ends.tolist(), strict=True))


def _pair_count(values: Any, odd_heads: Any) -> int:
    """How many occurrences the values hold (see ``_pairs_end``), for the numpy decoder."""
    total = len(values)
    if not odd_heads.any():
        return total // 2
    return _pairs_end([int(v) for v in values]) // 2


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
                w.odd += _varint(length)
            w.last_ordinal = ordinal
            w.last_start = start
            w.count += 1
