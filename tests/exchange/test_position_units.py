"""Position units converted without a table over the whole text give what the table gave."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.exchange.positions import UNITS, PositionUnit, SourceText, choose_unit
from qualcode.formats.qdpx import QSelection


def table_convert(src: SourceText, position: int, unit: PositionUnit) -> int | None:
    """The conversion as it was: a dict from every unit position to its raw index."""
    if position < 0:
        return None
    if unit == UNITS[0]:
        return src.to_text[position] if position <= len(src.raw) else None
    table: dict[int, int] = {}
    u = 1 if unit.bom_counted else 0
    raw = src.raw
    for i, ch in enumerate(raw):
        table.setdefault(u, i)
        if unit.crlf_as_one and ch == "\r" and raw[i + 1 : i + 2] == "\n":
            continue
        u += 2 if unit.utf16 and ord(ch) > 0xFFFF else 1
    table.setdefault(u, len(raw))
    raw_index = table.get(position)
    return None if raw_index is None else src.to_text[raw_index]


RAW = st.lists(st.sampled_from([*"ab æø\r\n\t", "😀", "𝔸", "e\u0301", "\r\n"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(raw=RAW, had_bom=st.booleans(), positions=st.lists(st.integers(-2, 60), max_size=12))
def test_conversion_equals_the_full_table(raw: str, had_bom: bool, positions: list[int]) -> None:
    src = SourceText(raw, had_bom)
    for unit in UNITS:
        for position in [*positions, len(raw), len(raw) + 1, len(raw) + 2]:
            assert src.convert(position, unit) == table_convert(src, position, unit)


def test_a_source_without_selections_does_not_decide_the_unit() -> None:
    crlf = SourceText("Linje et\r\nLinje to\r\nLinje tre\r\n" * 3, False)
    plain = SourceText("Ingen linjeskift her, kun tekst om kræftplanen.", False)
    unit, why = choose_unit([(crlf, []), (plain, [QSelection("s1", 5, 10, "linje")])])
    assert unit == UNITS[0] and "no text where the counting unit matters" in why
