"""The codebook's evidence for a passage, by the kind of document it is in.

In an interview (a document with speaker turns) the words around a passage are the rest of
the speaker's turn and the question before it: about the same thing. In a document without
turns (a report, minutes, notes) they are the neighbouring text, which crosses paragraphs:
usually the same area, often another of its attention points. So there the surrounding
text counts at ``PLAIN_CONTEXT_SHARE`` of its weight in an interview, and attention points
are ranked on the passage's own words (``scorer.POINT_CONTEXT_SHARE``). Both shares were
chosen by cross-validation grouped by document over the two development sets (documents
without turns); the demo's interviews keep the full context, which is what does best there.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from qualcode.models import Turn
from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import (
    CONTEXT_SHARE,
    CodebookScorer,
    CodeScore,
)

PLAIN_CONTEXT_SHARE = 0.5


def documents_with_turns(session: Session, doc_ids: list[int] | None = None) -> set[int]:
    """The documents (of ``doc_ids``, or all) that have speaker turns."""
    stmt = select(Turn.document_id).distinct()
    if doc_ids is not None:
        stmt = stmt.where(col(Turn.document_id).in_(doc_ids))
    return {int(d) for d in session.exec(stmt).all()}


def passage_evidence(
    passage: Passage, scorers: dict[str, CodebookScorer], turns: bool
) -> dict[str, CodeScore]:
    """The codebook's evidence for a passage in a document with (``turns``) or without
    speaker turns (see the module docstring)."""
    if turns:
        return passage.evidence(scorers)
    return passage.evidence(scorers, context_share=CONTEXT_SHARE * PLAIN_CONTEXT_SHARE)


def own_evidence(
    passage: Passage, scorers: dict[str, CodebookScorer], turns: bool
) -> dict[str, CodeScore] | None:
    """The evidence of the passage's own words, which ranks attention points in a document
    without turns (None in an interview: there the whole turn ranks them)."""
    if turns:
        return None
    return scorers.get(passage.language, scorers["da"]).score(passage.tokens)
