"""Decoding, normalisation and the .txt/.md parsers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import ImportFormatError
from qualcode.formats import SUPPORTED_SUFFIXES, parse_bytes
from qualcode.formats.text import decode_text, markdown_title, normalise, parse_text

DANISH = "Rødgrød med fløde: æøå ÆØÅ – kræftforløb på sygehuset."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (DANISH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + DANISH.encode("utf-8"), "utf-8-sig"),
        (b"\xff\xfe" + DANISH.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + DANISH.encode("utf-16-be"), "utf-16-be"),
        (b"\xff\xfe\x00\x00" + DANISH.encode("utf-32-le"), "utf-32-le"),
        (DANISH.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_decode_to_the_same_text(data: bytes, encoding: str) -> None:
    doc = parse_bytes("noter.txt", data)
    assert doc.text == DANISH
    assert doc.metadata == {"format": "txt", "encoding": encoding}


def test_latin1_when_cp1252_cannot_decode() -> None:
    # 0x81 is undefined in cp1252, so only latin-1 reads this file.
    data = "Søren på Ærø\n".encode("latin-1") + b"\x81 slut\n"
    text, encoding = decode_text("gammel.txt", data)
    assert encoding == "latin-1"
    assert text.startswith("Søren på Ærø")


def test_cp1252_punctuation_comes_out_right() -> None:
    data = "„Citat“ – sagde hun … €".encode("cp1252")
    assert parse_bytes("x.txt", data).text == "„Citat“ – sagde hun … €"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\x0c"])
def test_all_newline_styles_become_lf(newline: str) -> None:
    data = newline.join(["første linje", "anden linje", "", "tredje"]).encode("utf-8")
    assert parse_bytes("x.txt", data).text == "første linje\nanden linje\n\ntredje"


def test_mixed_newlines_and_no_bom_or_nul_left() -> None:
    text = normalise("\ufeffa\r\nb\rc\nd\x00e")
    assert text == "a\nb\nc\nde"
    assert text.splitlines() == text.split("\n")


def test_nfc_composes_decomposed_letters() -> None:
    decomposed = "A\u030arhus og pa\u030a"  # Å and å written as letter + ring
    doc = parse_bytes("x.txt", decomposed.encode("utf-8"))
    assert doc.text == "Århus og på"


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once and "\ufeff" not in once and "\x00" not in once
    # "\n" is the only line break left, so every viewer splits lines the same way.
    assert len(f"x{once}x".splitlines()) == once.count("\n") + 1


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"   \n\t\r\n  ", "whitespace"),
        (b"\xef\xbb\xbf", "no text"),
        (b"PK\x03\x04\x00\x00binary\x00stuff", "binary"),
        ("Hej med dig".encode("utf-16-le"), "binary"),  # UTF-16 without a BOM
        ("Hej med dig".encode("utf-16-be"), "binary"),
        (bytes(random.Random(7).randrange(1, 32) for _ in range(400)), "binary"),
        (b"\xff\xfe" + "Hej".encode("utf-16-le") + b"\x00", "utf-16-le"),  # odd length
        (b"\xef\xbb\xbfok \xff\xfe bad", "utf-8"),
    ],
)
def test_bad_text_files_are_refused(data: bytes, fragment: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_bytes("interview.txt", data)
    assert info.value.message.startswith("interview.txt: ")
    assert fragment in info.value.message
    assert info.value.hint


def test_a_few_control_characters_are_not_binary() -> None:
    text = "Linje med en vertikal tab\x0b og en \x07 klokke. " * 20
    doc = parse_bytes("x.txt", text.encode("utf-8"))
    assert "\x07" in doc.text and "\x0b" not in doc.text


def test_unknown_suffix_lists_the_supported_ones() -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_bytes("interview.rtf", b"{\\rtf1 hej}")
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in info.value.message
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".docx", ".vtt", ".srt", ".pdf"}


def test_suffix_is_case_insensitive() -> None:
    assert parse_bytes("NOTER.TXT", b"hej").text == "hej"
    assert parse_bytes("Noter.Md", b"# Titel\n\nhej").title == "Titel"


def test_markdown_is_kept_as_written_with_its_title() -> None:
    source = "# Referat af interview\n\n**Thomas Wendelboe:** Vi mangler *data*.\n"
    doc = parse_bytes("08.md", source.encode("utf-8"))
    assert doc.text == source
    assert doc.title == "Referat af interview"
    assert doc.metadata["format"] == "md"


@pytest.mark.parametrize(
    ("source", "title"),
    [
        ('---\ntitle: "Noter fra mødet"\ndato: 2025-03-01\n---\n# Andet\n', "Noter fra mødet"),
        ("---\nforfatter: x\n---\n\n# Overskrift #\ntekst", "Overskrift"),
        ("## Kun niveau to\ntekst", None),
        ("Indledning\n# Senere overskrift", None),
    ],
)
def test_markdown_title(source: str, title: str | None) -> None:
    assert markdown_title(source) == title


def test_plain_text_has_no_title() -> None:
    assert parse_bytes("x.txt", b"# not markdown").title is None


# --- de-hyphenation of text extracted from PDFs (fixtures written for this test) ---------

_DEHYPH = Path(__file__).parent.parent / "data" / "dehyphenation_da.jsonl"


def _dehyph_cases() -> list[dict[str, str]]:
    import json

    return [json.loads(line) for line in _DEHYPH.read_text(encoding="utf-8").splitlines()]


def test_dehyphenation_joins_split_words_and_keeps_suspended_compounds() -> None:
    from qualcode.formats.text import undo_line_hyphenation

    cases = _dehyph_cases()
    joins = [c for c in cases if c["kind"] == "join"]
    keeps = [c for c in cases if c["kind"] == "keep"]
    joined = sum(undo_line_hyphenation(c["text"]) == c["expect"] for c in joins)
    false_joins = [c["text"] for c in keeps if undo_line_hyphenation(c["text"]) != c["expect"]]
    assert len(joins) >= 40 and len(keeps) >= 15
    assert joined / len(joins) >= 0.95  # measured 40 of 40
    assert false_joins == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en opfølg-\n\nningsplan for alle", "en opfølgningsplan for alle"),
        ("en opfølg-\nningsplan", "en opfølgningsplan"),
        ("Kræft- og\nhjertepatienter", "Kræft- og\nhjertepatienter"),
        ("Kræft-\nog hjertepatienter", "Kræft-\nog hjertepatienter"),
        ("Region Midt-\nJylland", "Region Midt-\nJylland"),
        ("det nye it-\nsystem", "det nye it-system"),
    ],
)
def test_dehyphenation_cases(raw: str, expected: str) -> None:
    from qualcode.formats.text import undo_line_hyphenation

    assert undo_line_hyphenation(raw) == expected


def test_txt_import_undoes_pdf_line_hyphenation_across_a_blank_line() -> None:
    data = "Referat\n\nGruppen drøftede en kræftopfølg-\n\nningsplan.\n".encode()
    parsed = parse_text("referat.txt", data)
    assert "kræftopfølgningsplan" in parsed.text
    assert "-\n" not in parsed.text
