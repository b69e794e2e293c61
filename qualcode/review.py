"""Document review (desk research): where and how often a code's keywords are mentioned.

The study behind qualcode read a year of task-force minutes and found that one theme was
named only a handful of times. This module does that count for every code over every
document of kind ``document``. Words are compared as whole lemmas (the same lemmatiser as
search), so inflections match ("palliativ" finds "palliative", "palliativt") and a compound
counts for the keyword that is its head, its last part ("kræftopfølgningsplan" counts for
"opfølgningsplan") — but not for its first part: "hjemmeside" is no mention of "hjemme",
"projektchef" none of "projekt". Keywords shorter than ``PREFIX_MIN_LENGTH`` match whole
words only.

Headings are not mentions: a hit on a heading line ("Opmærksomhedspunkter", "3.2 Basal
palliation") is not counted, but the heading names the section of the mentions below it —
Markdown ``#`` headings and, in text from .txt, PDF or Word files, numbered headings
("3.2 Basal palliation") and short capitalised lines without closing punctuation.

Hits of one code that fall in the same sentence form one *mention* ("basal palliation" is
one mention, not two), and every mention comes with a keyword-in-context line and the
section heading it sits under, so a reader can see where it was said.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from qualcode.lexicon import known_compound
from qualcode.nlp.pipeline import lemma_key

PREFIX_MIN_LENGTH = 4
CONTEXT_CHARS = 70
# Two hits of one code belong to the same mention when no sentence ends between them.
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_MAX_MENTION_GAP = 200
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+\S")
_HEADING_MAX = 90
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_MIN_COMPOUND_PREFIX = 3  # "kræft" + "opfølgningsplan"; "u" + "palliativ" is no compound


def _first_part(part: str) -> bool:
    """Whether a compound's first part is a word (or words) of its own, with or without a
    linking ``s``/``e`` ("kræftopfølgnings", "hjemme", "sundheds")."""
    if known_compound(part):
        return True
    return len(part) > _MIN_COMPOUND_PREFIX and part[-1] in "se" and known_compound(part[:-1])


def heading_text(line: str, previous_blank: bool = True) -> str | None:
    """The heading a line is, or None: a Markdown ``#`` heading, a numbered heading
    ("3.2 Basal palliation"), or a short line that starts with a capital letter, ends
    without sentence punctuation and stands after a blank line (a title in a .txt, PDF or
    Word text)."""
    stripped = line.strip()
    if not stripped:
        return None
    md = _MD_HEADING.match(stripped)
    if md:
        return md.group(1).strip()
    if len(stripped) > _HEADING_MAX or stripped[-1] in ".,;:!?\"'»”)-–":
        return None
    if _NUMBERED_HEADING.match(stripped):
        return stripped
    if previous_blank and stripped[0].isupper() and len(stripped.split()) <= 8:
        return stripped
    return None


@dataclass
class KeywordMatcher:
    """A code's keywords as lemma sequences; finds them among a text's words."""

    keywords: list[str]
    lemmas: list[tuple[str, ...]]

    @classmethod
    def of(cls, keywords: list[str]) -> KeywordMatcher | None:
        cleaned = sorted(
            {" ".join(k.split()).casefold() for k in keywords if k and k.strip()},
            key=lambda k: (-len(k.split()), -len(k), k),
        )
        if not cleaned:
            return None
        return cls(cleaned, [tuple(lemma_key(w) for w in k.split()) for k in cleaned])

    def _word_matches(self, keyword: str, lemma: str, word_lemma: str) -> bool:
        if word_lemma == lemma:
            return True
        if len(keyword) < PREFIX_MIN_LENGTH or not word_lemma.endswith(lemma):
            return False
        # a compound's head: its first part must be a word ("kræft" + "opfølgningsplan"),
        # not the rest of a longer head ("patientomsorg" is no kind of "sorg")
        first = word_lemma[: len(word_lemma) - len(lemma)]
        return len(first) >= _MIN_COMPOUND_PREFIX and _first_part(first)

    def match_at(self, words: list[tuple[int, int, str, str]], i: int) -> tuple[int, str] | None:
        """(words used, keyword) of the keyword that matches at word ``i``; a word spelled
        exactly as a keyword is credited to that keyword."""
        lower = words[i][2]
        found: tuple[int, str] | None = None
        for keyword, lemmas in zip(self.keywords, self.lemmas, strict=True):
            n = len(lemmas)
            if i + n > len(words):
                continue
            if not all(self._word_matches(keyword, lemmas[k], words[i + k][3]) for k in range(n)):
                continue
            if n > 1 or lower == keyword:
                return n, keyword
            if found is None:
                found = (n, keyword)
        return found


def _words(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, lower, lemma) of each word; hyphenated words also as their last part."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if "-" in word:
            cut = word.rindex("-") + 1
            out.append((m.start() + cut, m.end(), word[cut:].lower(), lemma_key(word[cut:])))
        else:
            out.append((m.start(), m.end(), word.lower(), lemma_key(word)))
    return out


@dataclass
class Mention:
    """One place a code is mentioned: a sentence-sized group of keyword hits."""

    start: int
    end: int
    keywords: list[str]
    line: int
    section: str | None
    left: str
    match: str
    right: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "section": self.section,
            "keywords": self.keywords,
            "left": self.left,
            "match": self.match,
            "right": self.right,
        }

    def kwic(self) -> str:
        """The keyword-in-context line, match marked with brackets."""
        return f"{self.left}[{self.match}]{self.right}"


@dataclass
class DocumentMentions:
    """A code's mentions in one document."""

    document_id: int
    title: str
    mentions: list[Mention] = field(default_factory=list)
    keyword_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "mentions": len(self.mentions),
            "keyword_counts": self.keyword_counts,
            "hits": [m.as_dict() for m in self.mentions],
        }


