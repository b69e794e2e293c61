"""One de-hyphenation rule for text that came out of a PDF, whatever file it arrives in:
.pdf, .txt, .md and .docx. Fixtures (written for these tests, fiction) in tests/data:
``dehyphenation_da.jsonl`` and ``dehyphenation_more_da.jsonl``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest

from qualcode.formats import parse_bytes
from qualcode.formats.dehyphenate import merge_split_blocks, undo_line_hyphenation

DATA = Path(__file__).parent.parent / "data"
FIXTURES = ("dehyphenation_da.jsonl", "dehyphenation_more_da.jsonl")


def _cases() -> list[dict[str, str]]:
    return [
        json.loads(line)
        for name in FIXTURES
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_recall_and_false_joins_on_the_fixtures() -> None:
    cases = _cases()
    joins = [c for c in cases if c["kind"] == "join"]
    keeps = [c for c in cases if c["kind"] == "keep"]
    missed = [c["text"] for c in joins if undo_line_hyphenation(c["text"]) != c["expect"]]
    false_joins = [c["text"] for c in keeps if undo_line_hyphenation(c["text"]) != c["expect"]]
    assert len(joins) >= 65 and len(keeps) >= 30
    # measured: 69 of 69 joined, 0 of 32 false joins (the last 8 + 5 cases were written
    # after the rule was settled and passed on their first run)
    assert len(missed) <= 2, missed
    assert false_joins == []


@pytest.mark.parametrize(
    ("suffix", "wrap"),
    [(".txt", lambda t: t), (".md", lambda t: "# Referat\n\n" + t)],
)
def test_txt_and_md_imports_join_split_words(suffix: str, wrap) -> None:  # type: ignore[no-untyped-def]
    text = wrap("Gruppen drøftede kræftopfølg-\n\nningsplanen og Kræft- og hjertepatienter.\n")
    parsed = parse_bytes("referat" + suffix, text.encode())
    assert "kræftopfølgningsplanen" in parsed.text
    assert "Kræft- og hjertepatienter" in parsed.text


def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_joins_a_word_split_across_paragraphs_and_within_one() -> None:
    data = _docx(
        "Udvalget drøftede en ny kræftopfølg-",
        "ningsplan for regionen og en palli-\native indsats.",
        "Kræft-",
        "og hjertepatienter har hver deres pakkeforløb.",
    )
    text = parse_bytes("referat.docx", data).text
    assert "en ny kræftopfølgningsplan for regionen" in text
    assert "palliative indsats" in text
    assert "Kræft-\n\nog hjertepatienter" in text  # a suspended compound stays as it was


def test_merge_split_blocks_keeps_the_first_blocks_index() -> None:
    merged = merge_split_blocks(["Titel", "en kræftopfølg-", "ningsplan nu.", "Slut."])
    assert merged == [(0, "Titel"), (1, "en kræftopfølgningsplan nu."), (3, "Slut.")]
    assert merge_split_blocks(["Kræft-", "og hjerte"]) == [(0, "Kræft-"), (1, "og hjerte")]
