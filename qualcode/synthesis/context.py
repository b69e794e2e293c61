"""Indexes over a snapshot shared by every part of a synthesis; people through consent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from qualcode.consent import Redactor
from qualcode.formats.synthesis_text import STATUS_TEXT
from qualcode.models import Code, Participant, Quote
from qualcode.participants import is_interviewer_label
from qualcode.rows import stored_id
from qualcode.synthesis.snapshot import FINAL_STATUSES, Snapshot, SnapshotCoding

# Consent: how people are shown, and keeping names out of source text.
# --------------------------------------------------------------------------------------------


def expert_label(p: Participant, redactor: Redactor) -> str:
    """The short label of an expert in tables: the name only when consent allows it."""
    if redactor.attribution(p).startswith(p.name) and p.name:
        return p.name
    return redactor.attribution(p)


# --------------------------------------------------------------------------------------------
# The pure synthesis.
# --------------------------------------------------------------------------------------------


def _label(code: Code, language: str) -> str:
    if language == "en":
        return code.label_en or code.label_da
    return code.label_da or code.label_en


def _in_language(da: str, en: str, language: str) -> str:
    return (en or da) if language == "en" else (da or en)


@dataclass
class _Tally:
    codings: int = 0
    experts: set[int] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)

    def add(self, coding: SnapshotCoding, expert: int | None) -> None:
        self.codings += 1
        self.documents.add(coding.document_id)
        if expert is not None:
            self.experts.add(expert)

    def counts(self) -> dict[str, int]:
        return {
            "codings": self.codings,
            "experts": len(self.experts),
            "documents": len(self.documents),
        }


def _distinct_passages(codings: list[SnapshotCoding]) -> list[SnapshotCoding]:
    """One coding per (document, code, span): a passage two coders both coded counts once.

    Double coding is there to check agreement; it must not double a passage's weight.
    """
    seen: set[tuple[int, int, int, int]] = set()
    out = []
    for c in codings:
        key = (c.document_id, c.code_id, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


class _Context:
    """Indexes over a snapshot shared by every part of the synthesis."""

    def __init__(self, snap: Snapshot, language: str) -> None:
        self.snap = snap
        self.language = language
        self.codings = _distinct_passages(snap.codings)
        self.redactor = Redactor.for_participants(snap.participants, language=language)
        self.codes = {c.id: c for c in snap.codes if c.id is not None}
        self.people = {p.id: p for p in snap.participants if p.id is not None}
        self.docs = {d.id: d for d in snap.documents}
        self._titles: dict[int, str] = {}
        self._people: dict[int | None, dict[str, Any] | None] = {}
        self.children: dict[int, list[Code]] = defaultdict(list)
        for c in snap.codes:
            if c.parent_id is not None and c.parent_id in self.codes:
                self.children[c.parent_id].append(c)
        self.areas = [c for c in snap.codes if c.kind == "area"]
        if not self.areas:
            # A codebook without kinds (e.g. from another tool): its top-level codes.
            self.areas = [
                c for c in snap.codes if c.parent_id is None and c.kind != "cross_cutting"
            ]
        self.cross_cutting = [c for c in snap.codes if c.kind == "cross_cutting"]
        self.area_of: dict[int, int | None] = {}
        self.point_of: dict[int, int | None] = {}
        area_ids = {a.id for a in self.areas}
        for c in snap.codes:
            chain = [c]
            seen = {c.id}
            while chain[-1].parent_id in self.codes and chain[-1].parent_id not in seen:
                parent = self.codes[chain[-1].parent_id]
                chain.append(parent)
                seen.add(parent.id)
            area = next((x for x in reversed(chain) if x.id in area_ids), None)
            point = None
            if area is not None and c.id != area.id:
                point = chain[chain.index(area) - 1].id
            if c.id is not None:
                self.area_of[c.id] = area.id if area else None
                self.point_of[c.id] = point
        # The expert behind each coding, and its speaker turns (for co-occurrence).
        self.expert: dict[int, int | None] = {}
        self.coding_turns: dict[int, list[int]] = {}
        for coding in self.codings:
            self.expert[coding.id], self.coding_turns[coding.id] = self._attribute(coding)
        self.neighbours = self._neighbours()

    def _attribute(self, coding: SnapshotCoding) -> tuple[int | None, list[int]]:
        doc = self.docs.get(coding.document_id)
        index = self.snap.turns.get(coding.document_id)
        turn_ids: list[int] = []
        expert: int | None = None
        if index is not None:
            turn_ids = [t.id for t in index.spanning(coding.start, coding.end)]
            turn = index.at(coding.start)
            if turn is not None:
                speaker, pid = self.snap.turn_speakers[turn.id]
                if pid is not None:
                    return pid, turn_ids
                if is_interviewer_label(speaker):
                    return None, turn_ids
        if doc is not None and doc.kind != "document" and len(doc.participant_ids) == 1:
            expert = doc.participant_ids[0]
        return expert, turn_ids

    def _neighbours(self) -> dict[int, set[int]]:
        """For each coding, the other codes on an overlapping span or in the same turn."""
        out: dict[int, set[int]] = defaultdict(set)
        by_doc: dict[int, list[SnapshotCoding]] = defaultdict(list)
        for c in self.codings:
            by_doc[c.document_id].append(c)
        for codings in by_doc.values():
            codings.sort(key=lambda c: (c.start, c.end))
            for i, a in enumerate(codings):
                for b in codings[i + 1 :]:
                    if b.start >= a.end:
                        break
                    if a.code_id != b.code_id:
                        out[a.id].add(b.code_id)
                        out[b.id].add(a.code_id)
            by_turn: dict[int, list[SnapshotCoding]] = defaultdict(list)
            for c in codings:
                for tid in self.coding_turns.get(c.id, ()):
                    by_turn[tid].append(c)
            for group in by_turn.values():
                codes_here = {c.code_id for c in group}
                if len(codes_here) < 2:
                    continue
                for c in group:
                    out[c.id].update(codes_here - {c.code_id})
        return out

    def descendants(self, code: Code) -> set[int]:
        out = {stored_id(code)}
        stack = [code]
        while stack:
            for child in self.children.get(stored_id(stack.pop()), ()):
                if stored_id(child) not in out:
                    out.add(stored_id(child))
                    stack.append(child)
        return out

    def person(self, pid: int | None) -> dict[str, Any] | None:
        if pid not in self._people:
            self._people[pid] = self._person(pid)
        return self._people[pid]

    def _person(self, pid: int | None) -> dict[str, Any] | None:
        if pid is None or pid not in self.people:
            return None
        p = self.people[pid]
        return {
            "id": pid,
            "label": expert_label(p, self.redactor),
            "attribution": self.redactor.attribution(p),
            "consent": p.consent,
            "expertise": p.expertise,
        }

    def title(self, doc_id: int) -> str:
        if doc_id not in self._titles:
            doc = self.docs.get(doc_id)
            self._titles[doc_id] = self.redactor.redact(doc.title) if doc else f"#{doc_id}"
        return self._titles[doc_id]


def _code_ref(code: Code, language: str) -> dict[str, Any]:
    return {"key": code.key, "label": _label(code, language), "kind": code.kind}


def _quote_dict(ctx: _Context, q: Quote) -> dict[str, Any]:
    person = ctx.people.get(q.participant_id)
    code = ctx.codes.get(q.code_id) if q.code_id is not None else None
    return {
        "id": q.id,
        "code": code.key if code else None,
        "status": q.status,
        "status_text": STATUS_TEXT[ctx.language].get(q.status, q.status),
        "pending": q.status not in FINAL_STATUSES,
        "wording": ctx.redactor.redact(q.approved_wording or q.wording),
        "attribution": ctx.redactor.attribution(person) if person else "",
        "expert": person and expert_label(person, ctx.redactor),
        "expert_id": q.participant_id,
        "document_id": q.document_id,
        "document": ctx.title(q.document_id),
        "start": q.start,
        "end": q.end,
    }
