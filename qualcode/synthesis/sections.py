"""One section of a synthesis (an area, an attention point, a cross-cutting code), saturation."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from qualcode.errors import NotFoundError
from qualcode.formats.synthesis_text import headings
from qualcode.models import Code, Quote
from qualcode.naming import did_you_mean, fold
from qualcode.rows import stored_id
from qualcode.synthesis.context import (
    _code_ref,
    _Context,
    _in_language,
    _label,
    _quote_dict,
    _Tally,
)
from qualcode.synthesis.snapshot import (
    INTERVIEW_KINDS,
    TOP_CO_OCCURRING,
    Snapshot,
    SnapshotCoding,
    SnapshotDocument,
)


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
    memos = [ctx.redactor.redact(m) for m in ctx.snap.code_memos.get(stored_id(code), [])]
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
