"""Totals, the experts × areas coverage, code frequencies and the desk review."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from qualcode.models import Code, Quote
from qualcode.review import ReviewDocument, review_codes
from qualcode.rows import stored_id
from qualcode.synthesis.context import _code_ref, _Context, _label, _Tally
from qualcode.synthesis.snapshot import FINAL_STATUSES, SnapshotCoding, SnapshotDocument


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
        person = ctx.person(pid)
        if person is not None:  # always: the order holds known participants only
            out.append({**person, "interviews": docs.get(pid, 0), "codings": per[pid]})
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
        for c in by_code.get(stored_id(code), ()):
            tally.add(c, ctx.expert.get(c.id))
        area_id = ctx.area_of.get(stored_id(code))
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
