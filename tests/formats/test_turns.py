"""Speaker-turn detection: real labels found, ordinary sentences left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.formats import parse_bytes
from qualcode.formats.text import normalise
from qualcode.formats.turns import detect_turns, find_labels, looks_like_speaker

TRANSCRIPT = """\
Interview om opfølgning, optaget 11. februar.

I: Hvad er det vigtigste for dig?
Birgitte Holmgaard: Det vigtigste er: lighed.
Kl. 10:30 havde vi et møde om det.

I: Og derefter?


Birgitte Holmgaard: Data.
"""


def spans(text: str) -> list[tuple[str, str]]:
    return [(turn.speaker, text[turn.start : turn.end]) for turn in detect_turns(text)]


def test_turns_run_to_the_next_label_without_trailing_newlines() -> None:
    assert spans(TRANSCRIPT) == [
        ("I", "I: Hvad er det vigtigste for dig?"),
        (
            "Birgitte Holmgaard",
            "Birgitte Holmgaard: Det vigtigste er: lighed.\nKl. 10:30 havde vi et møde om det.",
        ),
        ("I", "I: Og derefter?"),
        ("Birgitte Holmgaard", "Birgitte Holmgaard: Data."),
    ]


def test_text_before_the_first_label_is_no_turn() -> None:
    first = detect_turns(TRANSCRIPT)[0]
    assert TRANSCRIPT[: first.start] == "Interview om opfølgning, optaget 11. februar.\n\n"


@pytest.mark.parametrize(
    "label", ["I", "Int", "Int.", "Interviewer", "Intervieweren", "Q", "Moderator"]
)
def test_known_interviewer_labels_count_once(label: str) -> None:
    assert spans(f"Intro.\n{label}: Velkommen.\n") == [(label, f"{label}: Velkommen.")]


@pytest.mark.parametrize(
    "name",
    [
        "Jens",
        "Anne-Marie Thorsen",
        "Søren Aagaard",
        "Ida van der Berg",
        "Dr. H.C. Ørsted-Lund",
        "Ekspert 7",
        "Referat",
        "A",
    ],
)
def test_names_count_when_used_twice(name: str) -> None:
    text = f"{name}: første.\nI: spørgsmål.\n{name}: anden."
    assert [speaker for speaker, _ in spans(text)] == [name, "I", name]


def test_a_name_used_once_is_not_a_label() -> None:
    assert spans("I: Hej.\nPeter Mølgaard: kun én gang her.\n") == [
        ("I", "I: Hej.\nPeter Mølgaard: kun én gang her.")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Det vigtigste er: lighed",  # lower-case words: a sentence, not a name
        "Kl. 10:30 begyndte mødet",  # a time, no space after the colon
        "Dato: 3. marts",  # a field of minutes
        "Beslutning: udsættes",
        "Note: se bilag",
        "Vi Talte Om Mange Ting Her: ja",  # more than four words
        "Https://eksempel.dk: link",
        "Tabel 2: Ventetider",
        "Patienterne i Region Nord: ventetid",
        "En meget lang overskrift der bliver ved og ved: x",
    ],
)
def test_ordinary_lines_are_not_labels_even_when_repeated(line: str) -> None:
    text = f"{line}\nmere tekst\n{line}\n"
    assert detect_turns(text) == []


def test_markdown_bold_labels() -> None:
    text = (
        "# Noter\n\n**Ole Bach:** Første svar.\n\n**I**: Spørgsmål?\n\n**Ole Bach:** Andet svar.\n"
    )
    assert spans(text) == [
        ("Ole Bach", "**Ole Bach:** Første svar."),
        ("I", "**I**: Spørgsmål?"),
        ("Ole Bach", "**Ole Bach:** Andet svar."),
    ]


def test_label_alone_on_its_line_and_indented_label() -> None:
    text = "Interviewer:\nHvordan går det?\n  Hanne Fisker: Godt.\nHanne Fisker:\nMen travlt."
    assert spans(text) == [
        ("Interviewer", "Interviewer:\nHvordan går det?"),
        ("Hanne Fisker", "Hanne Fisker: Godt."),
        ("Hanne Fisker", "Hanne Fisker:\nMen travlt."),
    ]


def test_extra_labels_are_always_kept_and_counted() -> None:
    text = "Jens Kjærsgaard: a\n\nJens Kjærsgaard: b\n\nSidsel: c"
    labels = find_labels(text, extra={len(text) - len("Sidsel: c"): "Sidsel"})
    assert [label.speaker for label in labels] == ["Jens Kjærsgaard", "Jens Kjærsgaard", "Sidsel"]


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("Birgitte Holmgaard", True),
        ("Anne-Marie Thorsen", True),
        ("Interviewer 2", True),
        ("Interviewer 2025", False),
        ("birgitte", False),
        ("Birgitte holmgaard", False),
        ("Et To Tre Fire Fem", False),
        ("Ole (OB)", False),
        ("Dato", False),
        ("", False),
    ],
)
def test_looks_like_speaker(label: str, ok: bool) -> None:
    assert looks_like_speaker(label) is ok


def test_txt_import_carries_turns() -> None:
    doc = parse_bytes("05.txt", TRANSCRIPT.replace("\n", "\r\n").encode("cp1252"))
    assert [turn.speaker for turn in doc.turns] == [
        "I",
        "Birgitte Holmgaard",
        "I",
        "Birgitte Holmgaard",
    ]
    assert all(turn.media_start is None for turn in doc.turns)


# Lines built from label-like and prose-like pieces, so the property test meets labels.
_NAMES = st.sampled_from(
    ["I", "Int", "Ole Bach", "Anne-Marie Thorsen", "Æbelø", "Kl. 10", "Det er"]
)
_LABEL_LINE = st.builds(
    lambda name, form, rest: form.format(name=name) + rest,
    _NAMES,
    st.sampled_from(
        ["{name}: ", "{name}:", "**{name}:** ", "**{name}**: ", "  {name}: ", "{name} : "]
    ),
    st.text(max_size=20),
)
_LINE = st.one_of(_LABEL_LINE, st.text(max_size=30))
_NEWLINE = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\u2028"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_LINE, _NEWLINE), max_size=12))
def test_turn_offsets_are_inside_the_text_and_start_with_the_label(
    parts: list[tuple[str, str]],
) -> None:
    text = normalise("".join(line + newline for line, newline in parts))
    assert normalise(text) == text
    turns = detect_turns(text)
    previous_end = 0
    for turn in turns:
        assert 0 <= previous_end <= turn.start < turn.end <= len(text)
        span = text[turn.start : turn.end]
        assert span.removeprefix("**").startswith(turn.speaker)
        assert span == span.rstrip()
        before = text[: turn.start].rstrip(" \t")
        assert before == "" or before.endswith("\n")  # labels sit at the start of a line
        previous_end = turn.end
