"""The code report: every passage of a code or an area across documents, written to a file.

It leaves the project, so it goes through ``consent.Redactor``: speakers are attributed as
their consent allows, and names of ``role_only`` and ``anonymous`` participants inside the
passages and memos are replaced. A turn linked to no participant shows as "(speaker not
linked)" so an unregistered label cannot leak a name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from sqlmodel import Session, col, select

from qualcode.codebook import code_scope, resolve_code
from qualcode.coding import code_passages
from qualcode.consent import Redactor
from qualcode.db import Project
from qualcode.errors import ExportError
from qualcode.formats.code_report import CodeReport, ReportPassage, render_docx, render_markdown
from qualcode.models import Code, Memo, Participant, Turn
from qualcode.naming import default_coder_name
from qualcode.safe_write import atomic_write_bytes
from qualcode.visibility import visible_coder_filter

REPORT_FORMATS = ("md", "docx")
UNLINKED = "(speaker not linked)"


def build_code_report(
    project: Project, code: str, only: bool = False, viewer: str | None = None
) -> CodeReport:
    """The passages of ``code`` (and the codes below it unless ``only``), in document order;
    with blind coding on, those ``viewer`` (default: this program's coder) may see."""
    with project.session() as s:
        row = resolve_code(s, code)
        scope = code_scope(s, row, only)
        keys = [c.key for c in s.exec(select(Code).where(col(Code.id).in_(scope)))]
        memos = [
            m.text
            for m in s.exec(
                select(Memo).where(Memo.target_kind == "code", Memo.target_id == row.id)
            )
        ]
        visible = visible_coder_filter(project, viewer or default_coder_name())
        rows = code_passages(s, row, include_descendants=not only, visible=visible)
        people = list(s.exec(select(Participant)))
        speaking = _speakers(s, [(r["document_id"], r["start"]) for r in rows])
    language = project.get_setting("language") or "da"
    redactor = Redactor.for_participants(people, language=language)
    by_id = {p.id: p for p in people}

    def speaker(document_id: int, start: int) -> str:
        pid = speaking.get((document_id, start))
        return redactor.attribution(by_id[pid]) if pid in by_id else UNLINKED

    return CodeReport(
        project=project.name,
        code=row.key,
        label=row.label_da,
        description=redactor.redact(row.description_da),
        codes=sorted(keys, key=lambda k: (k != row.key, k)),
        memos=[redactor.redact(m) for m in memos],
        passages=[
            ReportPassage(
                coding_id=r["id"],
                code=r["code"],
                code_label=r["code_label"],
                document=redactor.redact(r["document"]),
                start=r["start"],
                end=r["end"],
                speaker=speaker(r["document_id"], r["start"]),
                text=redactor.redact(r["text"]),
                memo=redactor.redact(r["memo"]),
                coder=r["coder"] or "",
            )
            for r in rows
        ],
    )


def _speakers(session: Session, spots: list[tuple[int, int]]) -> dict[tuple[int, int], int | None]:
    """The participant speaking at each (document, offset)."""
    out: dict[tuple[int, int], int | None] = {}
    for document_id in {d for d, _ in spots}:
        turns = list(session.exec(select(Turn).where(Turn.document_id == document_id)))
        for d, start in spots:
            if d == document_id:
                out[(d, start)] = next(
                    (t.participant_id for t in turns if t.start <= start < t.end), None
                )
    return out


class CodeReportDict(TypedDict):
    """`codings report --json`: what the report holds and where it went (path None: stdout)."""

    code: str
    label: str
    codes: list[str]
    passages: int
    documents: list[str]
    path: str | None
    format: str


def report_summary(report: CodeReport, out: Path | None, fmt: str) -> CodeReportDict:
    return CodeReportDict(
        code=report.code,
        label=report.label,
        codes=report.codes,
        passages=len(report.passages),
        documents=report.documents,
        path=str(out) if out else None,
        format=fmt,
    )


def format_for(out: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one ``out``'s extension names, else Markdown."""
    if fmt is None and out is not None and out.suffix.lower().lstrip(".") in REPORT_FORMATS:
        fmt = out.suffix.lower().lstrip(".")
    fmt = (fmt or "md").lower()
    if fmt not in REPORT_FORMATS:
        raise ExportError(f"unknown report format {fmt!r}", "Use md or docx.")
    return fmt


def write_code_report(report: CodeReport, fmt: str, out: Path) -> Path:
    """Write the report (atomically) as ``md`` or ``docx``."""
    data = render_docx(report) if fmt == "docx" else render_markdown(report).encode("utf-8")
    return atomic_write_bytes(out, data)
