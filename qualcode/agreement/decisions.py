"""Settling disagreements: the reviewer's decision, recorded and turned into codings."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import cast

from sqlmodel import select

from qualcode.agreement.report import DECISIONS, REVIEW_PREFIX, Disagreement, Resolution
from qualcode.coding import add_coding_in, get_or_create_coder
from qualcode.db import Project
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.history import record_action
from qualcode.models import Code, Coder, Coding, Document, ProjectSetting


def review_decisions(project: Project) -> dict[str, Resolution]:
    """Resolutions recorded so far, by ``Disagreement.review_key``."""
    with project.session() as s:
        rows = s.exec(select(ProjectSetting).where(ProjectSetting.key.startswith(REVIEW_PREFIX)))
        out = {}
        for row in rows:
            try:
                out[row.key] = cast(Resolution, json.loads(row.value))
            except json.JSONDecodeError:
                continue
        return out


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
        record = Resolution(
            decision=decision,
            reviewer=reviewer,
            coders=[coder_a, coder_b],
            codings=[c.id for c in added],
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
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
    """The two coders with the most codings in documents more than one coder worked on.

    A reviewer's own codings are left out while two other coders remain to compare (a lead
    reviewing the team); a reviewer who coded too is paired like anyone else otherwise.
    """
    pair = _review_pair(project, reviewer)
    return pair if len(pair) == 2 or reviewer is None else _review_pair(project, None)


def _review_pair(project: Project, reviewer: str | None) -> list[str]:
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


def coder_pairs(project: Project, reviewer: str | None = None) -> list[list[str]]:
    """Every pair of coders who coded a same document, most shared codings first (without
    the reviewer's own codings while other pairs exist; see ``default_review_pair``)."""
    pairs = _coder_pairs(project, reviewer)
    return pairs if pairs or reviewer is None else _coder_pairs(project, None)


def _coder_pairs(project: Project, reviewer: str | None) -> list[list[str]]:
    with project.session() as s:
        names = {c.id: c.name for c in s.exec(select(Coder))}
        per_doc: dict[int, Counter[int]] = {}
        for doc_id, coder_id, origin in s.exec(
            select(Coding.document_id, Coding.coder_id, Coding.origin)
        ):
            if origin == "review" or names.get(coder_id) == reviewer:
                continue
            per_doc.setdefault(doc_id, Counter())[coder_id] += 1
    weight: Counter[tuple[str, str]] = Counter()
    for counts in per_doc.values():
        ids = sorted(counts, key=lambda x: names[x])
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                weight[(names[a], names[b])] += counts[a] + counts[b]
    return [list(pair) for pair, _ in weight.most_common()]
