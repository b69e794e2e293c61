"""The per-theme synthesis: what was said about each area and attention point, by whom.

``load_snapshot`` reads the project once (codes, participants, documents, turns, codings,
quotes, memos); ``synthesise`` is a pure function of that snapshot and returns one
JSON-serialisable dict with a top-level ``areas`` list. The writers in ``qualcode.formats``
(``synthesis_md``, ``synthesis_html``, ``synthesis_docx``) only render that dict, so what a
Markdown, HTML, Word and JSON export say is the same by construction.

Consent holds here, once, for every format: people are rendered through
``participants.attribution`` and every piece of source text (excerpts, quotes, document
titles, keyword-in-context lines) passes a ``Redactor`` that replaces the names of
``role_only`` and ``anonymous`` participants with the label their consent allows.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import true
from sqlmodel import select

from qualcode.consent import Redactor
from qualcode.db import Project
from qualcode.documents import TurnIndex
from qualcode.errors import ExportError, NotFoundError
from qualcode.formats import writers
from qualcode.formats.synthesis_text import STATUS_TEXT, headings
from qualcode.models import (
    Code,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    ProjectSetting,
    Quote,
    Turn,
)
from qualcode.naming import did_you_mean, fold
from qualcode.participants import is_interviewer_label
from qualcode.progress import Progress, no_progress
from qualcode.review import ReviewDocument, review_codes
from qualcode.safe_write import atomic_write_bytes
from qualcode.visibility import reviewed_only

FINAL_STATUSES = ("approved", "approved_with_changes", "deemed_accepted")
PENDING_STATUSES = ("candidate", "sent")
# Rejected and withdrawn quotes are never shown, not even in a draft.
HIDDEN_STATUSES = ("rejected", "withdrawn")
INTERVIEW_KINDS = ("interview", "notes")
TOP_CO_OCCURRING = 5


# --------------------------------------------------------------------------------------------
# The snapshot: everything read from the project, once.
# --------------------------------------------------------------------------------------------


@dataclass
class SnapshotCoding:
    id: int
    document_id: int
    code_id: int
    start: int
    end: int


@dataclass
class SnapshotDocument:
    id: int
    title: str
    kind: str
    date: dt.date | None
    language: str
    text: str
    participant_ids: list[int] = field(default_factory=list)


@dataclass
class Snapshot:
    """The project as the synthesis sees it; built by ``load_snapshot`` or by hand in tests."""

    project_name: str
    settings: dict[str, str]
    codes: list[Code]
    participants: list[Participant]
    documents: list[SnapshotDocument]
    turns: dict[int, TurnIndex]
    turn_speakers: dict[int, tuple[str, int | None]]
    codings: list[SnapshotCoding]
    quotes: list[Quote]
    code_memos: dict[int, list[str]]


@dataclass
class _TurnRow:
    """The few turn fields the synthesis needs (TurnIndex reads ``start``/``end``)."""

    id: int
    start: int
    end: int


def load_snapshot(project: Project) -> Snapshot:
    """Read everything the synthesis needs in one session, without per-coding queries."""
    counted = reviewed_only(project)
    with project.session() as s:
        settings = {r.key: r.value for r in s.exec(select(ProjectSetting))}
        codes = list(s.exec(select(Code).order_by(Code.position, Code.id)))
        participants = list(s.exec(select(Participant).order_by(Participant.id)))
        docs = {
            row[0]: SnapshotDocument(
                id=row[0],
                title=row[1],
                kind=row[2],
                date=row[3],
                language=row[4],
                text=row[5],
            )
            for row in s.exec(
                select(
                    Document.id,
                    Document.title,
                    Document.kind,
                    Document.date,
                    Document.language,
                    Document.text,
                ).order_by(Document.id)
            )
        }
        for doc_id, pid in s.exec(
            select(DocumentParticipant.document_id, DocumentParticipant.participant_id).order_by(
                DocumentParticipant.document_id, DocumentParticipant.participant_id
            )
        ):
            if doc_id in docs:
                docs[doc_id].participant_ids.append(pid)
        turns_by_doc: dict[int, list[_TurnRow]] = defaultdict(list)
        speakers: dict[int, tuple[str, int | None]] = {}
        for tid, doc_id, start, end, speaker, pid in s.exec(
            select(
                Turn.id, Turn.document_id, Turn.start, Turn.end, Turn.speaker, Turn.participant_id
            )
        ):
            turns_by_doc[doc_id].append(_TurnRow(tid, start, end))
            speakers[tid] = (speaker, pid)
        codings = [
            SnapshotCoding(*row)
            for row in s.exec(
                select(Coding.id, Coding.document_id, Coding.code_id, Coding.start, Coding.end)
                .where(counted if counted is not None else true())  # blind coding: reviewed only
                .order_by(Coding.document_id, Coding.start, Coding.id)
            )
        ]
        quotes = list(s.exec(select(Quote).order_by(Quote.id)))
        memos: dict[int, list[str]] = defaultdict(list)
        for target_id, text in s.exec(
            select(Memo.target_id, Memo.text)
            .where(Memo.target_kind == "code")
            .order_by(Memo.created, Memo.id)
        ):
            if target_id is not None and text.strip():
                memos[target_id].append(text.strip())
    return Snapshot(
        project_name=settings.get("name") or project.name,
        settings=settings,
        codes=codes,
        participants=participants,
        documents=list(docs.values()),
        turns={d: TurnIndex(rows) for d, rows in turns_by_doc.items()},  # type: ignore[arg-type]
        turn_speakers=speakers,
        codings=codings,
        quotes=quotes,
        code_memos=dict(memos),
    )


# --------------------------------------------------------------------------------------------
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
                parent = self.codes[chain[-1].parent_id]  # type: ignore[index]
                chain.append(parent)
                seen.add(parent.id)
            area = next((x for x in reversed(chain) if x.id in area_ids), None)
            self.area_of[c.id] = area.id if area else None  # type: ignore[index]
            point = None
            if area is not None and c.id != area.id:
                point = chain[chain.index(area) - 1].id
            self.point_of[c.id] = point  # type: ignore[index]
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
            turn_ids = [t.id for t in index.spanning(coding.start, coding.end)]  # type: ignore[attr-defined]
            turn = index.at(coding.start)
            if turn is not None:
                speaker, pid = self.snap.turn_speakers[turn.id]  # type: ignore[index]
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
        out = {code.id}  # type: ignore[arg-type]
        stack = [code]
        while stack:
            for child in self.children.get(stack.pop().id, ()):  # type: ignore[arg-type]
                if child.id not in out:
                    out.add(child.id)  # type: ignore[arg-type]
                    stack.append(child)
        return out  # type: ignore[return-value]

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


def _section(
    ctx: _Context,
    code: Code,
    scope: set[int],
    codings: list[SnapshotCoding],
    quotes: list[Quote],
    excerpt_codes: set[int] | None = None,
) -> dict[str, Any]:
    """The shared part of an area or attention point: counts, excerpts, quotes, memos, links.

    ``excerpt_codes`` limits the excerpts to codings of those codes (an area shows only
    what was coded on the area itself; its attention points carry the rest).
    """
    lang = ctx.language
    tally = _Tally()
    groups: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    co: Counter[int] = Counter()
    for c in codings:
        expert = ctx.expert.get(c.id)
        tally.add(c, expert)
        for other in ctx.neighbours.get(c.id, ()):
            if other not in scope:
                co[other] += 1
        if excerpt_codes is not None and c.code_id not in excerpt_codes:
            continue
        doc = ctx.docs.get(c.document_id)
        text = doc.text[c.start : c.end] if doc else ""
        groups[expert].append(
            {
                "coding_id": c.id,
                "code": ctx.codes[c.code_id].key if c.code_id in ctx.codes else None,
                "document_id": c.document_id,
                "document": ctx.title(c.document_id),
                "start": c.start,
                "end": c.end,
                "text": ctx.redactor.redact(" ".join(text.split())),
            }
        )
    order = sorted(
        groups,
        key=lambda pid: (pid is None, -len(groups[pid]), (ctx.person(pid) or {}).get("label", "")),
    )
    excerpts = []
    h = headings(lang)
    for pid in order:
        person = ctx.person(pid)
        excerpts.append(
            {
                "expert": person,
                "label": person["label"] if person else h["unattributed"],
                "excerpts": groups[pid],
            }
        )
    ranked = sorted(co.items(), key=lambda kv: (-kv[1], ctx.codes[kv[0]].position, kv[0]))
    co_occurring = [
        {**_code_ref(ctx.codes[cid], lang), "count": n}
        for cid, n in ranked
        if ctx.codes[cid].kind != "cross_cutting"
    ][:TOP_CO_OCCURRING]
    cross = [
        {**_code_ref(ctx.codes[cid], lang), "count": n}
        for cid, n in ranked
        if ctx.codes[cid].kind == "cross_cutting"
    ]
    memos = [ctx.redactor.redact(m) for m in ctx.snap.code_memos.get(code.id, [])]  # type: ignore[arg-type]
    return {
        "key": code.key,
        "label": _label(code, lang),
        "label_da": code.label_da,
        "label_en": code.label_en,
        "description": _in_language(code.description_da, code.description_en, lang),
        "colour": code.colour,
        **tally.counts(),
        "expert_ids": sorted(tally.experts),
        "memos": memos,
        "quotes": [_quote_dict(ctx, q) for q in quotes],
        "excerpts_by_expert": excerpts,
        "co_occurring": co_occurring,
        "cross_cutting": cross,
    }


def _interviews(ctx: _Context) -> list[SnapshotDocument]:
    docs = [d for d in ctx.snap.documents if d.kind in INTERVIEW_KINDS]
    return sorted(docs, key=lambda d: (d.date or dt.date.max, d.id))


def _saturation(
    ctx: _Context, code: Code, codings: list[SnapshotCoding], interviews: list[SnapshotDocument]
) -> dict[str, Any]:
    """Cumulative distinct experts after each interview, and when that stopped growing."""
    by_doc: dict[int, set[int]] = defaultdict(set)
    for c in codings:
        expert = ctx.expert.get(c.id)
        if expert is not None:
            by_doc[c.document_id].add(expert)
    seen: set[int] = set()
    cumulative = []
    new = []
    saturated_after = 0
    for i, doc in enumerate(interviews, start=1):
        fresh = by_doc.get(doc.id, set()) - seen
        seen |= fresh
        cumulative.append(len(seen))
        new.append(len(fresh))
        if fresh:
            saturated_after = i
    return {
        "key": code.key,
        "label": _label(code, ctx.language),
        "experts": len(seen),
        "cumulative_experts": cumulative,
        "new_experts": new,
        "saturated_after": saturated_after,
    }


def resolve_area(snap: Snapshot, name: str) -> Code:
    """An area by key or label; naming an attention point says which area it belongs to."""
    ctx_areas = [c for c in snap.codes if c.kind == "area"] or [
        c for c in snap.codes if c.parent_id is None and c.kind != "cross_cutting"
    ]
    wanted = fold(name)
    for c in ctx_areas:
        if c.key == name.strip() or wanted in (fold(c.key), fold(c.label_da), fold(c.label_en)):
            return c
    for c in snap.codes:
        if c.key == name.strip() or wanted in (fold(c.label_da), fold(c.label_en)):
            by_id = {x.id: x for x in snap.codes}
            top = c
            while top.parent_id in by_id and top not in ctx_areas:
                top = by_id[top.parent_id]
            raise NotFoundError(
                f"{c.key} ({c.label_da}) is not a development area",
                f"Use --area {top.key} for the area it belongs to.",
            )
    candidates = [c.key for c in ctx_areas] + [c.label_da for c in ctx_areas]
    raise NotFoundError(
        f"no development area {name!r}",
        did_you_mean(name, candidates) or "Areas: " + ", ".join(c.key for c in ctx_areas),
    )


def synthesise(
    snap: Snapshot,
    area: str | None = None,
    final: bool = False,
    language: str | None = None,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """The synthesis of a snapshot as one JSON-serialisable dict (see docs/cli.md).

    ``final`` refuses (``ExportError``) when a quote the synthesis would show is not
    approved; a draft shows such quotes with ``pending: true``.
    """
    lang = language or snap.settings.get("codebook_language") or "da"
    lang = "en" if lang.lower().startswith("en") else "da"
    ctx = _Context(snap, lang)
    chosen = resolve_area(snap, area) if area else None
    areas = [chosen] if chosen is not None else ctx.areas
    total_steps = len(areas) + 3
    progress(0, total_steps, "codings")

    by_code: dict[int, list[SnapshotCoding]] = defaultdict(list)
    for c in ctx.codings:
        by_code[c.code_id].append(c)
    visible_quotes = [q for q in snap.quotes if q.status not in HIDDEN_STATUSES]
    quotes_by_code: dict[int | None, list[Quote]] = defaultdict(list)
    for q in visible_quotes:
        quotes_by_code[q.code_id].append(q)
    interviews = _interviews(ctx)

    def scoped(ids: set[int]) -> list[SnapshotCoding]:
        out = [c for cid in ids for c in by_code.get(cid, ())]
        out.sort(key=lambda c: (c.document_id, c.start, c.id))
        return out

    used_quotes: list[Quote] = []
    area_dicts = []
    for step, area_code in enumerate(areas, start=1):
        progress(step, total_steps, area_code.key)
        area_scope = ctx.descendants(area_code)
        points = [c for c in ctx.children.get(area_code.id, []) if c.kind != "cross_cutting"]  # type: ignore[arg-type]
        # Quotes and codings on the area itself (not on one of its points).
        point_scopes = {p.id: ctx.descendants(p) for p in points}
        in_points = set().union(*point_scopes.values()) if point_scopes else set()
        direct_ids = area_scope - in_points
        direct_quotes = [q for cid in sorted(direct_ids) for q in quotes_by_code.get(cid, [])]
        section = _section(
            ctx, area_code, area_scope, scoped(area_scope), direct_quotes, direct_ids
        )
        direct = _Tally()
        for c in scoped(direct_ids):
            direct.add(c, ctx.expert.get(c.id))
        section["direct"] = direct.counts()
        used_quotes += direct_quotes
        point_dicts = []
        for point in points:
            scope = point_scopes[point.id]  # type: ignore[index]
            point_codings = scoped(scope)
            point_quotes = [q for cid in sorted(scope) for q in quotes_by_code.get(cid, [])]
            used_quotes += point_quotes
            pd = _section(ctx, point, scope, point_codings, point_quotes)
            pd["saturation"] = _saturation(ctx, point, point_codings, interviews)
            point_dicts.append(pd)
        section["guiding_question"] = _in_language(
            area_code.guiding_question_da, area_code.guiding_question_en, lang
        )
        section["attention_points"] = point_dicts
        section["key_points"] = [
            {
                "key": p["key"],
                "label": p["label"],
                "experts": p["experts"],
                "codings": p["codings"],
            }
            for p in point_dicts
        ]
        area_dicts.append(section)

    progress(len(areas) + 1, total_steps, "cross-cutting")
    cross_dicts = []
    if chosen is None:
        for code in ctx.cross_cutting:
            scope = ctx.descendants(code)
            code_codings = scoped(scope)
            code_quotes = [q for cid in sorted(scope) for q in quotes_by_code.get(cid, [])]
            used_quotes += code_quotes
            cd = _section(ctx, code, scope, code_codings, code_quotes)
            runs: Counter[str] = Counter()
            for c in code_codings:
                touched = {ctx.area_of.get(o) for o in ctx.neighbours.get(c.id, ())}
                for area_id in touched:
                    if area_id is not None:
                        runs[ctx.codes[area_id].key] += 1
            cd["areas"] = [
                {"key": key, "label": _label(a, lang), "count": runs[key]}
                for a in ctx.areas
                if (key := a.key) in runs
            ]
            cross_dicts.append(cd)

    pending = [_quote_dict(ctx, q) for q in used_quotes if q.status not in FINAL_STATUSES]
    if final and pending:
        lines = [
            f"  quote {q['id']} ({q['code']}, {q['expert']}): {q['status_text']}"
            for q in pending[:30]
        ]
        if len(pending) > 30:
            lines.append(f"  … and {len(pending) - 30} more")
        error = ExportError(
            f"a final synthesis needs every quote approved; {len(pending)} "
            f"{'is' if len(pending) == 1 else 'are'} not:\n" + "\n".join(lines),
            "Record the experts' answers (`qualcode quotes respond`), run `qualcode quotes "
            "sweep` for silence past the deadline, withdraw quotes you will not use, or "
            "export a draft without --final.",
        )
        error.pending_quotes = pending  # type: ignore[attr-defined]
        raise error

    progress(len(areas) + 2, total_steps, "coverage")
    data = {
        "project": ctx.redactor.redact(snap.project_name),
        "language": lang,
        "final": final,
        "area": chosen.key if chosen else None,
        "totals": _totals(ctx, interviews, visible_quotes),
        "experts": _experts(ctx, interviews),
        "coverage": _coverage(ctx, interviews, ctx.areas),  # all areas: the context
        "areas": area_dicts,
        "cross_cutting": cross_dicts,
        "code_frequencies": _frequencies(ctx, by_code, areas if chosen else None),
        "interviews": [
            {
                "document_id": d.id,
                "title": ctx.title(d.id),
                "date": d.date.isoformat() if d.date else None,
                "experts": [
                    expert_label(ctx.people[p], ctx.redactor)
                    for p in d.participant_ids
                    if p in ctx.people
                ],
            }
            for d in interviews
        ],
        "saturation": [p["saturation"] for a in area_dicts for p in a["attention_points"]],
        "pending_quotes": pending,
        # Quotes without a code cannot be placed under an area: listed, never shown.
        "unplaced_quotes": [
            _quote_dict(ctx, q) for q in quotes_by_code.get(None, []) if chosen is None
        ],
    }
    progress(len(areas) + 3, total_steps, "document review")
    data["document_review"] = _document_review(ctx, areas, chosen is None)
    mentions = {c["key"]: c["total_mentions"] for c in data["document_review"]["codes"]}
    for a in area_dicts:
        a["desk_mentions"] = mentions.get(a["key"], 0)
        for p in a["attention_points"]:
            p["desk_mentions"] = mentions.get(p["key"], 0)
    data["redactions"] = ctx.redactor.counts.as_dict()
    return data


def _totals(
    ctx: _Context, interviews: list[SnapshotDocument], quotes: list[Quote]
) -> dict[str, int]:
    experts = {pid for d in interviews for pid in d.participant_ids}
    experts |= {e for e in ctx.expert.values() if e is not None}
    return {
        "interviews": len(interviews),
        "experts": len(experts),
        "documents": len(ctx.snap.documents),
        "desk_documents": sum(1 for d in ctx.snap.documents if d.kind == "document"),
        "codings": len(ctx.codings),
        "codings_all_coders": len(ctx.snap.codings),
        "quotes": len(quotes),
        "approved_quotes": sum(1 for q in quotes if q.status in FINAL_STATUSES),
    }


def _expert_order(ctx: _Context, interviews: list[SnapshotDocument]) -> list[int]:
    """Experts in the order they were first interviewed, then any others coded."""
    order: list[int] = []
    for d in interviews:
        for pid in d.participant_ids:
            if pid not in order:
                order.append(pid)
    for pid in sorted({e for e in ctx.expert.values() if e is not None}):
        if pid not in order:
            order.append(pid)
    return [pid for pid in order if pid in ctx.people]


def _experts(ctx: _Context, interviews: list[SnapshotDocument]) -> list[dict[str, Any]]:
    per: Counter[int] = Counter(e for e in ctx.expert.values() if e is not None)
    docs: dict[int, int] = Counter(pid for d in interviews for pid in d.participant_ids)
    out = []
    for pid in _expert_order(ctx, interviews):
        out.append({**ctx.person(pid), "interviews": docs.get(pid, 0), "codings": per[pid]})  # type: ignore[dict-item]
    return out


def _coverage(
    ctx: _Context, interviews: list[SnapshotDocument], areas: list[Code]
) -> dict[str, Any]:
    """Who spoke to what: codings per expert and area."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for c in ctx.codings:
        expert = ctx.expert.get(c.id)
        area_id = ctx.area_of.get(c.code_id)
        if expert is None or area_id is None:
            continue
        counts[expert][ctx.codes[area_id].key] += 1
    keys = [a.key for a in areas]
    rows = []
    for pid in _expert_order(ctx, interviews):
        person = ctx.person(pid)
        assert person is not None
        row_counts = {k: counts[pid].get(k, 0) for k in keys}
        rows.append(
            {
                "expert_id": pid,
                "label": person["label"],
                "expertise": person["expertise"],
                "consent": person["consent"],
                "counts": row_counts,
                "total": sum(row_counts.values()),
            }
        )
    return {
        "areas": [{"key": a.key, "label": _label(a, ctx.language)} for a in areas],
        "rows": rows,
        "area_experts": {k: sum(1 for r in rows if r["counts"][k]) for k in keys},
        "area_codings": {k: sum(r["counts"][k] for r in rows) for k in keys},
    }


