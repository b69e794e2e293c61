"""Deciding many suggestions at once: every open suggestion of one code in one document.

Accepting them is one undoable action (one entry in the coder's history, like the picker's
several codes); rejecting marks them rejected, as ``suggest.reject_suggestion`` does one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from qualcode.coding import add_coding_in, get_or_create_coder
from qualcode.db import Project
from qualcode.errors import NotFoundError
from qualcode.history import record_action
from qualcode.models import Code, Document, Suggestion, utcnow


@dataclass
class BatchResult:
    code_key: str
    decided: int
    coding_ids: list[int]


def decide_code_suggestions(
    project: Project, document_id: int, code_id: int, accept: bool, coder: str
) -> BatchResult:
    """Accept (as codings) or reject every open suggestion of ``code_id`` in a document."""
    with project.transaction() as s:
        doc = s.get(Document, document_id)
        code = s.get(Code, code_id)
        if doc is None:
            raise NotFoundError(f"no document {document_id}", "It may have been deleted.")
        if code is None:
            raise NotFoundError(f"no code {code_id}", "It may have been deleted or merged.")
        rows = list(
            s.exec(
                select(Suggestion)
                .where(
                    Suggestion.document_id == document_id,
                    Suggestion.code_id == code_id,
                    Suggestion.status == "open",
                )
                .order_by(col(Suggestion.start))
            )
        )
        if not rows:
            return BatchResult(code.key, 0, [])
        if not accept:
            stamp = f" (rejected by {coder} {utcnow():%Y-%m-%d})"
            for row in rows:
                row.status = "rejected"
                row.reason = (row.reason + stamp).strip()
                s.add(row)
            return BatchResult(code.key, len(rows), [])
        who = get_or_create_coder(s, coder)
        added = []
        for row in rows:
            added.append(add_coding_in(s, doc, code, row.start, row.end, who, origin="suggestion"))
            row.status = "accepted"
            s.add(row)
        noun = "suggestion" if len(rows) == 1 else "suggestions"
        record_action(
            s, coder, f"accept {len(rows)} {noun} of {code.key} in {doc.title}", added=added
        )
        return BatchResult(code.key, len(rows), [c.id for c in added if c.id is not None])
