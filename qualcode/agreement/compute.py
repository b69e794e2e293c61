"""Agreement of two or more coders over a project, in small steps.

Units are the sentences of the documents every compared coder worked on; for each code each
coder marked a unit or not (``units.marks``). Per code, per area (its codes pooled) and
overall (every code pooled) the figures come twice: over all units, and over the units at
least one coder marked.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from qualcode.agreement.decisions import review_decisions
from qualcode.agreement.figures import figures_both
from qualcode.agreement.report import (
    AgreementDocument,
    AgreementReport,
    AreaRow,
    CodeRow,
    Disagreement,
    DisagreementCoding,
    both_dict,
)
from qualcode.agreement.units import document_units, marks
from qualcode.codebook import resolve_code
from qualcode.db import Project
from qualcode.documents import resolve_document
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.models import Code, Coder, Coding, Document
from qualcode.naming import did_you_mean
from qualcode.rows import stored_id


@dataclass
class _Units:
    """Every unit of the shared documents, numbered globally, and who marked which."""

    where: list[tuple[Document, int, int]] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    documents: list[AgreementDocument] = field(default_factory=list)
    # code id -> coder id -> marked unit numbers; (unit, code, coder) -> the codings
    ones: dict[int, dict[int, set[int]]] = field(default_factory=dict)
    marked: dict[tuple[int, int, int], list[Coding]] = field(default_factory=dict)


def _coder_ids(s: Session, coders: list[str]) -> dict[int, str]:
    names = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if len(names) < 2:
        raise QualcodeError("agreement needs at least two coders", "Give --coders A B.")
    rows = {c.name: c for c in s.exec(select(Coder))}
    missing = [n for n in names if n not in rows]
    if missing:
        raise NotFoundError(
            f"no coder named {missing[0]!r}",
            did_you_mean(missing[0], list(rows)) or "Coders: " + ", ".join(sorted(rows)),
        )
    return {stored_id(rows[n]): n for n in names}


def _shared_documents(
    s: Session, coder_ids: dict[int, str], documents: list[str] | None
) -> tuple[list[int], dict[int, list[Coding]]]:
    wanted = {resolve_document(s, d).id for d in documents} if documents else None
    query = select(Coding).where(col(Coding.coder_id).in_(list(coder_ids)))
    by_doc: dict[int, list[Coding]] = {}
    for c in s.exec(query):
        by_doc.setdefault(c.document_id, []).append(c)
    shared = sorted(
        d
        for d, cs in by_doc.items()
        if {c.coder_id for c in cs} >= set(coder_ids) and (wanted is None or d in wanted)
    )
    if not shared:
        raise QualcodeError(
            "no document was coded by all of " + ", ".join(coder_ids.values()),
            "Agreement is computed on documents every named coder worked on.",
        )
    return shared, by_doc


def _codes_used(
    s: Session, shared: list[int], by_doc: dict[int, list[Coding]], codes: list[str] | None
) -> tuple[list[int], dict[int, Code]]:
    code_rows = {c.id: c for c in s.exec(select(Code)) if c.id is not None}
    wanted = {resolve_code(s, c).id for c in codes} if codes else set(code_rows)
    used = {c.code_id for d in shared for c in by_doc[d]} & wanted
    return sorted(used, key=lambda cid: (code_rows[cid].position, cid)), code_rows


def _mark_units(
    s: Session,
    shared: list[int],
    by_doc: dict[int, list[Coding]],
    used: list[int],
    coders: dict[int, str],
) -> _Units:
    units = _Units(ones={cid: {x: set() for x in coders} for cid in used})
    for doc_id in shared:
        doc = s.get(Document, doc_id)
        assert doc is not None
        spans, source = document_units(s, doc)
        units.sources[source] += 1
        units.documents.append({"id": doc.id, "title": doc.title, "units": len(spans)})
        base = len(units.where)
        units.where.extend((doc, us, ue) for us, ue in spans)
        starts = [u[0] for u in spans]
        for c in by_doc[doc_id]:
            if c.code_id not in units.ones:
                continue
            i = max(bisect_left(starts, c.start) - 1, 0)
            while i < len(spans) and spans[i][0] < c.end:
                if marks(spans[i], (c.start, c.end)):
                    units.ones[c.code_id][c.coder_id].add(base + i)
                    units.marked.setdefault((base + i, c.code_id, c.coder_id), []).append(c)
                i += 1
    return units


def _rows(units: _Units, cid: int, coders: dict[int, str]) -> list[bytearray]:
    rows = []
    for x in coders:
        row = bytearray(len(units.where))
        for i in units.ones[cid][x]:
            row[i] = 1
        rows.append(row)
    return rows


def _disagreements(
    units: _Units, code: Code, rows: list[bytearray], coders: dict[int, str]
) -> list[Disagreement]:
    names = list(coders.values())
    code_id = stored_id(code)
    out = []
    for i in sorted(set().union(*units.ones[code_id].values())):
        values = [row[i] for row in rows]
        if len(set(values)) == 1:
            continue
        doc, us, ue = units.where[i]
        out.append(
            Disagreement(
                document_id=stored_id(doc),
                document=doc.title,
                start=us,
                end=ue,
                text=doc.text[us:ue],
                code_id=code_id,
                code=code.key,
                code_label=code.label_da,
                coded_by=[n for n, v in zip(names, values, strict=True) if v],
                not_coded_by=[n for n, v in zip(names, values, strict=True) if not v],
                codings={
                    n: [
                        DisagreementCoding(
                            id=c.id,
                            start=c.start,
                            end=c.end,
                            text=doc.text[c.start : c.end],
                            memo=c.memo,
                        )
                        for c in units.marked.get((i, code_id, x), [])
                    ]
                    for x, n in coders.items()
                },
            )
        )
    return out


def area_of(code: Code, code_rows: dict[int, Code]) -> Code:
    """The code's top-level ancestor: its area (or itself, for a code without a parent)."""
    seen = {code.id}
    while code.parent_id is not None and code.parent_id in code_rows:
        code = code_rows[code.parent_id]
        if code.id in seen:  # a cycle in a hand-edited codebook: stop where it loops
            break
        seen.add(code.id)
    return code


