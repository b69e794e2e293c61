"""The pure synthesis of a snapshot, and writing it in a format."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from qualcode.db import Project
from qualcode.errors import ExportError
from qualcode.exchange.redact import RedactionDict
from qualcode.formats import writers
from qualcode.models import Code, Quote
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import atomic_write_bytes
from qualcode.synthesis.context import (
    _Context,
    _in_language,
    _label,
    _quote_dict,
    _Tally,
    expert_label,
)
from qualcode.synthesis.coverage import _coverage, _document_review, _experts, _frequencies, _totals
from qualcode.synthesis.sections import _interviews, _saturation, _section, resolve_area
from qualcode.synthesis.snapshot import (
    FINAL_STATUSES,
    HIDDEN_STATUSES,
    Snapshot,
    SnapshotCoding,
    SnapshotDocument,
    load_snapshot,
)

SYNTHESIS_FORMATS = ("md", "html", "docx", "json")


@dataclass
class _Scope:
    """Codings and visible quotes by code, and the quotes a synthesis has used so far."""

    ctx: _Context
    by_code: dict[int, list[SnapshotCoding]] = field(default_factory=lambda: defaultdict(list))
    quotes_by_code: dict[int | None, list[Quote]] = field(default_factory=lambda: defaultdict(list))
    visible: list[Quote] = field(default_factory=list)
    used: list[Quote] = field(default_factory=list)

    @classmethod
    def of(cls, ctx: _Context) -> _Scope:
        scope = cls(ctx)
        for c in ctx.codings:
            scope.by_code[c.code_id].append(c)
        scope.visible = [q for q in ctx.snap.quotes if q.status not in HIDDEN_STATUSES]
        for q in scope.visible:
            scope.quotes_by_code[q.code_id].append(q)
        return scope

    def codings(self, ids: set[int]) -> list[SnapshotCoding]:
        out = [c for cid in ids for c in self.by_code.get(cid, ())]
        out.sort(key=lambda c: (c.document_id, c.start, c.id))
        return out

    def quotes(self, ids: set[int]) -> list[Quote]:
        found = [q for cid in sorted(ids) for q in self.quotes_by_code.get(cid, [])]
        self.used += found
        return found


def _area(scope: _Scope, area_code: Code, interviews: list[SnapshotDocument]) -> dict[str, Any]:
    ctx = scope.ctx
    area_scope = ctx.descendants(area_code)
    points = [c for c in ctx.children.get(area_code.id or 0, []) if c.kind != "cross_cutting"]
    # Quotes and codings on the area itself (not on one of its points).
    point_scopes = {p.id: ctx.descendants(p) for p in points}
    in_points: set[int] = set().union(*point_scopes.values()) if point_scopes else set()
    direct_ids = area_scope - in_points
    direct_quotes = scope.quotes(direct_ids)
    section = _section(
        ctx, area_code, area_scope, scope.codings(area_scope), direct_quotes, direct_ids
    )
    direct = _Tally()
    for c in scope.codings(direct_ids):
        direct.add(c, ctx.expert.get(c.id))
    section["direct"] = direct.counts()
    point_dicts = []
    for point in points:
        ids = point_scopes[point.id]
        point_codings = scope.codings(ids)
        pd = _section(ctx, point, ids, point_codings, scope.quotes(ids))
        pd["saturation"] = _saturation(ctx, point, point_codings, interviews)
        point_dicts.append(pd)
    section["guiding_question"] = _in_language(
        area_code.guiding_question_da, area_code.guiding_question_en, ctx.language
    )
    section["attention_points"] = point_dicts
    section["key_points"] = [
        {"key": p["key"], "label": p["label"], "experts": p["experts"], "codings": p["codings"]}
        for p in point_dicts
    ]
    return section


def _cross_cutting(scope: _Scope, code: Code) -> dict[str, Any]:
    ctx = scope.ctx
    ids = ctx.descendants(code)
    code_codings = scope.codings(ids)
    cd = _section(ctx, code, ids, code_codings, scope.quotes(ids))
    runs: Counter[str] = Counter()
    for c in code_codings:
        touched = {ctx.area_of.get(o) for o in ctx.neighbours.get(c.id, ())}
        for area_id in touched:
            if area_id is not None:
                runs[ctx.codes[area_id].key] += 1
    cd["areas"] = [
        {"key": key, "label": _label(a, ctx.language), "count": runs[key]}
        for a in ctx.areas
        if (key := a.key) in runs
    ]
    return cd


class UnapprovedQuotesError(ExportError):
    """A final synthesis was asked for while quotes still wait for the experts' answers."""

    def __init__(self, message: str, hint: str, pending_quotes: list[dict[str, Any]]) -> None:
        super().__init__(message, hint)
        self.pending_quotes = pending_quotes


