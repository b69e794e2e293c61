"""WebVTT and SubRip transcripts: cues as paragraphs, voices as speakers, media times."""

from __future__ import annotations

import pytest

from qualcode.errors import ImportFormatError
from qualcode.formats import parse_bytes

VTT = """\
WEBVTT
Kind: captions
Language: da

NOTE optaget i mødelokale 2,
ikke en del af teksten

1
00:00:01.000 --> 00:00:04.500 align:start
<v Interviewer>Hvordan begyndte <i>det</i>?</v>

2
00:00:05.000 --> 00:00:09.000
<v.loud Søren Aagaard>Med en henvisning
der blev afvist &amp; sendt videre.

00:00:09.500 --> 00:00:12.250
<v Søren Aagaard>Så ventede vi.

01:00:00.000 --> 01:00:02.000
Tekst uden stemme hører til den forrige tur.

01:00:03.000 --> 01:00:04.000
<v Interviewer>Tak.
"""


def test_vtt_cues_become_paragraphs_with_visible_speakers() -> None:
    doc = parse_bytes("04_aagaard.vtt", VTT.encode("utf-8"))
    assert doc.text == (
        "Interviewer: Hvordan begyndte det?\n\n"
        "Søren Aagaard: Med en henvisning\nder blev afvist & sendt videre.\n\n"
        "Søren Aagaard: Så ventede vi.\n\n"
        "Tekst uden stemme hører til den forrige tur.\n\n"
        "Interviewer: Tak."
    )
    assert doc.metadata == {"format": "vtt", "encoding": "utf-8"}


def test_vtt_turns_merge_same_speaker_and_carry_media_times() -> None:
    doc = parse_bytes("04.vtt", VTT.encode("utf-8"))
    got = [(t.speaker, t.media_start, t.media_end) for t in doc.turns]
    assert got == [
        ("Interviewer", 1.0, 4.5),
        ("Søren Aagaard", 5.0, 3602.0),
        ("Interviewer", 3603.0, 3604.0),
    ]
    middle = doc.turns[1]
    assert doc.text[middle.start : middle.end].startswith("Søren Aagaard: Med en henvisning")
    assert doc.text[middle.start : middle.end].endswith("forrige tur.")


SRT = """\
1
00:00:00,500 --> 00:00:03,000
Int: Velkommen til.

2
00:00:03,500 --> 00:00:06,000
Karsten Vibe: Tak. <i>Det</i> er et godt spørgsmål.

3
00:00:06,000 --> 00:00:08,000
{\\an8}Karsten Vibe: Vi mangler data.

4
00:00:08,500 --> 00:00:09,000
Int: Hvorfor?
"""


def test_srt_with_name_prefixes() -> None:
    doc = parse_bytes("06_vibe.srt", SRT.replace("\n", "\r\n").encode("cp1252"))
    assert doc.metadata == {"format": "srt", "encoding": "cp1252"}
    assert doc.text.split("\n\n")[1] == "Karsten Vibe: Tak. Det er et godt spørgsmål."
    assert [(t.speaker, t.media_start, t.media_end) for t in doc.turns] == [
        ("Int", 0.5, 3.0),
        ("Karsten Vibe", 3.5, 8.0),
        ("Int", 8.5, 9.0),
    ]


def test_srt_without_speakers_has_no_turns() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\nHej.\n\n2\n00:00:02,000 --> 00:00:03,000\nFarvel.\n"
    doc = parse_bytes("x.srt", data)
    assert doc.text == "Hej.\n\nFarvel."
    assert doc.turns == []


@pytest.mark.parametrize(
    ("filename", "source", "fragment"),
    [
        (
            "a.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nHej\n",
            "line 3 (cue 1): malformed timestamp '00:00:0x.000'",
        ),
        (
            "a.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHej\n\n00:00:61.000 --> 00:01:02.000\nDa\n",
            "line 6 (cue 2): malformed timestamp '00:00:61.000'",
        ),
        (
            "a.vtt",
            "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHej\n",
            "line 3 (cue 1): malformed timestamp",
        ),
        ("a.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nHej\n", "line 3 (cue 1): the cue ends"),
        ("a.vtt", "WEBVTT\n\nbare tekst\nuden tid\n", "line 4 (cue 1): expected a timing line"),
        (
            "a.vtt",
            "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHej\n",
            "line 4 (cue 1): expected a timing line",
        ),
        ("a.vtt", "Ikke en undertekst\n", "first line must be 'WEBVTT'"),
        ("a.vtt", "WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nHej\n", "first line must be 'WEBVTT'"),
        ("a.vtt", "WEBVTT\n\nNOTE kun en note\n", "has no cues"),
        (
            "a.srt",
            "1\n00:00:01,000 --> 00:00:02\nHej\n",
            "line 2 (cue 1): malformed timestamp '00:00:02'",
        ),
        (
            "a.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nHej\n\n2\nHej igen\n",
            "line 6 (cue 2): expected a timing line",
        ),
        ("a.srt", "1\n01:02,000 --> 01:03,000\nHej\n", "malformed timestamp '01:02,000'"),
        ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n", "has no cues"),
    ],
)
def test_broken_subtitles_name_the_line(filename: str, source: str, fragment: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_bytes(filename, source.encode("utf-8"))
    assert fragment in info.value.message
    assert info.value.hint


def test_vtt_without_hours_and_with_bom_and_crlf() -> None:
    data = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.500\r\nHej\r\n".encode("utf-8")
    doc = parse_bytes("x.VTT", data)
    assert doc.text == "Hej"
    assert doc.metadata["encoding"] == "utf-8-sig"


def test_vtt_voice_with_a_name_that_does_not_look_like_one_is_kept() -> None:
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v speaker 1 (remote)>Hallo\n"
    doc = parse_bytes("x.vtt", data)
    assert doc.text == "speaker 1 (remote): Hallo"
    assert [t.speaker for t in doc.turns] == ["speaker 1 (remote)"]
