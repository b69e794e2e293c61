"""Writing a planned import inside one transaction: coders, codes, cases, documents with
their turns, codings and notes. Each step is one function over a shared ``ImportContext``;
``restore`` then puts back what qualcode's own extension holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import insert
from sqlmodel import Session, select

from qualcode.exchange import payload as pl
from qualcode.exchange.plan import PlannedDocument
from qualcode.exchange.positions import squash
from qualcode.exchange.qdc import codes_to_specs
from qualcode.exchange.summary import ImportSummary
from qualcode.exchange.transcripts import skip_sync_points, timed_turns
from qualcode.formats import qdpx
from qualcode.formats.parsed import ParsedTurn
from qualcode.formats.qdpx import QCase, QCode, QProject, QSource
from qualcode.formats.turns import detect_interview_turns
from qualcode.history import fresh_code_ids
from qualcode.models import (
    CONSENTS,
    Code,
    Coder,
    Coding,
    Document,
    DocumentParticipant,
    Memo,
    Participant,
    Quote,
    Turn,
    new_guid,
    utcnow,
)
from qualcode.naming import fold, unique_name
from qualcode.nlp.language import detect_language
from qualcode.nlp.store import annotate_document_in
from qualcode.participants import default_pseudonym, link_speaker
from qualcode.rows import stored_id

IMPORT_CODER = "import"
SOURCE_VARIABLES = ("kind", "date", "language")

_VARIABLE_ALIASES = {
    "title": "title",
    "titel": "title",
    "stilling": "title",
    "role": "title",
    "organisation": "organisation",
    "organization": "organisation",
    "arbejdssted": "organisation",
    "consent": "consent",
    "samtykke": "consent",
    "pseudonym": "pseudonym",
    "email": "email",
    "e-mail": "email",
    "expertise": "expertise",
    "ekspertise": "expertise",
    "language": "language",
    "sprog": "language",
    "kind": "kind",
    "date": "date",
}


@dataclass
class ImportContext:
    s: Session
    qp: QProject
    summary: ImportSummary
    path: Path
    annotate: bool
    payload: pl.Payload | None = None
    coders: dict[str | None, Coder] = field(default_factory=dict)
    code_for: dict[str, Code] = field(default_factory=dict)
    codes_created: set[str] = field(default_factory=set)
    person_for_case: dict[str, Participant] = field(default_factory=dict)
    people_created: set[str] = field(default_factory=set)
    doc_for_source: dict[str, Document] = field(default_factory=dict)
    docs_created: set[str] = field(default_factory=set)
    coding_for_selection: dict[str, int] = field(default_factory=dict)
    codings_created: dict[str, int] = field(default_factory=dict)  # guid in file -> id
    skip_notes: set[str] = field(default_factory=set)

    def payload_docs(self) -> dict[str, pl.DocumentRow]:
        return {d["guid"]: d for d in self.payload["documents"]} if self.payload else {}


def coder_for(ctx: ImportContext, guid: str | None) -> Coder:
    if guid in ctx.coders:
        return ctx.coders[guid]
    name = IMPORT_CODER if guid is None else ctx.qp.users.get(guid) or f"user-{guid[:8].lower()}"
    coder = coder_named(ctx, name, guid)
    ctx.coders[guid] = coder
    return coder


def coder_named(ctx: ImportContext, name: str, guid: str | None = None) -> Coder:
    s = ctx.s
    coder = s.exec(select(Coder).where(Coder.name == name)).first()
    if coder is None:
        coder = Coder(name=name)
        if guid and s.exec(select(Coder).where(Coder.guid == guid)).first() is None:
            coder.guid = guid
        s.add(coder)
        s.flush()
        ctx.summary.coders += 1
    return coder


# --------------------------------------------------------------------------- codes


def store_codes(ctx: ImportContext) -> None:
    """Match codes by GUID, then by qualcode key; create the rest (parents first)."""
    s = ctx.s
    existing = list(s.exec(select(Code)))
    by_guid = {c.guid.upper(): c for c in existing}
    by_key = {c.key: c for c in existing}
    flat = qdpx.flatten_codes(ctx.qp.codes)
    for qcode, _parent in flat:
        _desc, meta = qdpx.code_meta(qcode)
        match = by_guid.get(qcode.guid) or by_key.get(str(meta.get("key", "")) or "\x00")
        if match is not None:
            ctx.code_for[qcode.guid] = match
            ctx.summary.codes_matched += 1
    unmatched = [q for q, _ in flat if q.guid not in ctx.code_for]
    if not unmatched:
        return
    specs = {spec.guid: spec for spec in codes_to_specs(ctx.qp.codes, set(by_key))}
    position = max((c.position for c in existing), default=-1) + 1
    code_ids = fresh_code_ids(s)
    for qcode in unmatched:
        spec = specs[qcode.guid]
        code = Code(
            id=next(code_ids),
            key=spec.key,
            label_da=spec.label_da,
            label_en=spec.label_en,
            kind=spec.kind,
            description_da=spec.description_da,
            description_en=spec.description_en,
            guiding_question_da=spec.guiding_question_da,
            guiding_question_en=spec.guiding_question_en,
            use_when=spec.use_when,
            not_when=spec.not_when,
            keywords=spec.keywords,
            colour=spec.colour,
            position=position,
            guid=qcode.guid,
        )
        position += 1
        s.add(code)
        ctx.code_for[qcode.guid] = code
        ctx.codes_created.add(qcode.guid)
        ctx.summary.codes_created += 1
    s.flush()
    _link_parents(ctx, flat)


def _link_parents(ctx: ImportContext, flat: list[tuple[QCode, QCode | None]]) -> None:
    for qcode, parent in flat:
        if qcode.guid in ctx.codes_created and parent is not None:
            ctx.code_for[qcode.guid].parent_id = ctx.code_for[parent.guid].id


# --------------------------------------------------------------------------- cases


def _case_fields(case: QCase, variables: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in case.variables:
        canonical = _VARIABLE_ALIASES.get(fold(variables.get(value.variable_guid, "")))
        if canonical and value.value.strip():
            out[canonical] = value.value.strip()
    return out


def _consent(fields: dict[str, str], name: str, summary: ImportSummary) -> str:
    consent = fields.get("consent", "").strip().lower()
    if consent in CONSENTS:
        return consent
    if consent:
        summary.warnings.append(f"case {name!r}: consent {consent!r} unknown; set to anonymous")
    else:
        summary.warnings.append(
            f"case {name!r}: no consent given; set to anonymous until you say otherwise "
            "(`qualcode participants import`)"
        )
    return "anonymous"


def store_cases(ctx: ImportContext) -> None:
    """Cases become participants (matched by GUID, then by name or pseudonym)."""
    s = ctx.s
    variables = {v.guid: v.name for v in ctx.qp.variables}
    people = list(s.exec(select(Participant)))
    for case in ctx.qp.cases:
        fields = _case_fields(case, variables)
        name = case.name or fields.get("pseudonym") or f"Case {case.guid[:8]}"
        person = next((p for p in people if p.guid.upper() == case.guid), None) or next(
            (p for p in people if fold(name) in (fold(p.name), fold(p.pseudonym))), None
        )
        if person is None:
            person = Participant(
                name=name,
                title=fields.get("title", ""),
                organisation=fields.get("organisation", ""),
                expertise=fields.get("expertise", ""),
                consent=_consent(fields, name, ctx.summary),
                pseudonym=fields.get("pseudonym", ""),
                email=fields.get("email", ""),
                language=(fields.get("language") or "da")[:10],
                guid=case.guid,
            )
            s.add(person)
            s.flush()
            if not person.pseudonym:
                person.pseudonym = default_pseudonym(stored_id(person))
            people.append(person)
            ctx.people_created.add(case.guid)
            ctx.summary.cases += 1
        ctx.person_for_case[case.guid] = person


def _people_for_sources(ctx: ImportContext, plans: list[PlannedDocument]) -> dict[str, list[QCase]]:
    selection_source = {
        sel.guid: plan.source.guid for plan in plans for sel in plan.source.selections
    }
    out: dict[str, list[QCase]] = {}
    for case in ctx.qp.cases:
        refs = set(case.source_refs) | {
            selection_source[r] for r in case.selection_refs if r in selection_source
        }
        for ref in refs:
            out.setdefault(ref, []).append(case)
    return out


# --------------------------------------------------------------------------- documents


def _source_values(ctx: ImportContext, plan: PlannedDocument) -> dict[str, str]:
    """kind / date / language from the source's variables (REFI-QDA) or its description."""
    variables = {v.guid: fold(v.name) for v in ctx.qp.variables}
    out = {}
    for value in plan.source.variables:
        name = _VARIABLE_ALIASES.get(variables.get(value.variable_guid, ""))
        if name in SOURCE_VARIABLES and value.value.strip():
            out[name] = value.value.strip()
    for part in plan.source.description.split(" · "):
        part = part.strip()
        if part in ("interview", "notes", "document"):
            out.setdefault("kind", part)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", part):
            out.setdefault("date", part)
    return out