def _frequencies(
    ctx: _Context, by_code: dict[int, list[SnapshotCoding]], areas: list[Code] | None
) -> list[dict[str, Any]]:
    allowed = None
    if areas is not None:
        allowed = set().union(*(ctx.descendants(a) for a in areas))
    out = []
    for code in ctx.snap.codes:
        if allowed is not None and code.id not in allowed:
            continue
        tally = _Tally()
        for c in by_code.get(code.id, ()):  # type: ignore[arg-type]
            tally.add(c, ctx.expert.get(c.id))
        area_id = ctx.area_of.get(code.id)  # type: ignore[arg-type]
        out.append(
            {
                **_code_ref(code, ctx.language),
                "area": ctx.codes[area_id].key if area_id is not None else None,
                **tally.counts(),
            }
        )
    return out


def _document_review(ctx: _Context, areas: list[Code], with_cross: bool) -> dict[str, Any]:
    desk = [d for d in ctx.snap.documents if d.kind == "document"]
    codes: list[Code] = []
    for a in areas:
        below = ctx.descendants(a)
        codes.append(a)
        codes += [c for c in ctx.snap.codes if c.id in below and c.id != a.id]
    if with_cross:
        codes += ctx.cross_cutting
    found = review_codes(
        [ReviewDocument(d.id, d.title, d.text) for d in desk],
        [(c.key, list(c.keywords or [])) for c in codes],
    )
    out_codes = []
    for c in codes:
        per_doc = found.get(c.key, [])
        docs = []
        for dm in per_doc:
            entry = dm.as_dict()
            entry["title"] = ctx.title(dm.document_id)
            for hit in entry["hits"]:
                for part in ("left", "match", "right"):
                    hit[part] = ctx.redactor.redact(hit[part])
                if hit["section"]:
                    hit["section"] = ctx.redactor.redact(hit["section"])
            docs.append(entry)
        out_codes.append(
            {
                **_code_ref(c, ctx.language),
                "keywords": list(c.keywords or []),
                "total_mentions": sum(d["mentions"] for d in docs),
                "documents": docs,
            }
        )
    return {
        "documents": [
            {
                "document_id": d.id,
                "title": ctx.title(d.id),
                "date": d.date.isoformat() if d.date else None,
                "words": len(d.text.split()),
            }
            for d in desk
        ],
        "codes": out_codes,
    }


