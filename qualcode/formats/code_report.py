"""A code report: every passage of one code (or area) across documents, as Markdown or Word.

Pure: it renders the plain data classes below; ``qualcode.code_report`` fills them from
the project with speakers already rendered as consent allows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document as new_document


@dataclass(frozen=True)
class ReportPassage:
    """One coded passage: where it is, who speaks (as consent allows), the text, the memo."""

    coding_id: int
    code: str
    code_label: str
    document: str
    start: int
    end: int
    speaker: str
    text: str
    memo: str
    coder: str


@dataclass
class CodeReport:
    """A code (with the codes below it unless ``only``) and its passages in document order."""

    project: str
    code: str
    label: str
    description: str
    codes: list[str]
    memos: list[str] = field(default_factory=list)
    passages: list[ReportPassage] = field(default_factory=list)

    @property
    def documents(self) -> list[str]:
        return list(dict.fromkeys(p.document for p in self.passages))


def plural(n: int, one: str, many: str) -> str:
    """``1 passage``, ``2 passages``."""
    return f"{n} {one if n == 1 else many}"


def _summary(report: CodeReport) -> str:
    return (
        f"{plural(len(report.passages), 'passage', 'passages')} in "
        f"{plural(len(report.documents), 'document', 'documents')}"
        + (f"; codes {', '.join(report.codes)}" if len(report.codes) > 1 else "")
    )


def render_markdown(report: CodeReport) -> str:
    """The report as Markdown: a heading per document, each passage quoted with its speaker."""
    lines = [f"# {report.code} {report.label}", "", f"*{report.project}* — {_summary(report)}", ""]
    if report.description:
        lines += [report.description, ""]
    for memo in report.memos:
        lines += [f"> **Memo:** {memo}", ""]
    for document in report.documents:
        lines += [f"## {document}", ""]
        for p in (p for p in report.passages if p.document == document):
            lines.append(f"**{p.speaker}** · {p.code} · {p.start}–{p.end}")
            lines.append("")
            lines += ["> " + line for line in p.text.splitlines() or [""]]
            lines.append("")
            if p.memo:
                lines += [f"*Memo:* {p.memo}", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_docx(report: CodeReport) -> bytes:
    """The report as a Word document (file properties name the project, never a person)."""
    doc = new_document()
    props = doc.core_properties
    props.title = f"{report.code} {report.label}"
    props.author = report.project
    props.last_modified_by = report.project
    doc.add_heading(f"{report.code} {report.label}", level=1)
    doc.add_paragraph(f"{report.project} — {_summary(report)}")
    if report.description:
        doc.add_paragraph(report.description)
    for memo in report.memos:
        doc.add_paragraph(f"Memo: {memo}")
    for document in report.documents:
        doc.add_heading(document, level=2)
        for p in (p for p in report.passages if p.document == document):
            head = doc.add_paragraph()
            head.add_run(p.speaker).bold = True
            head.add_run(f" · {p.code} · {p.start}–{p.end}")
            doc.add_paragraph(p.text, style="Quote")
            if p.memo:
                doc.add_paragraph().add_run(f"Memo: {p.memo}").italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
