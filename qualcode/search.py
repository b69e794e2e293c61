"""Search the corpus: exact words, any inflection (lemma), or fuzzy (typos and compounds).

Danish inflects and compounds freely (udredning / udredningen / udredningsforløb), so a
literal search misses passages. Search reads the index built at import (``nlp.store``: each
word form with its lemma, and where it occurs) and never re-runs spaCy over the corpus:

- exact: each query word equals a word of the text (case-insensitive);
- lemma: each query word matches any word with the same lemma (``palliationen`` →
  ``palliation``), and compounds whose head it is (``kræftopfølgningsplanen`` for
  ``opfølgningsplan``: the query's whole lemma at the end, after a known word), marked
  ``compound`` and shown after the inflections;
- fuzzy: each query word matches the corpus vocabulary by rapidfuzz — whole words within a
  few typos, and compounds that start or end with it (``palliation`` →
  ``palliationsindsats``) — and also its exact form and every inflection (lemma). Hits are
  ranked: exact first, then inflections, then the rest by score; each hit says which it is
  (``match``: ``exact`` | ``lemma`` | ``compound`` | ``fuzzy``) and its score.

A query of several words is a phrase: the words in order, adjacent, not across punctuation.
The search itself is ``search_core``: plain SQL over the index and the phrase matched in
Python, the same statements on SQLite and PostgreSQL, and on the light read path
(``store.light``) a read-only CLI search takes on a current SQLite project.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from qualcode.codebook import resolve_code
from qualcode.coding import get_or_create_coder
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.history import record_action
from qualcode.models import DOCUMENT_KINDS, Coding
from qualcode.nlp.store import annotate_missing
from qualcode.progress import Progress, no_progress
from qualcode.rows import stored_id
from qualcode.search_core import (
    CONTEXT_CHARS,
    DEFAULT_FUZZY_SCORE,
    MATCH_RANK,
    MAX_WORDS,
    MODES,
    DocumentCount,
    SearchError,
    SearchHit,
    SearchResult,
    check_options,
    checked_words,
    fuzzy_word_matches,
    search_with,
    split_query,
)
from qualcode.store.reader import SessionReader

__all__ = [
    "CONTEXT_CHARS",
    "DEFAULT_FUZZY_SCORE",
    "MATCH_RANK",
    "MAX_WORDS",
    "MODES",
    "DocumentCount",
    "SearchError",
    "SearchHit",
    "SearchResult",
    "code_hits",
    "fuzzy_word_matches",
    "search",
    "split_query",
]


def search(
    project: Project,
    query: str,
    *,
    mode: str = "exact",
    fuzzy_score: float = DEFAULT_FUZZY_SCORE,
    document: str | int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    context_chars: int = CONTEXT_CHARS,
    progress: Progress = no_progress,
) -> SearchResult:
    """Find ``query`` in the project; documents not yet annotated are annotated first.

    ``mode`` is ``exact``, ``lemma`` or ``fuzzy`` (with ``fuzzy_score`` 0-100). ``limit``
    caps how many hits get context lines; ``total`` and per-document counts are complete.
    """
    check_options(mode, fuzzy_score)
    annotate_missing(project, progress)
    with project.session() as s:
        checked_words(query)
        document_id = None if document is None else stored_id(resolve_document(s, document))
        if kind is not None and kind not in DOCUMENT_KINDS:
            raise SearchError(
                f"unknown document kind {kind!r}", "Use one of: " + ", ".join(DOCUMENT_KINDS)
            )
        return search_with(
            SessionReader(s),
            project.url,
            query,
            mode=mode,
            fuzzy_score=fuzzy_score,
            document_id=document_id,
            kind=kind,
            limit=limit,
            context_chars=context_chars,
        )


def code_hits(
    project: Project,
    result: SearchResult,
    code: str,
    coder: str,
) -> dict[str, Any]:
    """Code every hit of a search (origin ``search``) as one undoable action.

    Hits already coded with that code on exactly that span are skipped, so running the
    same search twice does not double the codings.
    """
    with project.transaction() as s:
        code_row = resolve_code(s, code)
        who = get_or_create_coder(s, coder)
        existing = {
            (c.document_id, c.start, c.end)
            for c in s.exec(select(Coding).where(Coding.code_id == code_row.id))
        }
        added: list[Coding] = []
        skipped = 0
        for d, st, en in result.spans:
            if (d, st, en) in existing:
                skipped += 1
                continue
            existing.add((d, st, en))
            coding = Coding(
                document_id=d,
                code_id=stored_id(code_row),
                coder_id=stored_id(who),
                start=st,
                end=en,
                origin="search",
            )
            s.add(coding)
            added.append(coding)
        if added:
            record_action(
                s,
                coder,
                f"code {len(added)} search hits of {result.query!r} with {code_row.key}",
                added=added,
            )
        return {"code": code_row.key, "coded": len(added), "skipped": skipped}
