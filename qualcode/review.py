"""Document review (desk research): where and how often a code's keywords are mentioned.

The study behind qualcode read a year of task-force minutes and found that one theme was
named only a handful of times. This module does that count for every code over every
document of kind ``document``: a keyword matches case-insensitively as the *start* of a
word, so Danish inflections match too ("palliativ" finds "palliative", "palliativt").
Keywords shorter than ``PREFIX_MIN_LENGTH`` must match a whole word, or "dø" would find
every "døgn" and "dør".

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

PREFIX_MIN_LENGTH = 4
CONTEXT_CHARS = 70
# Two hits of one code belong to the same mention when no sentence ends between them.
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_MAX_MENTION_GAP = 200
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def keyword_pattern(keywords: list[str]) -> tuple[re.Pattern[str], list[str]] | None:
    """One regex for a code's keywords and the keyword each group stands for.

    Longer keywords come first so "hjemme" wins over "hjem" where both match.
    """
    cleaned = sorted(
        {k.strip().casefold() for k in keywords if k and k.strip()}, key=lambda k: (-len(k), k)
    )
    if not cleaned:
        return None
    parts = []
    for k in cleaned:
        body = r"\s+".join(re.escape(w) for w in k.split())
        tail = r"\w*" if len(k) >= PREFIX_MIN_LENGTH else r"(?!\w)"
        parts.append(f"({body}{tail})")
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE), cleaned


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


class TextLayout:
    """Line numbers and section headings of one text, found by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._heading_starts: list[int] = []
        self._headings: list[str] = []
        for m in _HEADING.finditer(text):
            self._heading_starts.append(m.start())
            self._headings.append(m.group(1).strip())

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def section_of(self, offset: int) -> str | None:
        i = bisect.bisect_right(self._heading_starts, offset) - 1
        return self._headings[i] if i >= 0 else None


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
    compiled = keyword_pattern(keywords)
    if compiled is None:
        return [], {}
    pattern, names = compiled
    hits: list[tuple[int, int, str]] = []
    counts: Counter[str] = Counter()
    for m in pattern.finditer(text):
        keyword = names[(m.lastindex or 1) - 1]
        hits.append((m.start(), m.end(), keyword))
        counts[keyword] += 1
    if not hits:
        return [], {}
    layout = layout or TextLayout(text)
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