def _label_extras(text: str, cases: list[QCase]) -> dict[int, str]:
    """Speaker labels that are a linked case's name or attribution ("[title, org]:")."""
    extra: dict[int, str] = {}
    for case in cases:
        if not case.name:
            continue
        body = re.escape(case.name)
        for m in re.finditer(rf"^[ \t]*(\[{body}\]|{body}):", text, re.MULTILINE):
            extra[m.start(1)] = m.group(1)
    return extra


def _turns(ctx: ImportContext, plan: PlannedDocument, cases: list[QCase]) -> list[ParsedTurn]:
    if ctx.payload is not None and plan.source.guid in ctx.payload_docs():
        return []  # restored from the payload, media times included
    turns = detect_interview_turns(plan.text, _label_extras(plan.text, cases))
    if plan.sync_points:
        turns, used = timed_turns(turns, plan.sync_points)
        left = len(plan.sync_points) - used
        why = "fall on no speaker turn" if turns else "have no speaker turns to time"
        skip_sync_points(ctx.summary, plan.source, f"{why} (their times are not kept)", left)
    return turns


def _meta(ctx: ImportContext, src: QSource) -> dict[str, object]:
    meta: dict[str, object] = {
        "imported_from": ctx.path.name,
        "refi_origin": ctx.qp.origin,
        "refi_guid": src.guid,
    }
    if src.media_name:
        meta["refi_media"] = src.media_name  # the recording a transcript belongs to
    return meta


