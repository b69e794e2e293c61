"""A search's results (``SearchResult``: hits and per-document counts) and the JSON shapes of
`qualcode search --json` they turn into (``SearchResult.as_dict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class SearchHit:
    """One place the query occurs, with keyword-in-context text around it."""

    document_id: int
    document: str
    kind: str
    start: int
    end: int
    text: str = ""
    left: str = ""
    right: str = ""
    score: float = 100.0
    speaker: str | None = None
    match: str = "exact"  # exact | lemma | compound | fuzzy (how the hit matched the query)

    @property
    def context(self) -> str:
        return f"{self.left}[{self.text}]{self.right}"

    def as_dict(self) -> SearchHitDict:
        return {
            "document_id": self.document_id,
            "document": self.document,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "context": self.context,
            "left": self.left,
            "right": self.right,
            "score": round(self.score, 1),
            "match": self.match,
            "speaker": self.speaker,
        }


@dataclass
class DocumentCount:
    """How often and where the query occurs in one document (desk-research review)."""

    document_id: int
    title: str
    kind: str
    count: int
    offsets: list[int]

    def as_dict(self) -> DocumentCountDict:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "kind": self.kind,
            "count": self.count,
            "offsets": self.offsets,
        }


@dataclass
class SearchResult:
    """All hits of a query (``hits`` may be capped by ``limit``; counts never are)."""

    query: str
    mode: str
    total: int
    hits: list[SearchHit]
    documents: list[DocumentCount]
    variants: list[dict[str, Any]] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.hits) < self.total

    def as_dict(self) -> CodedSearchDict:
        return {
            "query": self.query,
            "mode": self.mode,
            "total": self.total,
            "shown": len(self.hits),
            "hits": [h.as_dict() for h in self.hits],
            "documents": [d.as_dict() for d in self.documents],
            "variants": self.variants,
        }