def heading_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every heading line of a text (``heading_text``), in text order."""
    return [(s, e) for s, e, _ in _headings(text)]


def _headings(text: str) -> list[tuple[int, int, str]]:
    out = []
    offset = 0
    previous_blank = True
    for line in text.split("\n"):
        heading = heading_text(line, previous_blank)
        if heading is not None:
            out.append((offset, offset + len(line), heading))
        previous_blank = not line.strip()
        offset += len(line) + 1
    return out


class TextLayout:
    """Line numbers and section headings of one text, found by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        found = _headings(text)
        self._heading_starts = [s for s, _, _ in found]
        self._heading_ends = [e for _, e, _ in found]
        self._headings = [h for _, _, h in found]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def section_of(self, offset: int) -> str | None:
        i = bisect.bisect_right(self._heading_starts, offset) - 1
        return self._headings[i] if i >= 0 else None

    def in_heading(self, offset: int) -> bool:
        i = bisect.bisect_right(self._heading_starts, offset) - 1
        return i >= 0 and offset < self._heading_ends[i]


def _squash(text: str) -> str:
    """One line of display text: whitespace collapsed, Markdown emphasis marks dropped."""
    return " ".join(text.replace("**", "").replace("__", "").split())


def _context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """Left context, match and right context, kept inside the match's paragraph."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    lo = max(para_start, start - width)
    hi = min(para_end, end + width)
    left = text[lo:start]
    right = text[end:hi]
    # Cut at a word boundary so the line does not start or end mid-word.
    if lo > para_start and " " in left:
        left = left[left.index(" ") + 1 :]
    if hi < para_end and " " in right:
        right = right[: right.rindex(" ")]
    lead = "…" if lo > para_start else ""
    trail = "…" if hi < para_end else ""
    left_text = lead + _squash(left) + (" " if left[-1:].isspace() else "")
    right_text = (" " if right[:1].isspace() else "") + _squash(right) + trail
    return left_text, _squash(text[start:end]), right_text


def find_mentions(
    text: str, keywords: list[str], layout: TextLayout | None = None
) -> tuple[list[Mention], dict[str, int]]:
    """The mentions of a keyword list in a text, and how often each keyword matched."""
    matcher = KeywordMatcher.of(keywords)
    if matcher is None:
        return [], {}
    layout = layout or TextLayout(text)
    hits: list[tuple[int, int, str]] = []
    counts: Counter[str] = Counter()
    words = _words(text)
    i = 0
    while i < len(words):
        found = matcher.match_at(words, i)
        if found is None or layout.in_heading(words[i][0]):
            i += 1
            continue
        used, keyword = found
        hits.append((words[i][0], words[i + used - 1][1], keyword))
        counts[keyword] += 1
        i += used
    if not hits:
        return [], {}
    groups: list[list[tuple[int, int, str]]] = [[hits[0]]]
    for hit in hits[1:]:
        prev_end = groups[-1][-1][1]
        gap = text[prev_end : hit[0]]
        if len(gap) <= _MAX_MENTION_GAP and not _SENTENCE_END.search(gap):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    mentions = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        left, match, right = _context(text, start, end)
        mentions.append(
            Mention(
                start=start,
                end=end,
                keywords=list(dict.fromkeys(k for _s, _e, k in group)),
                line=layout.line_of(start),
                section=layout.section_of(start),
                left=left,
                match=match,
                right=right,
            )
        )
    return mentions, dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class ReviewDocument:
    """The little the review needs of a document."""

    id: int
    title: str
    text: str


def review_codes(
    documents: list[ReviewDocument], codes: list[tuple[str, list[str]]]
) -> dict[str, list[DocumentMentions]]:
    """For each code key, its mentions per document (documents without a mention left out)."""
    layouts = {d.id: TextLayout(d.text) for d in documents}
    out: dict[str, list[DocumentMentions]] = {}
    for key, keywords in codes:
        per_doc = []
        for doc in documents:
            mentions, counts = find_mentions(doc.text, keywords, layouts[doc.id])
            if mentions:
                per_doc.append(DocumentMentions(doc.id, doc.title, mentions, counts))
        out[key] = per_doc
    return out
