"""Parsing WebVTT (``.vtt``) and SubRip (``.srt``) transcripts.

Automatic transcription tools (Teams, Zoom, Whisper) export subtitles. Each cue becomes a
paragraph of the text; a WebVTT voice tag ``<v Name>`` becomes a visible ``Name: `` prefix
so the speaker shows in the text as in any other transcript. Turns carry the media time
of the cues they cover, and consecutive cues of one speaker become one turn.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.errors import ImportFormatError
from qualcode.formats.parsed import ParsedDocument, ParsedTurn
from qualcode.formats.text import decode_text, normalise, require_text
from qualcode.formats.turns import Label, find_labels, turns_from_labels

_CUE_SEPARATOR = "\n\n"
_TIMING = re.compile(r"^\s*(?P<start>\S+?)\s*-->\s*(?P<end>\S+?)(?:\s+.*)?$")
# [hours:]minutes:seconds with a 3-digit fraction; "." in WebVTT, "," (or ".") in SubRip.
_TIMESTAMP = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>[0-5]\d):(?P<s>[0-5]\d)[.,](?P<ms>\d{3})$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]+)>")
_TAG = re.compile(r"<[^>\n]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # SubRip files from Aegisub: {\an8} and friends
_VTT_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")
_HINT = "Export the transcript again, or fix the timing line in a text editor."


@dataclass
class _Cue:
    start: float
    end: float
    lines: list[str]
    voice: str | None  # speaker from a <v Name> tag


def parse_subtitles(filename: str, data: bytes, *, webvtt: bool) -> ParsedDocument:
    """Parse a ``.vtt`` (``webvtt=True``) or ``.srt`` file."""
    raw, encoding = decode_text(filename, data)
    lines = normalise(raw).split("\n")
    cues = _read_webvtt(filename, lines) if webvtt else _read_srt(filename, lines)
    if not cues:
        raise ImportFormatError(
            filename, "has no cues (no subtitle text found)", "Check that you chose the right file."
        )

    pieces: list[str] = []
    cue_starts: list[int] = []
    voices: dict[int, str] = {}
    offset = 0
    for cue in cues:
        body = "\n".join(cue.lines)
        if cue.voice:
            body = f"{cue.voice}: {body}"
            voices[offset] = cue.voice
        cue_starts.append(offset)
        pieces.append(body)
        offset += len(body) + len(_CUE_SEPARATOR)
    text = _CUE_SEPARATOR.join(pieces)
    require_text(filename, text)

    turns = _timed_turns(text, find_labels(text, extra=voices), cues, cue_starts)
    return ParsedDocument(
        text=text,
        turns=_merge_same_speaker(turns),
        title=None,
        metadata={"format": "vtt" if webvtt else "srt", "encoding": encoding},
    )


def _read_webvtt(filename: str, lines: list[str]) -> list[_Cue]:
    if not lines[0].startswith("WEBVTT") or lines[0][6:7] not in ("", " ", "\t"):
        raise ImportFormatError(
            filename,
            "is not a WebVTT file: the first line must be 'WEBVTT'",
            "Check the file; if it is a SubRip file, name it .srt.",
        )
    cues: list[_Cue] = []
    for first_line, block in _blocks(lines[1:], first_line_number=2):
        if block[0].split(maxsplit=1)[0] in _VTT_SKIPPED_BLOCKS and "-->" not in block[0]:
            continue
        if first_line == 2 and "-->" not in "".join(block[:2]):
            continue  # header metadata lines ("Kind: captions") right after WEBVTT
        timing_index = 0 if "-->" in block[0] else 1  # an optional cue identifier first
        cue = _read_cue(filename, block, timing_index, first_line, len(cues) + 1, webvtt=True)
        if cue is not None:
            cues.append(cue)
    return cues


def _read_srt(filename: str, lines: list[str]) -> list[_Cue]:
    cues: list[_Cue] = []
    for first_line, block in _blocks(lines, first_line_number=1):
        timing_index = 1 if block[0].strip().isdigit() else 0  # the cue number
        cue = _read_cue(filename, block, timing_index, first_line, len(cues) + 1, webvtt=False)
        if cue is not None:
            cues.append(cue)
    return cues


def _blocks(lines: list[str], first_line_number: int) -> list[tuple[int, list[str]]]:
    """Split lines into blank-line separated blocks, each with its 1-based first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    current_start = 0
    for number, line in enumerate(lines, start=first_line_number):
        if line.strip():
            if not current:
                current_start = number
            current.append(line)
        elif current:
            blocks.append((current_start, current))
            current = []
    if current:
        blocks.append((current_start, current))
    return blocks


