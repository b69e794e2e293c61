"""Everything a project holds, keyed by GUID (or a stable key), for comparing a project with
its export -> import copy field by field."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from qualcode.db import Project
from qualcode.models import (
    Code,
    Coder,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Packet,
    Participant,
    Quote,
    QuoteEvent,
    Turn,
)


def _columns(model: Any, *derived: str) -> tuple[str, ...]:
    """Every column of a table a researcher's data lives in: not ids, GUIDs (the keys of the
    comparison) or references (compared through the GUIDs they point to), nor ``derived``
    columns the import recomputes. Read from the model, so a new column is compared too."""
    skip = {"id", "guid", "created", *derived}
    return tuple(
        c.name for c in model.__table__.columns if c.name not in skip and not c.foreign_keys
    )


# sha256 (of the archive's bytes), word_count and nlp_version are recomputed on import.
DOC_FIELDS = _columns(Document, "sha256", "word_count", "nlp_version")
CODE_FIELDS = _columns(Code)
PARTICIPANT_FIELDS = _columns(Participant)
QUOTE_FIELDS = _columns(Quote)


def _ts(value: Any) -> Any:
    """Datetimes compared to the second, in UTC (REFI-QDA writes seconds)."""
    if hasattr(value, "replace") and hasattr(value, "tzinfo") and hasattr(value, "hour"):
        import datetime as dt

        v = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return v.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return value


def fingerprint(project: Project) -> dict[str, dict[str, Any]]:
    """{table: {key: fields}} for every field qualcode holds (ids replaced by GUIDs)."""
    out: dict[str, dict[str, Any]] = {}
    with project.session() as s:
        coders = {c.id: c.name for c in s.exec(select(Coder))}
        docs = {d.id: d for d in s.exec(select(Document))}
        codes = {c.id: c for c in s.exec(select(Code))}
        people = {p.id: p for p in s.exec(select(Participant))}
        codings = {c.id: c for c in s.exec(select(Coding))}
        quotes = {q.id: q for q in s.exec(select(Quote))}
        packets = {p.id: p for p in s.exec(select(Packet))}
        out["coders"] = {name: {} for name in coders.values()}
        out["documents"] = {
            d.guid: {f: getattr(d, f) for f in DOC_FIELDS}
            | {
                "participants": sorted(
                    people[link.participant_id].guid
                    for link in s.exec(
                        select(DocumentParticipant).where(DocumentParticipant.document_id == d.id)
                    )
                ),
                "turns": [
                    (
                        t.ordinal,
                        t.speaker,
                        people[t.participant_id].guid if t.participant_id else None,
                        t.start,
                        t.end,
                        t.media_start,
                        t.media_end,
                    )  # fmt: skip
                    for t in s.exec(
                        select(Turn).where(Turn.document_id == d.id).order_by(Turn.ordinal)
                    )
                ],
            }
            for d in docs.values()
        }
        out["codes"] = {
            c.guid: {f: getattr(c, f) for f in CODE_FIELDS}
            | {"parent": codes[c.parent_id].guid if c.parent_id else None}
            for c in codes.values()
        }
        out["participants"] = {
            p.guid: {f: getattr(p, f) for f in PARTICIPANT_FIELDS} for p in people.values()
        }
        out["codings"] = {
            c.guid: {
                "document": docs[c.document_id].guid,
                "code": codes[c.code_id].guid,
                "coder": coders[c.coder_id],
                "start": c.start,
                "end": c.end,
                "memo": c.memo,
                "origin": c.origin,
                "created": _ts(c.created),
            }
            for c in codings.values()
        }
        targets = {
            "document": {k: v.guid for k, v in docs.items()},
            "code": {k: v.guid for k, v in codes.items()},
            "coding": {k: v.guid for k, v in codings.items()},
            "quote": {k: v.guid for k, v in quotes.items()},
        }
        out["memos"] = {
            m.guid: {
                "target_kind": m.target_kind,
                "target": targets.get(m.target_kind, {}).get(m.target_id),
                "text": m.text,
                "coder": coders.get(m.coder_id),
                "created": _ts(m.created),
            }
            for m in s.exec(select(Memo))
        }
        out["packets"] = {
            p.token: {
                "participant": people[p.participant_id].guid,
                "due_date": p.due_date,
                "sent": _ts(p.sent),
                "language": p.language,
                "format": p.format,
                "path": p.path,
                "sha256": p.sha256,
            }
            for p in packets.values()
        }
        out["quotes"] = {
            q.guid: {f: _ts(getattr(q, f)) for f in QUOTE_FIELDS}
            | {
                "document": docs[q.document_id].guid,
                "participant": people[q.participant_id].guid,
                "code": codes[q.code_id].guid if q.code_id else None,
                "packet": packets[q.packet_id].token if q.packet_id else None,
                "events": [
                    (e.who, _ts(e.at), e.from_status, e.to_status, e.note)
                    for e in s.exec(
                        select(QuoteEvent)
                        .where(QuoteEvent.quote_id == q.id)
                        .order_by(QuoteEvent.id)
                    )
                ],
            }
            for q in quotes.values()
        }
    return out


def differences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Per table, how many field values (or whole rows) differ between two fingerprints."""
    out: dict[str, int] = {}
    for table in a:
        n = 0
        for key, fields in a[table].items():
            other = b[table].get(key)
            if other is None:
                n += max(len(fields), 1)
                continue
            n += sum(1 for f, v in fields.items() if other.get(f) != v)
        n += sum(1 for key in b[table] if key not in a[table])
        out[table] = n
    return out


def diff_lines(
    a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]], limit: int = 20
) -> list[str]:
    lines = []
    for table in a:
        for key, fields in a[table].items():
            other = b[table].get(key)
            if other is None:
                lines.append(f"{table} {key}: missing")
                continue
            for f, v in fields.items():
                if other.get(f) != v:
                    lines.append(f"{table} {key} {f}: {v!r:.80} != {other.get(f)!r:.80}")
        for key in b[table]:
            if key not in a[table]:
                lines.append(f"{table} {key}: extra")
    return lines[:limit]
