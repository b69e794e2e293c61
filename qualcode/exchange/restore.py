"""Putting back what qualcode's extension payload holds, after the REFI-QDA part of an
import was stored: exact code fields, coding origins and memos, turns with media times,
memos as written, participants, quotes with their events, and packets.

Only what this import created is touched; what the project already had stays as it was.
"""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlmodel import col, select

from qualcode.exchange import payload as pl
from qualcode.exchange.store import ImportContext, coder_named
from qualcode.models import (
    Code,
    Coding,
    Memo,
    Packet,
    Participant,
    Quote,
    QuoteEvent,
    Turn,
)

CODE_FIELDS = (
    "label_da",
    "label_en",
    "kind",
    "description_da",
    "description_en",
    "guiding_question_da",
    "guiding_question_en",
    "use_when",
    "not_when",
    "colour",
    "position",
)
PARTICIPANT_FIELDS = ("title", "organisation", "expertise", "consent", "pseudonym", "email")


def skipped_notes(payload: pl.Payload) -> set[str]:
    """Notes the payload restores itself (memos and quotes), not through the REFI path."""
    return {m["guid"] for m in payload["memos"]} | {q["guid"] for q in payload["quotes"]}


def _codes(ctx: ImportContext, payload: pl.Payload) -> None:
    keys = set(ctx.s.exec(select(Code.key)))
    for row in payload["codes"]:
        code = ctx.code_for.get(row["guid"])
        if code is None or row["guid"] not in ctx.codes_created:
            continue
        for name in CODE_FIELDS:
            setattr(code, name, row[name])
        code.keywords = list(row["keywords"])
        if row["key"] != code.key and row["key"] not in keys:
            keys.discard(code.key)
            code.key = row["key"]
            keys.add(code.key)
        parent = ctx.code_for.get(row["parent"]) if row["parent"] else None
        code.parent_id = parent.id if parent else None
        code.created = pl.to_datetime(row["created"]) or code.created
        ctx.s.add(code)


def _participants(ctx: ImportContext, payload: pl.Payload) -> None:
    for row in payload["participants"]:
        person = ctx.person_for_case.get(row["guid"])
        if person is None or row["guid"] not in ctx.people_created:
            continue
        for name in PARTICIPANT_FIELDS:
            setattr(person, name, row[name])
        person.language = row["language"]
        person.created = pl.to_datetime(row["created"]) or person.created
        ctx.s.add(person)


def _people_by_guid(ctx: ImportContext) -> dict[str, Participant]:
    return {p.guid.upper(): p for p in ctx.s.exec(select(Participant))}


def _turns(ctx: ImportContext, payload: pl.Payload) -> None:
    people = _people_by_guid(ctx)
    for row in payload["documents"]:
        doc = ctx.doc_for_source.get(row["guid"])
        if doc is None or doc.guid not in ctx.docs_created:
            continue
        ctx.s.execute(delete(Turn).where(col(Turn.document_id) == doc.id))
        rows = [
            {
                "document_id": doc.id,
                "ordinal": t["ordinal"],
                "speaker": t["speaker"],
                "participant_id": people[t["participant"]].id
                if t["participant"] in people
                else None,
                "start": t["start"],
                "end": t["end"],
                "media_start": t["media_start"],
                "media_end": t["media_end"],
            }
            for t in row["turns"]
        ]
        if rows:
            ctx.s.execute(insert(Turn), rows)


def _codings(ctx: ImportContext, payload: pl.Payload) -> None:
    for row in payload["codings"]:
        coding_id = ctx.codings_created.get(row["guid"])
        if coding_id is None:
            continue
        coding = ctx.s.get(Coding, coding_id)
        if coding is None:
            continue
        coding.origin = row["origin"]
        coding.memo = row["memo"]
        coding.start, coding.end = row["start"], row["end"]
        if row["coder"]:
            coding.coder_id = coder_named(ctx, row["coder"]).id or coding.coder_id
        coding.created = pl.to_datetime(row["created"]) or coding.created
        ctx.s.add(coding)


def _memo_target(ctx: ImportContext, row: pl.MemoRow, quotes: dict[str, int]) -> int | None:
    target = row["target"]
    if target is None:
        return None
    kind = row["target_kind"]
    if kind == "document":
        doc = ctx.doc_for_source.get(target)
        return doc.id if doc else None
    if kind == "code":
        code = ctx.code_for.get(target)
        return code.id if code else None
    if kind == "coding":
        return ctx.codings_created.get(target)
    if kind == "quote":
        return quotes.get(target)
    return None