def _read_cue(
    filename: str,
    block: list[str],
    timing_index: int,
    first_line: int,
    cue_number: int,
    *,
    webvtt: bool,
) -> _Cue | None:
    """Read one cue block; ``None`` for a cue with no text. Broken timing is an error."""
    line_number = first_line + timing_index
    where = f"line {line_number} (cue {cue_number})"
    if timing_index >= len(block) or "-->" not in block[timing_index]:
        raise ImportFormatError(
            filename,
            f"{where}: expected a timing line like '00:01:02{'.' if webvtt else ','}000 --> "
            f"00:01:05{'.' if webvtt else ','}500'",
            _HINT,
        )
    timing_line = block[timing_index]
    timing = _TIMING.match(timing_line)
    if timing is None:
        raise ImportFormatError(
            filename, f"{where}: cannot read the timing line {timing_line.strip()!r}", _HINT
        )
    start = _seconds(timing.group("start"), webvtt=webvtt)
    end = _seconds(timing.group("end"), webvtt=webvtt)
    if start is None or end is None:
        bad = timing.group("start") if start is None else timing.group("end")
        raise ImportFormatError(filename, f"{where}: malformed timestamp {bad!r}", _HINT)
    if end < start:
        raise ImportFormatError(
            filename, f"{where}: the cue ends ({timing.group('end')}) before it starts", _HINT
        )
    voice: str | None = None
    lines: list[str] = []
    for raw in block[timing_index + 1 :]:
        if voice is None:
            found = _VOICE.search(raw)
            if found:
                voice = " ".join(found.group(1).split())
        line = _ASS_OVERRIDE.sub("", _TAG.sub("", raw))
        line = html.unescape(line).replace("\u200e", "").replace("\u200f", "").strip()
        if line:
            lines.append(line)
    if not lines:
        return None
    return _Cue(start, end, lines, voice)


def _seconds(stamp: str, *, webvtt: bool) -> float | None:
    match = _TIMESTAMP.match(stamp)
    if match is None:
        return None
    if webvtt and "," in stamp:
        return None
    if not webvtt and match.group("h") is None:
        return None  # SubRip always writes hours
    hours = int(match.group("h") or 0)
    return (
        hours * 3600
        + int(match.group("m")) * 60
        + int(match.group("s"))
        + int(match.group("ms")) / 1000
    )


def _timed_turns(
    text: str, labels: Sequence[Label], cues: list[_Cue], cue_starts: list[int]
) -> list[ParsedTurn]:
    """Turns from labels, each with the media time of the cues it covers."""
    timed = []
    for turn in turns_from_labels(text, labels):
        first = bisect_right(cue_starts, turn.start) - 1
        last = bisect_right(cue_starts, turn.end - 1) - 1
        timed.append(
            ParsedTurn(turn.speaker, turn.start, turn.end, cues[first].start, cues[last].end)
        )
    return timed


def _merge_same_speaker(turns: list[ParsedTurn]) -> list[ParsedTurn]:
    """Join consecutive turns of one speaker: one cue per line of speech is noise."""
    merged: list[ParsedTurn] = []
    for turn in turns:
        if merged and merged[-1].speaker == turn.speaker:
            previous = merged[-1]
            merged[-1] = ParsedTurn(
                turn.speaker, previous.start, turn.end, previous.media_start, turn.media_end
            )
        else:
            merged.append(turn)
    return merged
