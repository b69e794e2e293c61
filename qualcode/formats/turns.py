"""Speaker-turn detection shared by every format.

A transcript marks who speaks with a label at the start of a line: ``I:``,
``Interviewer:``, ``Birgitte Holmgaard:``, ``**Ole Bach:**``. Ordinary prose also has
lines like ``Det vigtigste er:`` or ``Kl. 10:30``, and minutes have ``Dato:`` fields, so
a candidate counts only if it looks like a name (every word capitalised) and is either a
known interviewer label or used as a label at least twice in the document. Formats with
stronger evidence (bold runs in Word, ``<v>`` voice tags in WebVTT) pass their labels in
as ``extra`` and these are always kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from qualcode.formats.parsed import ParsedTurn

# A candidate label at the start of a line, followed by a space, a tab or the line end:
# "Name:", "**Name:**" or "**Name**:". The name part is checked by _looks_like_speaker.
_LABEL = re.compile(
    r"^[ \t]*(?:"
    r"\*\*(?P<bold>[^\W\d_][\w .'’-]{0,39}?)(?::\*\*|\*\*:)"
    r"|(?P<plain>[^\W\d_][\w .'’-]{0,39}?):"
    r")(?=[ \t]|$)",
    re.MULTILINE,
)
# One word of a name: "Anne-Marie", "Dr.", "O'Neil", "H.C.", "Aagaard".
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-.'’][^\W\d_]+)*\.?")
_MAX_LABEL_CHARS = 40
_MAX_NAME_WORDS = 4

# Labels that mark the interviewer: kept even when they occur only once.
KNOWN_LABELS: frozenset[str] = frozenset(
    {
        "I",
        "Int",
        "Int.",
        "Interviewer",
        "Intervieweren",
        "Interviewer 1",
        "Interviewer 2",
        "Moderator",
        "Q",
        "Spm",
        "Spm.",
    }
)
# Lower-case name particles allowed between capitalised words ("Ida van der Berg").
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "la", "le", "du", "da", "di"})
# Field names of minutes, letters and notes (Danish and English): never speakers, however
# often they start a line.
_NOT_SPEAKERS = frozenset(
    """
    dato date tid time kl kl. klokken sted place location lokale room deltagere deltager
    participants attendees fraværende afbud absent emne subject topic titel title referent
    minutes note noter notes nb n.b. obs bemærk bemærkning ps p.s. fx f.eks eksempel example
    e.g i.e kilde kilder source sources bilag appendix figur figure fig fig. tabel table
    dagsorden agenda punkt item pkt pkt. beslutning beslutninger decision decisions
    opfølgning follow-up konklusion conclusion resumé resume summary baggrund background
    formål purpose varighed duration sag ref re vedr vedr. cc bcc til fra to from
    status ansvarlig ansvar responsible owner deadline frist tidsfrist mødeleder ordstyrer
    chair handling handlinger action actions drøftelse indstilling beslutningspunkt
    orientering næste next svarfrist url link web email e-mail
    mail telefon tlf tlf. phone adresse address version udkast draft side page
    """.split()
)


class Label(NamedTuple):
    """A speaker label found in a text: where it starts and the speaker as written."""

    start: int
    speaker: str


@lru_cache(maxsize=4096)  # transcripts repeat the same few labels thousands of times
def looks_like_speaker(label: str) -> bool:
    """Is ``label`` shaped like a name or role: 1-4 capitalised words, maybe a number?"""
    if not label or len(label) > _MAX_LABEL_CHARS:
        return False
    words = label.split()
    if words[-1].isdigit() and len(words) > 1:  # "Interviewer 2", "Ekspert 7"
        if len(words[-1]) > 3:
            return False
        words = words[:-1]
    if len(words) > _MAX_NAME_WORDS:
        return False
    for position, word in enumerate(words):
        if 0 < position < len(words) - 1 and word in _PARTICLES:
            continue
        if not word[0].isupper() or not _NAME_WORD.fullmatch(word):
            return False
    return label.lower().rstrip(" .0123456789") not in _NOT_SPEAKERS


def find_labels(text: str, extra: Mapping[int, str] | None = None) -> list[Label]:
    """Find the speaker labels in ``text``, sorted by offset.

    ``extra`` maps offsets to labels a format already knows (bold runs, voice tags); they
    are always kept and count towards how often a speaker occurs.
    """
    candidates: list[tuple[int, str]] = []
    for match in _LABEL.finditer(text):
        group = match.lastgroup  # "bold" or "plain"
        assert group is not None  # the pattern's two alternatives are both named
        speaker = match.group(group).strip()
        if looks_like_speaker(speaker):
            candidates.append((match.start(group) - (2 if group == "bold" else 0), speaker))
    counts = Counter(speaker for _, speaker in candidates)
    if extra:
        counts.update(extra.values())
    accepted = [
        (start, speaker)
        for start, speaker in candidates
        if counts[speaker] >= 2 or speaker in KNOWN_LABELS
    ]
    if extra:
        merged = dict(accepted)
        merged.update(extra)
        accepted = sorted(merged.items())
    return [Label(start, speaker) for start, speaker in accepted]


def turns_from_labels(text: str, labels: Sequence[Label]) -> list[ParsedTurn]:
    """Turn each label into a turn running up to the next label, trailing whitespace cut."""
    turns: list[ParsedTurn] = []
    if not labels:
        return turns
    next_starts = [start for start, _ in labels[1:]]
    next_starts.append(len(text))
    for (start, speaker), end in zip(labels, next_starts, strict=True):
        while end > start and text[end - 1].isspace():
            end -= 1
        turns.append(ParsedTurn(speaker, start, end))
    return turns


def detect_turns(text: str, extra: Mapping[int, str] | None = None) -> list[ParsedTurn]:
    """The speaker turns of a normalised text (see the module docstring for the rules)."""
    return turns_from_labels(text, find_labels(text, extra))


# An interview has a few voices that take turns; a comment thread or a news text has many
# names at line starts ("Orbán: …"), most once, or one name quoted over and over.
MAX_INTERVIEW_SPEAKERS = 6
MAX_SAME_SPEAKER_RUN_SHARE = 0.5


def labels_recur_like_an_interview(labels: Sequence[Label]) -> bool:
    """Do these labels look like an interview's: 2-6 speakers, each twice or more (or a
    known interviewer label), mostly alternating rather than one voice line after line?"""
    counts = Counter(speaker for _, speaker in labels)
    if not 2 <= len(counts) <= MAX_INTERVIEW_SPEAKERS:
        return False
    if any(n < 2 and speaker not in KNOWN_LABELS for speaker, n in counts.items()):
        return False
    same = sum(1 for a, b in zip(labels, labels[1:], strict=False) if a.speaker == b.speaker)
    return same <= MAX_SAME_SPEAKER_RUN_SHARE * max(len(labels) - 1, 1)


def detect_interview_turns(text: str, known: Mapping[int, str] | None = None) -> list[ParsedTurn]:
    """Turns of a source from another tool, where nothing says it is an interview.

    Labels the caller knows (a REFI-QDA case linked to the source, as name or attribution)
    always count; other labels count only when they recur like an interview's (see
    ``labels_recur_like_an_interview``), never one turn per "Name:" line of a thread.
    """
    labels = find_labels(text)
    found = labels if labels_recur_like_an_interview(labels) else []
    if known:
        found = found or [label for label in labels if label.speaker in KNOWN_LABELS]
        merged = {start: speaker for start, speaker in found}
        merged.update(known)
        found = [Label(start, speaker) for start, speaker in sorted(merged.items())]
    return turns_from_labels(text, found)
