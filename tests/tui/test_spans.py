"""The pure helpers behind the transcript: wrapping, the interval index, sentences."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from qualcode.tui.widgets.spans import Span, SpanIndex, sentence_bounds, wrap_lines


@given(st.text(alphabet=st.sampled_from(list("abc æøå\n.")), max_size=400), st.integers(8, 40))
def test_wrap_covers_the_text_in_order_within_width(text: str, width: int) -> None:
    starts, ends = wrap_lines(text, width)
    assert starts[0] == 0 and ends[-1] == len(text)
    for a, b in zip(starts, ends, strict=True):
        assert 0 <= a <= b <= len(text)
        assert b - a <= width
        assert "\n" not in text[a:b]
    for b1, a2 in zip(ends, starts[1:], strict=False):
        assert a2 >= b1  # lines do not overlap; only a space or newline is skipped
        assert text[b1:a2] in ("", " ", "\n")


def test_wide_characters_are_measured_in_cells() -> None:
    text = "漢字のテキスト " * 10 + "\nand some English text after it"
    starts, ends = wrap_lines(text, 12)
    assert all(cell_len(text[a:b]) <= 12 for a, b in zip(starts, ends, strict=True))
    assert ends[-1] == len(text)


def test_index_finds_exactly_the_overlapping_spans() -> None:
    rng = random.Random(3)
    spans = []
    for i in range(2000):
        a = rng.randrange(0, 100_000)
        spans.append(Span(i, i % 7, a, a + rng.choice([1, 30, 400, 9000, 60_000])))
    index = SpanIndex.build(spans)
    for _ in range(200):
        a = rng.randrange(0, 110_000)
        b = a + rng.randrange(0, 200)
        expected = {s.id for s in spans if s.start < max(b, a + 1) and s.end > a}
        assert {s.id for s in index.overlapping(a, b)} == expected
    removed = index.remove(5)
    assert removed is not None and 5 not in {s.id for s in index.overlapping(0, 200_000)}
    index.add(Span(9999, 1, 10, 20))
    assert 9999 in {s.id for s in index.overlapping(15, 16)}
    nxt = index.next_start(10, code_ids={1})
    assert nxt is not None and nxt.start > 10 and nxt.code_id == 1
    # a code and the codes under it: the first span of any of them
    both = index.next_start(10, code_ids={1, 2})
    assert both is not None and both.code_id in (1, 2) and both.start <= nxt.start
    prev = index.previous_start(nxt.start, code_ids={1})
    assert prev is None or (prev.start < nxt.start and prev.code_id == 1)


def test_sentence_bounds() -> None:
    text = "Første sætning. Anden sætning er her! Tredje?"
    start, end = sentence_bounds(text, text.index("Anden") + 3)
    assert text[start:end] == "Anden sætning er her!"
