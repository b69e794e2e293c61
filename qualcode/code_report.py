"""The code report: every passage of a code or an area across documents, written to a file.

Speakers are shown as consent allows (``participants.attribution``); a turn linked to no
participant shows as "(speaker not linked)" so an unregistered label cannot leak a name.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from qualcode.codebook import code_scope, resolve_code
from qualcode.coding import code_passages
from qualcode.db import Project
from qualcode.errors import ExportError
from qualcode.formats.code_report import CodeReport, ReportPassage, render_docx, render_markdown
from qualcode.models import Code, Memo
from qualcode.safe_write import atomic_write_bytes

REPORT_FORMATS = ("md", "docx")
UNLINKED = "(speaker not linked)"


def build_code_report(project: Project, code: str, only: bool = False) -> CodeReport:
    """The passages of ``code`` (and the codes below it unless ``only``), in document order."""
    with project.session() as s:
        row = resolve_code(s, code)
        scope = code_scope(s, row, only)
        keys = [c.key for c in s.exec(select(Code).where(Code.id.in_(scope)))]  # type: ignore[union-attr]  # sqlmodel column
        memos = [
            m.text
            for m in s.exec(
                select(Memo).where(Memo.target_kind == "code", Memo.target_id == row.id)
            )
        ]
        rows = code_passages(s, row, include_descendants=not only)
    return CodeReport(
        project=project.name,
        code=row.key,
        label=row.label_da,
        description=row.description_da,
        codes=sorted(keys, key=lambda k: (k != row.key, k)),
        memos=memos,
        passages=[
            ReportPassage(
                coding_id=r["id"],
                code=r["code"],
                code_label=r["code_label"],
                document=r["document"],
                start=r["start"],
                end=r["end"],
                speaker=r["attribution"] or UNLINKED,
                text=r["text"],
                memo=r["memo"],
                coder=r["coder"] or "",
            )
            for r in rows
        ],
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