def _refuse_unapproved(pending: list[dict[str, Any]]) -> UnapprovedQuotesError:
    lines = [
        f"  quote {q['id']} ({q['code']}, {q['expert']}): {q['status_text']}" for q in pending[:30]
    ]
    if len(pending) > 30:
        lines.append(f"  … and {len(pending) - 30} more")
    return UnapprovedQuotesError(
        f"a final synthesis needs every quote approved; {len(pending)} "
        f"{'is' if len(pending) == 1 else 'are'} not:\n" + "\n".join(lines),
        "Record the experts' answers (`qualcode quotes respond`), run `qualcode quotes "
        "sweep` for silence past the deadline, withdraw quotes you will not use, or "
        "export a draft without --final.",
        pending,
    )


def _interview_rows(ctx: _Context, interviews: list[SnapshotDocument]) -> list[dict[str, Any]]:
    return [
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
    ]


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
    scope = _Scope.of(ctx)
    interviews = _interviews(ctx)
    area_dicts = []
    for step, area_code in enumerate(areas, start=1):
        progress(step, total_steps, area_code.key)
        area_dicts.append(_area(scope, area_code, interviews))
    progress(len(areas) + 1, total_steps, "cross-cutting")
    cross = [_cross_cutting(scope, c) for c in ctx.cross_cutting] if chosen is None else []
    pending = [_quote_dict(ctx, q) for q in scope.used if q.status not in FINAL_STATUSES]
    if final and pending:
        raise _refuse_unapproved(pending)
    progress(len(areas) + 2, total_steps, "coverage")
    data = {
        "project": ctx.redactor.redact(snap.project_name),
        "language": lang,
        "final": final,
        "area": chosen.key if chosen else None,
        "totals": _totals(ctx, interviews, scope.visible),
        "experts": _experts(ctx, interviews),
        "coverage": _coverage(ctx, interviews, ctx.areas),  # all areas: the context
        "areas": area_dicts,
        "cross_cutting": cross,
        "code_frequencies": _frequencies(ctx, scope.by_code, areas if chosen else None),
        "interviews": _interview_rows(ctx, interviews),
        "saturation": [p["saturation"] for a in area_dicts for p in a["attention_points"]],
        "pending_quotes": pending,
        # Quotes without a code cannot be placed under an area: listed, never shown.
        "unplaced_quotes": [
            _quote_dict(ctx, q) for q in scope.quotes_by_code.get(None, []) if chosen is None
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


def build_synthesis(
    project: Project,
    area: str | None = None,
    final: bool = False,
    language: str | None = None,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Read the project once and synthesise it (the CLI's and the TUI's entry point)."""
    return synthesise(load_snapshot(project), area, final, language, progress)


def render_synthesis(data: dict[str, Any], fmt: str, progress: Progress = no_progress) -> bytes:
    """The bytes of a synthesis in one format (md, html, docx or json)."""
    return writers.render("synthesis", fmt, data, progress)


class SynthesisExportDict(TypedDict):
    """`synthesis --json`: what was written, for which areas, and how many quotes (pending:
    not yet approved) and redactions it holds."""

    path: str
    format: str
    final: bool
    area: str | None
    language: str
    areas: list[str]
    quotes: int
    pending_quotes: int
    redactions: RedactionDict
    bytes: int


def export_synthesis(
    project: Project,
    fmt: str | None,
    out: str | os.PathLike[str],
    area: str | None = None,
    final: bool = False,
    language: str | None = None,
    progress: Progress = no_progress,
) -> SynthesisExportDict:
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
    quotes = sum(len(p["quotes"]) for a in data["areas"] for p in [a, *a["attention_points"]])
    return SynthesisExportDict(
        path=str(target),
        format=fmt,
        final=final,
        area=data["area"],
        language=data["language"],
        areas=[a["key"] for a in data["areas"]],
        quotes=quotes + sum(len(c["quotes"]) for c in data["cross_cutting"]),
        pending_quotes=len(data["pending_quotes"]),
        redactions=data["redactions"],
        bytes=len(payload),
    )