def _new_document(
    ctx: ImportContext, plan: PlannedDocument, sha: str, cases: list[QCase]
) -> Document:
    s = ctx.s
    src = plan.source
    turns = _turns(ctx, plan, cases)
    values = _source_values(ctx, plan)
    row = ctx.payload_docs().get(src.guid)
    kind = values.get("kind") or ("interview" if turns else "document")
    try:
        date = dt.date.fromisoformat(values["date"][:10]) if "date" in values else None
    except ValueError:
        date = None
    doc = Document(
        title=unique_name(row["title"] if row else src.name, s.exec(select(Document.title))),
        kind=row["kind"] if row else kind,
        source_name=row["source_name"]
        if row
        else PurePosixPath((src.text_path or src.name).replace("\\", "/")).name,  # fmt: skip
        sha256=sha,
        text=plan.text,
        date=pl.to_date(row["date"]) if row else date,
        language=row["language"] if row else values.get("language") or detect_language(plan.text),
        word_count=len(plan.text.split()),
        meta=row["meta"] if row else _meta(ctx, src),
    )
    if row and row["created"]:
        doc.created = pl.to_datetime(row["created"]) or doc.created
    if s.exec(select(Document.id).where(Document.guid == src.guid)).first() is None:
        doc.guid = src.guid
    s.add(doc)
    s.flush()
    assert doc.id is not None
    linked = [ctx.person_for_case[c.guid] for c in cases]
    for pid in {p.id for p in linked if p.id is not None}:
        s.add(DocumentParticipant(document_id=doc.id, participant_id=pid))
    _store_turns(ctx, doc, turns, cases)
    return doc


def _store_turns(
    ctx: ImportContext, doc: Document, turns: list[ParsedTurn], cases: list[QCase]
) -> None:
    linked = [ctx.person_for_case[c.guid] for c in cases]
    by_label = {}
    for case in cases:
        by_label[case.name] = by_label[f"[{case.name}]"] = ctx.person_for_case[case.guid]
    sole = linked[0] if len(linked) == 1 else None
    rows = []
    for n, t in enumerate(turns):
        who = by_label.get(t.speaker) or link_speaker(t.speaker, linked, sole).participant
        rows.append(
            {
                "document_id": doc.id,
                "ordinal": n,
                "speaker": t.speaker,
                "participant_id": who.id if who else None,
                "start": t.start,
                "end": t.end,
                "media_start": t.media_start,
                "media_end": t.media_end,
            }
        )
    if rows:
        ctx.s.execute(insert(Turn), rows)  # bulk: long interviews have many turns


def store_documents(ctx: ImportContext, plans: list[PlannedDocument]) -> None:
    s = ctx.s
    cases_for = _people_for_sources(ctx, plans)
    coding_guids = set(s.exec(select(Coding.guid)))
    for plan in plans:
        src = plan.source
        doc = s.exec(select(Document).where(Document.guid == src.guid)).first()
        if doc is not None and doc.text != plan.text:
            ctx.summary.warnings.append(
                f"source {src.name!r} has the GUID of document {doc.title!r} but another text "
                "(e.g. names replaced for consent); imported as a separate document"
            )
            doc = None
        if doc is None:
            doc = s.exec(select(Document).where(Document.sha256 == plan.raw_bytes_sha)).first()
        sha = plan.raw_bytes_sha
        if doc is not None and doc.guid in ctx.docs_created:
            # Two sources with the same text in one archive stay two documents.
            doc = None
            sha = hashlib.sha256(f"{sha}:{src.guid}".encode()).hexdigest()
        if doc is not None:
            ctx.summary.documents_existing += 1
        else:
            doc = _new_document(ctx, plan, sha, cases_for.get(src.guid, []))
            ctx.docs_created.add(doc.guid)
            ctx.summary.documents += 1
        ctx.doc_for_source[src.guid] = doc
        _store_codings(ctx, plan, doc, coding_guids)