def build_synthesis(
    project: Project,
    area: str | None = None,
    final: bool = False,
    language: str | None = None,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Read the project once and synthesise it (the CLI's and the TUI's entry point)."""
    return synthesise(load_snapshot(project), area, final, language, progress)


SYNTHESIS_FORMATS = ("md", "html", "docx", "json")


def render_synthesis(data: dict[str, Any], fmt: str, progress: Progress = no_progress) -> bytes:
    """The bytes of a synthesis in one format (md, html, docx or json)."""
    return writers.render("synthesis", fmt, data, progress)


def export_synthesis(
    project: Project,
    fmt: str | None,
    out: str | os.PathLike[str],
    area: str | None = None,
    final: bool = False,
    language: str | None = None,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Write the synthesis to ``out``; nothing is written when it fails (e.g. ``--final``).

    The file appears complete or not at all: it is written beside ``out`` and renamed.
    """
    target = Path(out)
    fmt = writers.choose_format("synthesis", fmt, target)
    if not target.parent.is_dir():
        raise ExportError(
            f"cannot write {target}: folder {target.parent} does not exist",
            "Create the folder first, or choose another --out.",
        )
    data = build_synthesis(project, area, final, language)
    payload = render_synthesis(data, fmt, progress)
    try:
        atomic_write_bytes(target, payload)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror}") from exc
    return {
        "path": str(target),
        "format": fmt,
        "final": final,
        "area": data["area"],
        "language": data["language"],
        "areas": [a["key"] for a in data["areas"]],
        "quotes": sum(len(p["quotes"]) for a in data["areas"] for p in [a, *a["attention_points"]])
        + sum(len(c["quotes"]) for c in data["cross_cutting"]),
        "pending_quotes": len(data["pending_quotes"]),
        "redactions": data["redactions"],
        "bytes": len(payload),
    }
