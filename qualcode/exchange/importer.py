"""Importing exchange files: a REFI-QDA ``.qdpx`` archive, a bare ``.qde`` with its
``Sources/`` folder, or a ``.qdc`` codebook.

Liberal in what it reads and plain about what it did: positions counted in UTF-16 units or
with CRLF as two characters are detected and converted, selections that cannot be placed
are listed by GUID, and what qualcode cannot hold (PDF regions, pictures, audio, video,
transcripts, links, graphs, sets) is counted by kind and listed. Everything is read and
checked before one transaction writes, so a bad file leaves the project as it was.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.db import Project
from qualcode.errors import ImportFormatError
from qualcode.exchange import payload as pl
from qualcode.exchange.archive import Archive, open_archive
from qualcode.exchange.plan import PlannedDocument, note_text, plan_import
from qualcode.exchange.qdc import load_qdc, split_groups, wants_groups
from qualcode.exchange.restore import restore, skipped_notes
from qualcode.exchange.store import (
    ImportContext,
    annotate_new,
    coder_for,
    store_cases,
    store_codes,
    store_documents,
    store_notes,
)
from qualcode.exchange.summary import ExchangeOutcome, ImportSummary
from qualcode.formats import EXCHANGE_SUFFIXES, qdpx
from qualcode.formats.qdpx import QProject
from qualcode.formats.text import normalise
from qualcode.progress import Progress, no_progress

QUOTE_SET = "Citater"


def _read_payload(archive: Archive, qp: QProject) -> pl.Payload | None:
    if not qp.origin.startswith(qdpx.ORIGIN):
        return None
    member = archive.find(pl.PAYLOAD_MEMBER)
    return pl.load(archive.read(member)) if member else None


def _report_sets(qp: QProject, summary: ImportSummary, payload: pl.Payload | None) -> None:
    for st in qp.sets:
        ours = payload is not None and st.name == QUOTE_SET
        summary.sets.append(
            {
                "name": st.name,
                "codes": len(st.member_codes),
                "sources": len(st.member_sources),
                "notes": len(st.member_notes),
                "became": "quotes" if ours else "listed",
            }
        )
        if not ours:
            summary.skip("sets", f"set {st.name!r}")


def _read(
    archive: Archive, path: Path, summary: ImportSummary, groups: bool | None
) -> tuple[QProject, list[PlannedDocument], dict[str, str], pl.Payload | None]:
    member, notes = archive.project_member()
    summary.warnings.extend(notes)
    qp = qdpx.read_project_xml(archive.read(member), f"{path.name}:{member}")
    summary.warnings.extend(qp.warnings)
    summary.origin = qp.origin
    for kind, n in qp.skipped.items():
        summary.not_imported[kind] = summary.not_imported.get(kind, 0) + n
    summary.not_imported_items.extend(qp.skipped_items)
    if wants_groups(qp.origin, groups, qp.base_path):
        qp.codes, summary.code_groups = split_groups(qp.codes)
    payload = _read_payload(archive, qp)
    _report_sets(qp, summary, payload)
    plans = plan_import(qp, archive, summary)
    note_texts = {}
    for note in qp.notes:
        text = note_text(archive, note, summary)
        if text is not None and (text.strip() or note.description.strip()):
            note_texts[note.guid] = normalise(text)
    return qp, plans, note_texts, payload


def import_qdpx(
    project: Project,
    path: Path,
    progress: Progress = no_progress,
    annotate: bool = True,
    *,
    groups: bool | None = None,
) -> ExchangeOutcome:
    """Import a REFI-QDA project (``.qdpx`` or bare ``.qde``) in one transaction.

    ``groups``: ``Group::Code`` names become a hierarchy (None: for ATLAS.ti files only).
    ``annotate`` stores tokens and sentences with each new document, as every import does.
    """
    summary = ImportSummary()
    archive = open_archive(path)
    try:
        progress(0, 3, "reading")
        qp, plans, note_texts, payload = _read(archive, path, summary, groups)
    finally:
        archive.close()
    progress(1, 3, "writing")
    with project.transaction() as s:
        ctx = ImportContext(s=s, qp=qp, summary=summary, path=path, annotate=annotate)
        ctx.payload = payload
        if payload is not None:
            ctx.skip_notes = skipped_notes(payload)
        for guid in qp.users:
            coder_for(ctx, guid)
        store_codes(ctx)
        store_cases(ctx)
        store_documents(ctx, plans)
        s.flush()
        store_notes(ctx, plans, note_texts)
        if payload is not None:
            restore(ctx, payload)
        annotate_new(ctx)
    progress(3, 3, "done")
    return ExchangeOutcome(
        path=str(path),
        status="imported",
        title=qp.name or path.stem,
        message="\n".join(summary.lines(str(path))),
        details=summary.as_dict(),
    )


def import_exchange_file(
    project: Project,
    path: Path,
    progress: Progress = no_progress,
    annotate: bool = True,
    *,
    groups: bool | None = None,
) -> ExchangeOutcome:
    """A ``.qdpx``/``.qde`` project or a ``.qdc`` codebook, by its suffix.

    ``groups``: ``Group::Code`` names become a hierarchy (None: for ATLAS.ti files only).
    """
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        result = load_qdc(project, path, groups)
        return ExchangeOutcome(
            path=str(path),
            status="imported" if result.created or result.updated else "unchanged",
            title=path.stem,
            message=result.message(),
            details=result.as_dict(),
        )
    if suffix not in (".qdpx", ".qde"):
        raise ImportFormatError(
            str(path),
            f"is not an exchange file ({', '.join(EXCHANGE_SUFFIXES)})",
            "Export it from the other tool as REFI-QDA.",
        )
    return import_qdpx(project, path, progress, annotate, groups=groups)
