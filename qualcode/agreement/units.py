"""Units of agreement: sentences, and when a coding marks one."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from qualcode.models import Document, Sentence

_SENTENCE_END = re.compile(r"[.!?…]+[\"»”')\]]*\s+(?=[\"«“'(\[]?[A-ZÆØÅÄÖÜÉ])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences by a simple rule: end punctuation followed by space and a capital, or a
    line break. Good enough for units of agreement when NLP annotation has not run."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if m.group(0).startswith("\n") else m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def document_units(session: Session, doc: Document) -> tuple[list[tuple[int, int]], str]:
    """The units of a document and where they came from (``nlp`` or ``splitter``)."""
    rows = session.exec(
        select(Sentence.start, Sentence.end)
        .where(Sentence.document_id == doc.id)
        .order_by(Sentence.ordinal)
    ).all()
    if rows:
        return [(s, e) for s, e in rows if e > s], "nlp"
    return split_sentences(doc.text), "splitter"


def marks(unit: tuple[int, int], coding: tuple[int, int]) -> bool:
    """A coding marks a unit when they overlap by at least half of the shorter one."""
    overlap = min(unit[1], coding[1]) - max(unit[0], coding[0])
    return overlap > 0 and 2 * overlap >= min(unit[1] - unit[0], coding[1] - coding[0])
