"""Export a project as a REFI-QDA ``.qdpx``: ``project.qde`` + ``Sources/`` + qualcode's
extension member (see ``payload``).

Consent rules what leaves: by default names are redacted in texts, titles, notes, cases and
the extension (coding offsets move with every replacement); ``full=True`` writes the team's
own project with real names (the CLI says so on stderr). Positions are code points over LF
text (the standard), or UTF-16 code units over CRLF text for NVivo (``positions="utf16"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from sqlmodel import Session, col, select

import qualcode
from qualcode.codebook import all_codes
from qualcode.consent import OffsetMap, Redactor
from qualcode.db import Project
from qualcode.errors import ExportError, QualcodeError
from qualcode.exchange import payload as pl
from qualcode.exchange.plan import UTF16_ORIGIN_MARK
from qualcode.exchange.positions import EXPORT_UNITS, ExportText
from qualcode.exchange.qdc import project_codes
from qualcode.exchange.redact import (
    RedactionDict,
    case_name,
    export_redactor,
    name_withheld,
    redact_value,
    redaction_dict,
)
from qualcode.exchange.transcripts import media_for
from qualcode.formats import qdpx, writers
from qualcode.formats.qdpx import QArchive, QCase, QCoding, QNote, QProject, QSelection, QSource
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
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import atomic_write_bytes

PARTICIPANT_VARIABLES = ("title", "organisation", "expertise", "pseudonym", "consent", "email")
SOURCE_VARIABLES = {"kind": "Text", "date": "Date", "language": "Text"}
QUOTE_SET = "Citater"


class ExportResult(TypedDict):
    path: str
    documents: int
    codes: int
    codings: int
    cases: int
    notes: int
    quotes: int
    coders: int
    positions: str
    redacted: bool
    redactions: RedactionDict


def snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def guid_of(stored: str | None, *derive: str) -> str:
    return qdpx.norm_guid(stored) or qdpx.derived_guid(*derive)


@dataclass
class _Export:
    """Everything one export needs while it walks the project."""

    s: Session
    redactor: Redactor
    full: bool
    unit: str
    qp: QProject
    payload: pl.Payload
    texts: dict[str, str] = field(default_factory=dict)
    coder_guid: dict[int, str] = field(default_factory=dict)
    coder_name: dict[int, str] = field(default_factory=dict)
    code_guid: dict[int, str] = field(default_factory=dict)
    doc_guid: dict[int, str] = field(default_factory=dict)
    people: dict[int, Participant] = field(default_factory=dict)
    coding_guid: dict[int, str] = field(default_factory=dict)
    quote_guid: dict[int, str] = field(default_factory=dict)
    packet_token: dict[int, str] = field(default_factory=dict)
    notes_for: dict[tuple[str, int | None], list[str]] = field(default_factory=dict)
    quote_notes: list[str] = field(default_factory=list)
    variable_guid: dict[str, str] = field(default_factory=dict)

    def red(self, text: str) -> str:
        return self.redactor.redact(text) if text else text


def _coders(ex: _Export) -> None:
    for c in ex.s.exec(select(Coder).order_by(col(Coder.id))):
        assert c.id is not None
        ex.coder_guid[c.id] = guid_of(c.guid, "coder", c.name)
        ex.coder_name[c.id] = c.name
        ex.qp.users[ex.coder_guid[c.id]] = c.name
        ex.payload["coders"].append(
            pl.CoderRow(guid=ex.coder_guid[c.id], name=c.name, created=pl.when(c.created))
        )


def _codes(ex: _Export, codes: list[Code]) -> None:
    ex.qp.codes = project_codes(codes, ex.redactor)
    ex.code_guid = {c.id: guid_of(c.guid, "code", c.key) for c in codes if c.id is not None}
    for c in codes:
        ex.payload["codes"].append(
            pl.CodeRow(
                guid=ex.code_guid[c.id or 0],
                key=c.key,
                parent=ex.code_guid.get(c.parent_id) if c.parent_id else None,
                kind=c.kind,
                label_da=ex.red(c.label_da),
                label_en=ex.red(c.label_en),
                description_da=ex.red(c.description_da),
                description_en=ex.red(c.description_en),
                guiding_question_da=ex.red(c.guiding_question_da),
                guiding_question_en=ex.red(c.guiding_question_en),
                use_when=ex.red(c.use_when),
                not_when=ex.red(c.not_when),
                keywords=[ex.red(k) for k in c.keywords or []],
                colour=c.colour,
                position=c.position,
                created=pl.when(c.created),
            )
        )


def _variables(ex: _Export) -> None:
    names = [*PARTICIPANT_VARIABLES, *SOURCE_VARIABLES]
    ex.qp.variables = [
        qdpx.QVariable(
            guid=qdpx.derived_guid("variable", name),
            name=name,
            type=SOURCE_VARIABLES.get(name, "Text"),
        )
        for name in dict.fromkeys(names)
    ]
    ex.variable_guid = {v.name: v.guid for v in ex.qp.variables}


def _case(ex: _Export, p: Participant) -> QCase:
    """A participant as a REFI-QDA case, showing only what consent (or ``full``) allows."""
    shown = ex.full or p.consent in ("named", "role_only")
    values = {
        "title": p.title if shown else "",
        "organisation": p.organisation if shown else "",
        "expertise": p.expertise if shown else "",
        "pseudonym": p.pseudonym or ex.redactor.attribution(p) if p.consent == "anonymous" else "",
        "consent": p.consent,
        "email": p.email if ex.full else "",
    }
    if p.consent == "anonymous" and not ex.full:
        values["pseudonym"] = ex.redactor.attribution(p)
    return QCase(
        guid=guid_of(p.guid, "participant", str(p.id)),
        name=case_name(ex.redactor, p, ex.full),
        variables=[qdpx.QVariableValue(ex.variable_guid[k], v) for k, v in values.items() if v],
    )


def _participants(ex: _Export, participants: list[Participant]) -> None:
    cases = {p.id: _case(ex, p) for p in participants}
    for link in ex.s.exec(select(DocumentParticipant)):
        if link.participant_id in cases and link.document_id in ex.doc_guid:
            cases[link.participant_id].source_refs.append(ex.doc_guid[link.document_id])
    ex.qp.cases = list(cases.values())
    for p in participants:
        case = cases[p.id]
        shown = ex.full or p.consent in ("named", "role_only")
        ex.payload["participants"].append(
            pl.ParticipantRow(
                guid=case.guid,
                name=case.name,
                name_withheld=case.name != p.name or name_withheld(p),
                title=p.title if shown else "",
                organisation=p.organisation if shown else "",
                expertise=p.expertise if shown else "",
                consent=p.consent,
                pseudonym=p.pseudonym if (ex.full or p.consent != "anonymous") else case.name,
                email=p.email if ex.full else "",
                language=p.language,
                created=pl.when(p.created),
            )
        )


def _memos(ex: _Export, docs: dict[int, Document]) -> None:
    """Memos become notes (exact text; the note's name is a snippet of it)."""
    for memo in ex.s.exec(select(Memo).order_by(col(Memo.id))):
        guid = guid_of(memo.guid, "memo", str(memo.id))
        text = ex.red(memo.text)
        ex.qp.notes.append(
            QNote(
                guid=guid,
                name=snippet(text.split("\n", 1)[0], 60),
                inline_text=text,
                creating_user=ex.coder_guid.get(memo.coder_id) if memo.coder_id else None,
                created=memo.created,
            )
        )
        ex.notes_for.setdefault((memo.target_kind, memo.target_id), []).append(guid)
        ex.payload["memos"].append(
            pl.MemoRow(
                guid=guid,
                target_kind=memo.target_kind,
                target=_memo_target(ex, memo, docs),
                text=text,
                coder=ex.coder_name.get(memo.coder_id) if memo.coder_id else None,
                created=pl.when(memo.created),
                updated=pl.when(memo.updated),
            )
        )
    ex.qp.note_refs = ex.notes_for.get(("project", None), [])


def _memo_target(ex: _Export, memo: Memo, docs: dict[int, Document]) -> str | None:
    target = memo.target_id
    if target is None:
        return None
    table = {
        "document": ex.doc_guid,
        "code": ex.code_guid,
        "coding": ex.coding_guid,
        "quote": ex.quote_guid,
    }.get(memo.target_kind, {})
    return table.get(target)


def _turn_rows(ex: _Export, doc: Document, moved: OffsetMap) -> list[pl.TurnRow]:
    people = ex.people
    rows: list[pl.TurnRow] = []
    for t in ex.s.exec(select(Turn).where(Turn.document_id == doc.id).order_by(col(Turn.ordinal))):
        person = people.get(t.participant_id) if t.participant_id else None
        rows.append(
            pl.TurnRow(
                ordinal=t.ordinal,
                speaker=ex.red(t.speaker),
                participant=guid_of(person.guid, "participant", str(person.id)) if person else None,
                start=moved.start(t.start),
                end=moved.end(t.end),
                media_start=t.media_start,
                media_end=t.media_end,
            )
        )
    return rows


def _source_name(ex: _Export, name: str) -> str:
    if ex.full or not name:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return ex.redactor.safe_filename(name)
    return f"{ex.redactor.safe_filename(stem)}.{suffix}"


def _document(ex: _Export, doc: Document) -> tuple[QSource, tuple[str, OffsetMap, ExportText]]:
    assert doc.id is not None
    guid = ex.doc_guid[doc.id]
    text, moved = ex.redactor.redact_with_map(doc.text)
    out = ExportText(text, ex.unit)
    member = f"{guid}.txt"
    ex.texts[f"Sources/{member}"] = out.text
    values = {"kind": doc.kind, "date": doc.date.isoformat() if doc.date else "",
              "language": doc.language}  # fmt: skip
    src = QSource(
        guid=guid,
        name=ex.red(doc.title),
        text_path=f"internal://{member}",
        description=" · ".join(x for x in values.values() if x),
        created=doc.created,
        note_refs=ex.notes_for.get(("document", doc.id), []),
        variables=[
            qdpx.QVariableValue(ex.variable_guid[k], v, SOURCE_VARIABLES[k])
            for k, v in values.items()
            if v
        ],
    )
    links = ex.s.exec(
        select(DocumentParticipant.participant_id).where(DocumentParticipant.document_id == doc.id)
    )
    ex.payload["documents"].append(
        pl.DocumentRow(
            guid=guid,
            title=src.name,
            kind=doc.kind,
            source_name=_source_name(ex, doc.source_name),
            date=pl.when(doc.date),
            language=doc.language,
            meta=doc.meta if ex.full else pl_meta(ex, doc.meta),
            created=pl.when(doc.created),
            participants=[
                guid_of(ex.people[pid].guid, "participant", str(pid))
                for pid in links
                if pid in ex.people
            ],
            turns=_turn_rows(ex, doc, moved),
        )
    )
    return src, (text, moved, out)


def _media(ex: _Export, src: QSource, out: ExportText) -> None:
    """The turns' media times as a transcript with sync points (REFI-QDA's place for them)."""
    turns = [
        (t["start"], t["end"], t["media_start"], t["media_end"])
        for t in ex.payload["documents"][-1]["turns"]
    ]
    media = media_for(src.guid, src.name, src.text_path or "", turns, out.position)
    if media is not None:
        ex.qp.media.append(media)


def pl_meta(ex: _Export, meta: dict[str, object]) -> dict[str, object]:
    return dict(redact_value(ex.redactor, meta))


def _codings(
    ex: _Export, doc: Document, src: QSource, placed: tuple[str, OffsetMap, ExportText]
) -> None:
    text, moved, out = placed
    rows = ex.s.exec(
        select(Coding)
        .where(Coding.document_id == doc.id)
        .order_by(col(Coding.start), col(Coding.id))
    )
    for coding in rows:
        start, end = moved.start(coding.start), moved.end(coding.end)
        cguid = guid_of(coding.guid, "coding", str(coding.id))
        memo = ex.red(coding.memo)
        user = ex.coder_guid.get(coding.coder_id)
        src.selections.append(
            QSelection(
                guid=qdpx.derived_guid("selection", cguid),
                start=out.position(start),
                end=out.position(end),
                name=snippet(text[start:end]),
                description=memo,
                codings=[
                    QCoding(
                        guid=cguid,
                        code_guid=ex.code_guid[coding.code_id],
                        creating_user=user,
                        created=coding.created,
                    )
                ],
                note_refs=ex.notes_for.get(("coding", coding.id), []),
                creating_user=user,
                created=coding.created,
            )
        )
        ex.payload["codings"].append(
            pl.CodingRow(
                guid=cguid,
                document=src.guid,
                code=ex.code_guid[coding.code_id],
                coder=ex.coder_name.get(coding.coder_id, ""),
                start=start,
                end=end,
                memo=memo,
                origin=coding.origin,
                created=pl.when(coding.created),
            )
        )


def _quote_event_rows(ex: _Export, quote: Quote) -> list[pl.EventRow]:
    events = ex.s.exec(
        select(QuoteEvent).where(QuoteEvent.quote_id == quote.id).order_by(col(QuoteEvent.id))
    )
    return [
        pl.EventRow(
            who=e.who,
            at=pl.when(e.at),
            from_status=e.from_status,
            to_status=e.to_status,
            note=ex.red(e.note),
        )
        for e in events
    ]


def _quote(
    ex: _Export, quote: Quote, src: QSource, placed: tuple[str, OffsetMap, ExportText]
) -> None:
    """A quote: a note in the "Citater" set on its passage, and its full row in the payload."""
    text, moved, out = placed
    qguid = ex.quote_guid[quote.id or 0]
    start, end = moved.start(quote.start), moved.end(quote.end)
    person = ex.people.get(quote.participant_id)
    wording = ex.red(quote.approved_wording or quote.wording)
    lines = [f"Citat ({quote.status})", "", wording, ""]
    if person is not None:
        lines.append(f"Attribution: {ex.redactor.attribution(person)}")
    ex.qp.notes.append(
        QNote(
            guid=qguid,
            name=f"Citat: {snippet(text[start:end], 50)}",
            inline_text="\n".join(lines),
            creating_user=next(
                (g for cid, g in ex.coder_guid.items() if ex.coder_name[cid] == quote.created_by),
                None,
            ),
            created=quote.created,
        )
    )
    ex.quote_notes.append(qguid)
    if start < end:
        src.selections.append(
            QSelection(
                guid=qdpx.derived_guid("quote-selection", qguid),
                start=out.position(start),
                end=out.position(end),
                name=snippet(text[start:end]),
                note_refs=[qguid, *ex.notes_for.get(("quote", quote.id), [])],
            )
        )
    ex.payload["quotes"].append(
        pl.QuoteRow(
            guid=qguid,
            document=src.guid,
            participant=guid_of(person.guid, "participant", str(person.id)) if person else "",
            code=ex.code_guid.get(quote.code_id) if quote.code_id else None,
            start=start,
            end=end,
            source_text=ex.red(quote.source_text),
            wording=ex.red(quote.wording),
            approved_wording=ex.red(quote.approved_wording)
            if quote.approved_wording is not None
            else None,
            draft_paragraph=ex.red(quote.draft_paragraph),
            status=quote.status,
            packet=ex.packet_token.get(quote.packet_id) if quote.packet_id else None,
            due_date=pl.when(quote.due_date),
            response_note=ex.red(quote.response_note),
            responded_at=pl.when(quote.responded_at),
            fidelity=quote.fidelity if ex.full else dict(redact_value(ex.redactor, quote.fidelity)),
            version=quote.version,
            created_by=quote.created_by,
            created=pl.when(quote.created),
            events=_quote_event_rows(ex, quote),
        )
    )


def _packets(ex: _Export) -> None:
    for packet in ex.s.exec(select(Packet).order_by(col(Packet.id))):
        person = ex.people.get(packet.participant_id)
        if person is None:
            continue
        assert packet.id is not None
        ex.packet_token[packet.id] = packet.token
        path = packet.path
        if path and not ex.full:
            path = _source_name(ex, Path(path).name)
        ex.payload["packets"].append(
            pl.PacketRow(
                token=packet.token,
                participant=guid_of(person.guid, "participant", str(person.id)),
                created=pl.when(packet.created),
                sent=pl.when(packet.sent),
                due_date=pl.when(packet.due_date),
                language=packet.language,
                format=packet.format,
                path=path,
                sha256=packet.sha256,
            )
        )


def build_export(
    project: Project,
    progress: Progress = no_progress,
    *,
    full: bool = False,
    positions: str = "codepoints",
) -> tuple[QProject, dict[str, str], pl.Payload, Redactor]:
    """The project as REFI-QDA data, the source texts (member -> text), the extension
    payload and the redactor that made them (its counts say what was replaced)."""
    if positions not in EXPORT_UNITS:
        raise QualcodeError(
            f"unknown position unit {positions!r}", "Use codepoints or utf16 (for NVivo)."
        )
    with project.session() as s:
        participants = list(s.exec(select(Participant).order_by(col(Participant.id))))
        redactor = export_redactor(participants, full=full)
        origin = f"{qdpx.ORIGIN} {qualcode.__version__}"
        if positions == "utf16":
            origin += f" ({UTF16_ORIGIN_MARK}, CRLF)"
        ex = _Export(
            s=s,
            redactor=redactor,
            full=full,
            unit=positions,
            qp=QProject(name=redactor.redact(project.name), origin=origin),
            payload=pl.empty_payload(redacted=not full, positions=positions),
        )
        ex.people = {p.id: p for p in participants if p.id is not None}
        _coders(ex)
        _codes(ex, all_codes(s))
        _variables(ex)
        docs = list(s.exec(select(Document).order_by(col(Document.id))))
        ex.doc_guid = {d.id: guid_of(d.guid, "document", str(d.id)) for d in docs if d.id}
        ex.coding_guid = {
            cid: guid_of(cg, "coding", str(cid))
            for cid, cg in s.exec(select(Coding.id, Coding.guid))
            if cid is not None
        }
        quotes = list(s.exec(select(Quote).order_by(col(Quote.id))))
        ex.quote_guid = {q.id: guid_of(q.guid, "quote", str(q.id)) for q in quotes if q.id}
        _participants(ex, participants)
        _packets(ex)
        _memos(ex, {d.id: d for d in docs if d.id})
        code_ids = {guid: cid for cid, guid in ex.code_guid.items()}
        for qcode, _parent in qdpx.flatten_codes(ex.qp.codes):
            qcode.note_refs = ex.notes_for.get(("code", code_ids.get(qcode.guid)), [])
        by_doc: dict[int, list[Quote]] = {}
        for quote in quotes:
            by_doc.setdefault(quote.document_id, []).append(quote)
        for n, doc in enumerate(docs):
            progress(n, len(docs), doc.title)
            src, placed = _document(ex, doc)
            _media(ex, src, placed[2])
            _codings(ex, doc, src, placed)
            for quote in by_doc.get(doc.id or -1, []):
                _quote(ex, quote, src, placed)
            ex.qp.sources.append(src)
        if ex.quote_notes:
            ex.qp.sets = [
                qdpx.QSet(
                    guid=qdpx.derived_guid("set", "quotes"),
                    name=QUOTE_SET,
                    description="Quotes chosen for the report, one note each.",
                    member_notes=ex.quote_notes,
                )
            ]
    progress(len(docs), len(docs), "")
    return ex.qp, ex.texts, ex.payload, redactor


def export_qdpx(
    project: Project,
    out: Path,
    progress: Progress = no_progress,
    *,
    full: bool = False,
    positions: str = "codepoints",
) -> ExportResult:
    """Write the project as a REFI-QDA ``.qdpx`` (project.qde + Sources/ + qualcode's
    extension); returns counts and what consent redacted."""
    qp, texts, payload, redactor = build_export(project, progress, full=full, positions=positions)
    archive = QArchive(
        project=qp,
        texts=texts,
        members={pl.PAYLOAD_MEMBER: pl.dump(payload)},
        bom=positions == "utf16",  # NVivo's own files have one
    )
    try:
        atomic_write_bytes(out, writers.render("export", "qdpx", archive))
    except OSError as exc:
        raise ExportError(
            f"{out}: cannot write ({exc.strerror})", "Check that the folder exists and is writable."
        ) from exc
    return ExportResult(
        path=str(out),
        documents=len(qp.sources),
        codes=len(qdpx.flatten_codes(qp.codes)),
        codings=len(payload["codings"]),
        cases=len(qp.cases),
        notes=len(payload["memos"]),
        quotes=len(payload["quotes"]),
        coders=len(qp.users),
        positions=positions,
        redacted=not full,
        redactions=redaction_dict(redactor),
    )
