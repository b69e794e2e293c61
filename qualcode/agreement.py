"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Units are sentences of the documents every compared coder worked on (the NLP sentences when
the document was annotated, else qualcode's own splitter, see ``split_sentences``). For each
code, each coder either marked a unit or did not: a coding marks a unit when their overlap is
at least half of the shorter of the two, so a selection that spills a few characters into
the next sentence does not count there, and a short phrase inside a sentence does.
Per code the figures are computed over that binary (nominal) data; the overall figures pool
every (unit, code) decision. ``docs/agreement.md`` explains the choices.

The pure functions at the top take plain lists and are checked against hand computations
and the ``krippendorff`` package in the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlmodel import Session, select

from qualcode.db import Project
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.models import Code, Coder, Coding, Document, ProjectSetting, Sentence

REVIEW_PREFIX = "review:"
DECISIONS = ("keep_a", "keep_b", "both", "neither")


# =========================================================================== pure figures


def percent_agreement(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Share of units on which every coder gave the same value (``data[coder][unit]``).

    Units where a coder has no value (None) are left out; None if no unit is left.
    """
    if not data:
        return None
    patterns = Counter(zip(*data, strict=True))
    complete = {c: n for c, n in patterns.items() if None not in c}
    units = sum(complete.values())
    if not units:
        return None
    return sum(n for c, n in complete.items() if c.count(c[0]) == len(c)) / units


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two coders; None when chance agreement is 1 (kappa undefined)."""
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    n = len(a)
    if n == 0:
        return None
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[v] * count_b[v] for v in set(count_a) | set(count_b)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data, ``data[coder][unit]``, None = missing.

    Built from the coincidence matrix: alpha = 1 - (n - 1) * D_o / D_e with
    D_o = sum of off-diagonal coincidences and D_e = sum over value pairs n_c * n_k.
    None when it is undefined (fewer than two pairable values, or only one value used).
    """
    if not data:
        return None
    # Units with the same values contribute the same pairs: count each pattern once.
    patterns: Counter[tuple[Hashable | None, ...]] = Counter(zip(*data, strict=True))
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for column, times in patterns.items():
        values = [v for v in column if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, j in combinations(range(m), 2):
            coincidences[(values[i], values[j])] += times / (m - 1)
            coincidences[(values[j], values[i])] += times / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagree = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * disagree / expected


# =========================================================================== units

_SENTENCE_END = re.compile(r"[.!?…]+[\"»”')\]]*\s+(?=[\"«“'(\[]?[A-ZÆØÅÄÖÜÉ])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences by a simple rule: end punctuation followed by space and a capital, or a
    line break. Good enough for units of agreement when NLP annotation has not run."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if m.group(0).startswith("\n") else m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def document_units(session: Session, doc: Document) -> tuple[list[tuple[int, int]], str]:
    """The units of a document and where they came from (``nlp`` or ``splitter``)."""
    rows = session.exec(
        select(Sentence.start, Sentence.end)
        .where(Sentence.document_id == doc.id)
        .order_by(Sentence.ordinal)
    ).all()
    if rows:
        return [(s, e) for s, e in rows if e > s], "nlp"
    return split_sentences(doc.text), "splitter"


def marks(unit: tuple[int, int], coding: tuple[int, int]) -> bool:
    """A coding marks a unit when they overlap by at least half of the shorter one."""
    overlap = min(unit[1], coding[1]) - max(unit[0], coding[0])
    return overlap > 0 and 2 * overlap >= min(unit[1] - unit[0], coding[1] - coding[0])


# =========================================================================== over a project


@dataclass
class Disagreement:
    """One unit and code on which the coders differ."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    code_id: int
    code: str
    code_label: str
    coded_by: list[str]
    not_coded_by: list[str]
    codings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resolution: dict[str, Any] | None = None

    @property
    def review_key(self) -> str:
        return f"{REVIEW_PREFIX}{self.document_id}:{self.start}:{self.end}:{self.code_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "code": self.code,
            "code_label": self.code_label,
            "coded_by": self.coded_by,
            "not_coded_by": self.not_coded_by,
            "codings": self.codings,
            "resolution": self.resolution,
        }


@dataclass
class AgreementReport:
    coders: list[str]
    unit: str
    unit_sources: dict[str, int]
    documents: list[dict[str, Any]]
    units: int
    overall: dict[str, Any]
    codes: list[dict[str, Any]]
    disagreements: list[Disagreement]

    def as_dict(self) -> dict[str, Any]:
        return {
            "coders": self.coders,
            "unit": self.unit,
            "unit_sources": self.unit_sources,
            "documents": self.documents,
            "units": self.units,
            "overall": self.overall,
            "codes": self.codes,
            "disagreements": [d.as_dict() for d in self.disagreements],
        }