def annotate_new(ctx: ImportContext) -> None:
    """Tokens and sentences for every new document, as every import stores them."""
    if not ctx.annotate:
        return
    for doc in ctx.doc_for_source.values():
        if doc.guid in ctx.docs_created:
            annotate_document_in(ctx.s, doc)


def _store_codings(
    ctx: ImportContext, plan: PlannedDocument, doc: Document, coding_guids: set[str]
) -> None:
    s = ctx.s
    present = set(s.exec(select(Coding.guid).where(Coding.document_id == doc.id)))
    rows = []
    selection_of: dict[str, str] = {}
    file_guid: dict[str, str] = {}
    for pc in plan.codings:
        if pc.guid in present:
            ctx.summary.codings_already_present += 1
            continue
        coder = coder_for(ctx, pc.user or ctx.qp.creating_user)
        # A GUID already used elsewhere (a copy of this coding): keep GUIDs unique.
        guid = pc.guid if pc.guid not in coding_guids else new_guid()
        coding_guids.add(guid)
        present.add(pc.guid)
        selection_of.setdefault(pc.selection_guid, guid)
        file_guid[guid] = pc.guid
        rows.append(
            {
                "document_id": doc.id,
                "code_id": ctx.code_for[pc.code_guid].id,
                "coder_id": coder.id,
                "start": pc.start,
                "end": pc.end,
                "memo": pc.memo,
                "origin": "import",
                "guid": guid,
                "created": pc.created or utcnow(),
            }
        )
    if not rows:
        return
    s.execute(insert(Coding), rows)  # bulk: thousands of codings per archive
    ids: dict[str, int] = {
        guid: cid
        for guid, cid in s.exec(select(Coding.guid, Coding.id).where(Coding.document_id == doc.id))
        if cid is not None
    }
    for sel_guid, guid in selection_of.items():
        ctx.coding_for_selection[sel_guid] = ids[guid]
    for guid, original in file_guid.items():
        ctx.codings_created[original] = ids[guid]
    ctx.summary.codings_placed += len(rows)


# --------------------------------------------------------------------------- notes


def _note_targets(
    ctx: ImportContext, plans: list[PlannedDocument]
) -> dict[str, tuple[str, int | None]]:
    targets: dict[str, tuple[str, int | None]] = {}
    for ref in ctx.qp.note_refs:
        targets.setdefault(ref, ("project", None))
    for qcode, _ in qdpx.flatten_codes(ctx.qp.codes):
        for ref in qcode.note_refs:
            targets.setdefault(ref, ("code", ctx.code_for[qcode.guid].id))
    for plan in plans:
        doc = ctx.doc_for_source[plan.source.guid]
        for ref in plan.source.note_refs:
            targets.setdefault(ref, ("document", doc.id))
        for sel in plan.source.selections:
            coding_id = ctx.coding_for_selection.get(sel.guid)
            for ref in sel.note_refs + [r for c in sel.codings for r in c.note_refs]:
                targets.setdefault(
                    ref, ("coding", coding_id) if coding_id else ("document", doc.id)
                )
    return targets


def memo_text(name: str, text: str, description: str) -> str:
    """A note as a memo: its text; its name on top only when the name is a title of its own
    (not the first words of the text, which is how qualcode and many tools name notes);
    its description (ATLAS.ti's comment) below."""
    name_text = squash(name).rstrip("…").removesuffix("...").strip()
    if name_text and not squash(text).startswith(name_text):
        text = f"{name}\n\n{text}"
    if description.strip() and description.strip() not in text:
        text = f"{text}\n\n{description}" if text.strip() else description
    return text


def store_notes(
    ctx: ImportContext, plans: list[PlannedDocument], note_texts: dict[str, str]
) -> None:
    """Notes become memos, attached where they were referenced."""
    s = ctx.s
    targets = _note_targets(ctx, plans)
    # Notes already here as memos, or qualcode's own quote notes coming home, are skipped.
    existing = set(s.exec(select(Memo.guid))) | set(s.exec(select(Quote.guid))) | ctx.skip_notes
    for note in ctx.qp.notes:
        text = note_texts.get(note.guid)
        if text is None or note.guid in existing:
            continue
        kind, target = targets.get(note.guid, ("project", None))
        coder = coder_for(ctx, note.creating_user or ctx.qp.creating_user)
        memo = Memo(
            target_kind=kind,
            target_id=target,
            text=memo_text(note.name, text, note.description),
            coder_id=coder.id,
            guid=note.guid,
        )
        if note.created is not None:
            memo.created = note.created
        s.add(memo)
        ctx.summary.notes += 1
