"""Undoing a typesetter's line-end hyphenation, for text that came out of a PDF — whichever
file it arrives in (.pdf, or a .txt, .md or .docx someone pasted PDF text into).

A word split across lines ("opfølg-" at a line end, "ningsplan" on the next line, often
across one blank line where a page or column broke) is joined when the continuation starts
in lower case, is not a conjunction ("Kræft- og hjertepatienter" keeps its hyphen), and the
joined word is known: it occurs elsewhere in the text, is in the Danish or English word
list (``qualcode.lexicon``, wordfreq), or is a compound of listed words — or the first part
is no word on its own ("pallia-"). An upper-case first part ("EU-", "MR-") keeps its hyphen
and only the line break goes; so does a short one ("it-", "e-") unless the joined word is a
known compound ("be-" + "handlingsplan"). This is the one rule every importer uses; it runs
once at import, before anything points into the text, so offsets are not an issue.
"""

from __future__ import annotations

import re

from qualcode.lexicon import known_compound, known_word

# A word ending in a hyphen at a line end, then (across at most one blank line) a word.
_SPLIT_WORD = re.compile(
    r"(?<![^\W\d_])([^\W\d_]+)[-\u00ad\u2010][ \t]*\n(?:[ \t]*\n)?[ \t]*([^\W\d_]+)"
)
_WORD = re.compile(r"[^\W\d_]+")
_SPLIT_END = re.compile(r"[^\W\d_][-\u00ad\u2010]\Z")
# After these a hyphen marks a suspended compound ("Kræft- og hjertepatienter").
_SUSPENDING = frozenset({"og", "eller", "samt", "el", "and", "or", "nor", "to", "til"})


def _known(word: str) -> bool:
    """A word of Danish or English (wordfreq's lists, read by ``qualcode.lexicon``)."""
    return known_word(word) or known_word(word, "en")


def _compound_known(word: str, depth: int = 3) -> bool:
    """A listed word or a compound of listed words, Danish or English (``known_compound``)."""
    return known_compound(word, "da", depth) or known_compound(word, "en", depth)


def _should_join(before: str, after: str, vocabulary: set[str]) -> bool:
    """Join when the joined word is known (in this text, the word list, or a compound of
    listed words), or when the first part is no word at all (``pallia-``): a typesetter's
    split, not a hyphenated compound."""
    joined = (before + after).lower()
    if joined in vocabulary or _compound_known(joined):
        return True
    return not _compound_known(before.lower(), depth=1)


def undo_line_hyphenation(text: str, vocabulary: set[str] | None = None) -> str:
    """Join words that typesetting split at a line end, as in text copied out of a PDF:
    ``opfølg-\\nningsplan`` (also across one blank line) -> ``opfølgningsplan``.

    A split is joined only when the continuation starts in lower case, is not a conjunction
    (``Kræft- og hjertepatienter`` stays), and the joined word is known — it occurs elsewhere
    in the text, is in the language's word list, or is a compound of listed words — or the
    first part is no word on its own (``pallia-``). A short
    or upper-case first part (``it-``, ``EU-``) keeps its hyphen: only the break goes.
    Offsets are not an issue: this runs once at import, before anything points into the text.
    """
    if "-\n" not in text and "\u00ad" not in text and "\u2010" not in text:
        if not re.search(r"-[ \t]+\n", text):
            return text
    words = {w.lower() for w in _WORD.findall(text)}
    known = words | vocabulary if vocabulary else words

    def join(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        if not after[0].islower() or after.lower() in _SUSPENDING:
            return match.group(0)
        joined = (before + after).lower()
        if before.isupper():  # "EU-reglerne", "MR-scanning"
            return f"{before}-{after}"
        if len(before) <= 2:  # "be-handlingsplan" joins, "it-system" and "e-boks" do not
            return before + after if _compound_known(joined) else f"{before}-{after}"
        if _should_join(before, after, known):
            return before + after
        return match.group(0)

    return _SPLIT_WORD.sub(join, text)


def merge_split_blocks(blocks: list[str]) -> list[tuple[int, str]]:
    """Blocks of text in order (a Word document's paragraphs) with the ones that continue a
    word split at the end of the block before merged into it, under the same rule as
    ``undo_line_hyphenation`` (a block break counts as a line break): ``(index of the first
    block, text)`` per resulting block."""
    vocabulary = {w.lower() for block in blocks for w in _WORD.findall(block)}
    out: list[tuple[int, str]] = []
    for i, block in enumerate(blocks):
        text = undo_line_hyphenation(block, vocabulary)
        if out and _SPLIT_END.search(out[-1][1]):
            joined = undo_line_hyphenation(out[-1][1] + "\n" + text, vocabulary)
            if joined.count("\n") < out[-1][1].count("\n") + text.count("\n") + 1:
                out[-1] = (out[-1][0], joined)
                continue
        out.append((i, text))
    return out