def _figures(data: Sequence[Sequence[int]]) -> dict[str, Any]:
    pct = percent_agreement(data)
    return {
        "items": len(data[0]) if data else 0,
        "percent_agreement": None if pct is None else round(pct, 4),
        "cohen_kappa": _round(cohen_kappa(data[0], data[1])) if len(data) == 2 else None,
        "krippendorff_alpha": _round(krippendorff_alpha_nominal(data)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def review_decisions(project: Project) -> dict[str, dict[str, Any]]:
    """Resolutions recorded so far, by ``Disagreement.review_key``."""
    with project.session() as s:
        rows = s.exec(select(ProjectSetting).where(ProjectSetting.key.startswith(REVIEW_PREFIX)))
        out = {}
        for row in rows:
            try:
                out[row.key] = json.loads(row.value)
            except json.JSONDecodeError:
                continue
        return out


def compute_agreement(
    project: Project,
    coders: list[str],
    codes: list[str] | None = None,
    documents: list[str] | None = None,
) -> AgreementReport:
    """Agreement of two or more coders on the documents all of them coded."""
    from qualcode.codebook import resolve_code
    from qualcode.documents import resolve_document

    names = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if len(names) < 2:
        raise QualcodeError("agreement needs at least two coders", "Give --coders A B.")
    with project.session() as s:
        rows = {c.name: c for c in s.exec(select(Coder))}
        missing = [n for n in names if n not in rows]
        if missing:
            from qualcode.naming import did_you_mean

            raise NotFoundError(
                f"no coder named {missing[0]!r}",
                did_you_mean(missing[0], list(rows)) or "Coders: " + ", ".join(sorted(rows)),
            )
        coder_ids = {rows[n].id: n for n in names}
        wanted_codes = {resolve_code(s, c).id for c in codes} if codes else None
        wanted_docs = {resolve_document(s, d).id for d in documents} if documents else None
        query = select(Coding).where(Coding.coder_id.in_(list(coder_ids)))  # type: ignore[union-attr]
        all_codings = list(s.exec(query))
        by_doc: dict[int, list[Coding]] = {}
        for c in all_codings:
            by_doc.setdefault(c.document_id, []).append(c)
        shared = sorted(
            d
            for d, cs in by_doc.items()
            if {c.coder_id for c in cs} >= set(coder_ids)
            and (wanted_docs is None or d in wanted_docs)
        )
        if not shared:
            raise QualcodeError(
                "no document was coded by all of " + ", ".join(names),
                "Agreement is computed on documents every named coder worked on.",
            )
        code_rows = {c.id: c for c in s.exec(select(Code))}
        used = sorted(
            {c.code_id for d in shared for c in by_doc[d]}
            & (wanted_codes if wanted_codes is not None else set(code_rows)),
            key=lambda cid: (code_rows[cid].position, cid),
        )
        decisions = review_decisions(project)
        unit_sources: Counter[str] = Counter()
        doc_info = []
        disagreements: list[Disagreement] = []
        id_of = {n: x for x, n in coder_ids.items()}
        # Sparse: which (global) units each coder marked with each code.
        ones: dict[int, dict[int, set[int]]] = {cid: {x: set() for x in coder_ids} for cid in used}
        marked: dict[tuple[int, int, int], list[Coding]] = {}
        where: list[tuple[Document, int, int]] = []  # global unit -> (document, start, end)
        for doc_id in shared:
            doc = s.get(Document, doc_id)
            assert doc is not None
            units, source = document_units(s, doc)
            unit_sources[source] += 1
            doc_info.append({"id": doc.id, "title": doc.title, "units": len(units)})
            base = len(where)
            where.extend((doc, us, ue) for us, ue in units)
            starts = [u[0] for u in units]
            for c in by_doc[doc_id]:
                if c.code_id not in ones:
                    continue
                i = max(bisect_left(starts, c.start) - 1, 0)
                while i < len(units) and units[i][0] < c.end:
                    if marks(units[i], (c.start, c.end)):
                        ones[c.code_id][c.coder_id].add(base + i)
                        marked.setdefault((base + i, c.code_id, c.coder_id), []).append(c)
                    i += 1
        total = len(where)
        per_code: dict[int, list[bytearray]] = {}
        for cid in used:
            rows = []
            for name in names:
                row = bytearray(total)
                for i in ones[cid][id_of[name]]:
                    row[i] = 1
                rows.append(row)
            per_code[cid] = rows
            code = code_rows[cid]
            for i in sorted(set().union(*ones[cid].values())):
                values = [row[i] for row in rows]
                if len(set(values)) == 1:
                    continue
                doc, us, ue = where[i]
                d = Disagreement(
                    document_id=doc.id,  # type: ignore[arg-type]
                    document=doc.title,
                    start=us,
                    end=ue,
                    text=doc.text[us:ue],
                    code_id=cid,
                    code=code.key,
                    code_label=code.label_da,
                    coded_by=[n for n, v in zip(names, values, strict=True) if v],
                    not_coded_by=[n for n, v in zip(names, values, strict=True) if not v],
                    codings={
                        n: [
                            {
                                "id": c.id,
                                "start": c.start,
                                "end": c.end,
                                "text": doc.text[c.start : c.end],
                                "memo": c.memo,
                            }
                            for c in marked.get((i, cid, x), [])
                        ]
                        for x, n in coder_ids.items()
                    },
                )
                d.resolution = decisions.get(d.review_key)
                disagreements.append(d)
    # Review in reading order: document, then place in the text, then codebook order.
    code_order = {cid: n for n, cid in enumerate(used)}
    doc_order = {d: n for n, d in enumerate(shared)}
    disagreements.sort(key=lambda d: (doc_order[d.document_id], d.start, code_order[d.code_id]))
    code_figures = []
    pooled = [bytearray().join(per_code[cid][k] for cid in used) for k in range(len(names))]
    for cid in used:
        data = per_code[cid]
        figures = _figures(data)
        code_figures.append(
            {
                "code": code_rows[cid].key,
                "label": code_rows[cid].label_da,
                "units_coded": {n: sum(data[k]) for k, n in enumerate(names)},
                **figures,
                "disagreements": sum(1 for d in disagreements if d.code_id == cid),
            }
        )
    return AgreementReport(
        coders=names,
        unit="sentence",
        unit_sources=dict(unit_sources),
        documents=doc_info,
        units=sum(d["units"] for d in doc_info),
        overall=_figures(pooled) if used else {"items": 0},
        codes=code_figures,
        disagreements=disagreements,
    )


def resolve_disagreement(
    project: Project,
    disagreement: Disagreement,
    decision: str,
    reviewer: str,
    coder_a: str,
    coder_b: str,
) -> list[int]:
    """Settle one disagreement: the reviewer's codings (origin ``review``) follow the decision.

    keep_a / keep_b copy that coder's codings of the code on this unit, both copies both,
    neither adds nothing; the decision itself is recorded either way, and the new codings
    are one undoable action of the reviewer.
    """
    from qualcode.coding import add_coding_in, get_or_create_coder
    from qualcode.history import record_action

    if decision not in DECISIONS:
        raise QualcodeError(f"unknown decision {decision!r}", "Use " + ", ".join(DECISIONS))
    chosen = {"keep_a": [coder_a], "keep_b": [coder_b], "both": [coder_a, coder_b], "neither": []}[
        decision
    ]
    with project.transaction() as s:
        doc = s.get(Document, disagreement.document_id)
        code = s.get(Code, disagreement.code_id)
        if doc is None or code is None:
            raise NotFoundError("the document or code of this disagreement is gone")
        who = get_or_create_coder(s, reviewer)
        have = {
            (c.start, c.end)
            for c in s.exec(
                select(Coding).where(
                    Coding.document_id == doc.id,
                    Coding.code_id == code.id,
                    Coding.coder_id == who.id,
                )
            )
        }
        added = []
        for name in chosen:
            for item in disagreement.codings.get(name, []):
                span = (item["start"], item["end"])
                if span in have:
                    continue
                have.add(span)
                added.append(
                    add_coding_in(
                        s,
                        doc,
                        code,
                        span[0],
                        span[1],
                        who,
                        memo=item.get("memo", ""),
                        origin="review",
                    )
                )
        record = {
            "decision": decision,
            "reviewer": reviewer,
            "coders": [coder_a, coder_b],
            "codings": [c.id for c in added],
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        row = s.get(ProjectSetting, disagreement.review_key)
        if row is None:
            s.add(ProjectSetting(key=disagreement.review_key, value=json.dumps(record)))
        else:
            row.value = json.dumps(record)
        if added:
            record_action(
                s, reviewer, f"review {code.key} at {disagreement.start}: {decision}", added=added
            )
        disagreement.resolution = record
        return [c.id for c in added if c.id is not None]


def default_review_pair(project: Project, reviewer: str | None = None) -> list[str]:
    """The two coders with the most codings in documents more than one coder worked on."""
    with project.session() as s:
        names = {c.id: c.name for c in s.exec(select(Coder))}
        per_doc: dict[int, Counter[int]] = {}
        for doc_id, coder_id, origin in s.exec(
            select(Coding.document_id, Coding.coder_id, Coding.origin)
        ):
            if origin == "review" or names.get(coder_id) == reviewer:
                continue
            per_doc.setdefault(doc_id, Counter())[coder_id] += 1
    totals: Counter[int] = Counter()
    for counts in per_doc.values():
        if len(counts) >= 2:
            totals.update(counts)
    return [names[c] for c, _ in totals.most_common(2)]