def _memos(ctx: ImportContext, payload: pl.Payload, quotes: dict[str, int]) -> None:
    have = set(ctx.s.exec(select(Memo.guid)))
    for row in payload["memos"]:
        if row["guid"] in have:
            continue
        target = _memo_target(ctx, row, quotes)
        kind = row["target_kind"] if target is not None or row["target"] is None else "project"
        memo = Memo(
            target_kind=kind,
            target_id=target,
            text=row["text"],
            coder_id=coder_named(ctx, row["coder"]).id if row["coder"] else None,
            guid=row["guid"],
        )
        memo.created = pl.to_datetime(row["created"]) or memo.created
        memo.updated = pl.to_datetime(row["updated"]) or memo.updated
        ctx.s.add(memo)
        ctx.summary.notes += 1


def _packets(ctx: ImportContext, payload: pl.Payload) -> dict[str, int]:
    people = _people_by_guid(ctx)
    out: dict[str, int] = {}
    for row in payload["packets"]:
        existing = ctx.s.exec(select(Packet).where(Packet.token == row["token"])).first()
        person = people.get(row["participant"])
        if existing is not None or person is None:
            if existing is not None and existing.id is not None:
                out[row["token"]] = existing.id
            continue
        packet = Packet(
            participant_id=person.id or 0,
            token=row["token"],
            sent=pl.to_datetime(row["sent"]),
            due_date=pl.to_date(row["due_date"]),
            language=row["language"],
            format=row["format"],
            path=row["path"],
            sha256=row["sha256"],
        )
        packet.created = pl.to_datetime(row["created"]) or packet.created
        ctx.s.add(packet)
        ctx.s.flush()
        out[row["token"]] = packet.id or 0
    return out


def _quote(ctx: ImportContext, row: pl.QuoteRow, people: dict[str, Participant],
           packets: dict[str, int]) -> Quote | None:  # fmt: skip
    doc = ctx.doc_for_source.get(row["document"])
    person = people.get(row["participant"])
    if doc is None or person is None:
        ctx.summary.warnings.append(f"quote {row['guid']}: its document or expert is missing")
        return None
    code = ctx.code_for.get(row["code"]) if row["code"] else None
    quote = Quote(
        document_id=doc.id or 0,
        participant_id=person.id or 0,
        code_id=code.id if code else None,
        start=row["start"],
        end=row["end"],
        source_text=row["source_text"],
        wording=row["wording"],
        approved_wording=row["approved_wording"],
        draft_paragraph=row["draft_paragraph"],
        status=row["status"],
        packet_id=packets.get(row["packet"]) if row["packet"] else None,
        due_date=pl.to_date(row["due_date"]),
        response_note=row["response_note"],
        responded_at=pl.to_datetime(row["responded_at"]),
        fidelity=dict(row["fidelity"]),
        version=row["version"],
        guid=row["guid"],
        created_by=row["created_by"],
    )
    quote.created = pl.to_datetime(row["created"]) or quote.created
    return quote


def _quotes(ctx: ImportContext, payload: pl.Payload, packets: dict[str, int]) -> dict[str, int]:
    people = _people_by_guid(ctx)
    have = set(ctx.s.exec(select(Quote.guid)))
    out: dict[str, int] = {}
    for row in payload["quotes"]:
        if row["guid"] in have:
            continue
        quote = _quote(ctx, row, people, packets)
        if quote is None:
            continue
        ctx.s.add(quote)
        ctx.s.flush()
        out[row["guid"]] = quote.id or 0
        for e in row["events"]:
            event = QuoteEvent(
                quote_id=quote.id or 0,
                who=e["who"],
                from_status=e["from_status"],
                to_status=e["to_status"],
                note=e["note"],
            )
            event.at = pl.to_datetime(e["at"]) or event.at
            ctx.s.add(event)
        ctx.summary.quotes += 1
    return out


def restore(ctx: ImportContext, payload: pl.Payload) -> None:
    """Apply the payload to what this import created (see the module docstring)."""
    for row in payload["coders"]:
        before = ctx.summary.coders
        coder = coder_named(ctx, row["name"], row["guid"])
        if ctx.summary.coders > before:  # made by this import: its own creation time back
            coder.created = pl.to_datetime(row["created"]) or coder.created
    _codes(ctx, payload)
    _participants(ctx, payload)
    _turns(ctx, payload)
    _codings(ctx, payload)
    packets = _packets(ctx, payload)
    quotes = _quotes(ctx, payload, packets)
    _memos(ctx, payload, quotes)
    ctx.s.flush()
    ctx.summary.restored_from_qualcode = True