def _code_row(
    code: Code, area: Code, rows: list[bytearray], coders: dict[int, str], disagreements: int
) -> CodeRow:
    both = figures_both(rows)
    return CodeRow(
        code=code.key,
        label=code.label_da,
        area=area.key,
        units_coded={n: sum(rows[k]) for k, n in enumerate(coders.values())},
        **both["all_units"],
        all_units=both["all_units"],
        coded_units=both["coded_units"],
        disagreements=disagreements,
    )


def _pooled(per_code: dict[int, list[bytearray]], codes: list[int], coders: int) -> list[bytearray]:
    return [bytearray().join(per_code[cid][k] for cid in codes) for k in range(coders)]


def _areas(
    used: list[int],
    code_rows: dict[int, Code],
    per_code: dict[int, list[bytearray]],
    rows: list[CodeRow],
    n: int,
) -> list[AreaRow]:
    members: dict[int, list[int]] = {}
    for cid in used:
        members.setdefault(area_of(code_rows[cid], code_rows).id or 0, []).append(cid)
    out = []
    for area_id, cids in members.items():
        area = code_rows[area_id]
        keys = [code_rows[c].key for c in cids]
        both = figures_both(_pooled(per_code, cids, n))
        out.append(
            AreaRow(
                area=area.key,
                label=area.label_da,
                codes=keys,
                all_units=both["all_units"],
                coded_units=both["coded_units"],
                disagreements=sum(r["disagreements"] for r in rows if r["code"] in keys),
            )
        )
    return out


def compute_agreement(
    project: Project,
    coders: list[str],
    codes: list[str] | None = None,
    documents: list[str] | None = None,
) -> AgreementReport:
    """Agreement of two or more coders on the documents all of them coded."""
    with project.session() as s:
        coder_ids = _coder_ids(s, coders)
        shared, by_doc = _shared_documents(s, coder_ids, documents)
        used, code_rows = _codes_used(s, shared, by_doc, codes)
        units = _mark_units(s, shared, by_doc, used, coder_ids)
    decisions = review_decisions(project)
    per_code = {cid: _rows(units, cid, coder_ids) for cid in used}
    disagreements: list[Disagreement] = []
    code_figures: list[CodeRow] = []
    for cid in used:
        found = _disagreements(units, code_rows[cid], per_code[cid], coder_ids)
        for d in found:
            d.resolution = decisions.get(d.review_key)
        disagreements.extend(found)
        area = area_of(code_rows[cid], code_rows)
        code_figures.append(_code_row(code_rows[cid], area, per_code[cid], coder_ids, len(found)))
    # Review in reading order: document, then place in the text, then codebook order.
    code_order = {cid: n for n, cid in enumerate(used)}
    doc_order = {d: n for n, d in enumerate(shared)}
    disagreements.sort(key=lambda d: (doc_order[d.document_id], d.start, code_order[d.code_id]))
    both = figures_both(_pooled(per_code, used, len(coder_ids)))
    return AgreementReport(
        coders=list(coder_ids.values()),
        unit="sentence",
        unit_sources=dict(units.sources),
        documents=units.documents,
        units=len(units.where),
        overall=both_dict(both),
        codes=code_figures,
        disagreements=disagreements,
        areas=_areas(used, code_rows, per_code, code_figures, len(coder_ids)),
        overall_coded=both["coded_units"] if used else None,
    )
