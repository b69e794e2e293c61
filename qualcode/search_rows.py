"""The JSON shapes of `qualcode search --json` (what ``search.SearchResult.as_dict`` returns)."""

from __future__ import annotations

from typing import Any, TypedDict


class SearchHitDict(TypedDict):
    """One hit: where, the matched text with its context, and how it matched."""

    document_id: int
    document: str
    kind: str
    start: int
    end: int
    text: str
    context: str
    left: str
    right: str
    score: float
    match: str
    speaker: str | None


class DocumentCountDict(TypedDict):
    """How often and where the query occurs in one document."""

    document_id: int
    title: str
    kind: str
    count: int
    offsets: list[int]


class SearchDict(TypedDict):
    """`qualcode search --json`; with --code-hits the CLI adds ``coded``."""

    query: str
    mode: str
    total: int
    shown: int
    hits: list[SearchHitDict]
    documents: list[DocumentCountDict]
    variants: list[dict[str, Any]]


class CodedSearchDict(SearchDict, total=False):
    """`qualcode search --code-hits CODE --json`: the search and what was coded."""

    coded: dict[str, Any]
