"""Re-anchoring: spans follow their text through an edit; what is gone is reported."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.reanchor import OffsetMap, place

WORDS = st.sampled_from(
    ["ventetid", "palliation", "kommunen", "lægen", "udredning", "data", "og", "ikke", "de"]
)
LINES = st.lists(st.lists(WORDS, min_size=1, max_size=8).map(" ".join), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(lines=LINES, pick=st.integers(0, 100), inserted=LINES, at=st.integers(0, 100))
def test_an_unchanged_line_is_found_again_after_lines_are_inserted(
    lines: list[str], pick: int, inserted: list[str], at: int
) -> None:
    old = "\n".join(lines) + "\n"
    i = pick % len(lines)
    start = sum(len(line) + 1 for line in lines[:i])
    end = start + len(lines[i])
    cut = at % (len(lines) + 1)
    new_lines = lines[:cut] + inserted + lines[cut:]
    new = "\n".join(new_lines) + "\n"
    where = place(old, new, start, end, OffsetMap(old, new))
    assert where.method in ("mapped", "exact", "same")
    assert new[where.start : where.end] == old[start:end]


@settings(max_examples=60, deadline=None)
@given(lines=LINES, a=st.integers(0, 500), b=st.integers(0, 500), new_lines=LINES)
def test_a_placement_always_lies_inside_the_new_text(
    lines: list[str], a: int, b: int, new_lines: list[str]
) -> None:
    old = "\n".join(lines)
    new = "\n".join(new_lines)
    start, end = sorted((a % len(old), b % len(old)))
    end = max(end, start + 1)
    where = place(old, new, start, end)
    assert 0 <= where.start < where.end <= len(new)
    if where.method in ("mapped", "exact"):
        assert new[where.start : where.end] == old[start:end]


def test_methods_in_order() -> None:
    old = "Første linje.\nDe ressourcesvage venter længst.\nSidste linje om data.\n"
    new = (
        "Ny indledning.\nFørste linje.\nDe ressourcesvage venter længst.\n"
        "Sidste linje om nye data.\n"
    )
    s = old.index("De ressourcesvage")
    assert place(old, new, s, s + 31).method == "mapped"
    t = old.index("Sidste linje om data")
    fuzzy = place(old, new, t, t + 20)
    assert fuzzy.method == "fuzzy" and "Sidste linje om" in new[fuzzy.start : fuzzy.end]
    gone = place(old, "Helt anden tekst uden noget af det.\n", s, s + 31)
    assert gone.method == "unplaced" and gone.end > gone.start
