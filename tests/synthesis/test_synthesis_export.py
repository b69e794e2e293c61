"""Exports in every format: content, draft vs final, and no name consent does not allow."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as read_docx
from sqlmodel import select

from qualcode.db import Project
from qualcode.models import Document, Participant
from qualcode.synthesis import SYNTHESIS_FORMATS, build_synthesis, export_synthesis

from .known import FORBIDDEN, Built, add_quotes


def _docx_text(path: Path) -> str:
    """Every XML part of the .docx (body, styles, core and app properties) as one string."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(
            z.read(name).decode("utf-8", errors="replace")
            for name in z.namelist()
            if name.endswith((".xml", ".rels"))
        )


def _all_output(path: Path) -> str:
    if path.suffix == ".docx":
        props = read_docx(str(path)).core_properties
        fields = [
            props.author,
            props.last_modified_by,
            props.title,
            props.subject,
            props.keywords,
            props.comments,
            props.category,
        ]
        return _docx_text(path) + "\n" + "\n".join(f or "" for f in fields)
    return path.read_text(encoding="utf-8")


def _leaks(text: str, forbidden: list[str]) -> list[str]:
    return [
        name
        for name in forbidden
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
    ]


@pytest.mark.parametrize("fmt", SYNTHESIS_FORMATS)
def test_no_consent_leak_in_any_format(known: Built, tmp_path: Path, fmt: str) -> None:
    add_quotes(known)
    out = tmp_path / f"synthesis.{fmt}"
    export_synthesis(known.project, fmt, out)
    text = _all_output(out)
    assert _leaks(text, FORBIDDEN) == []
    assert "Anna Andersen" in text  # named: shown
    assert "overlæge, Sygehus Nord" in text  # role_only: by role
    assert "Ekspert 3" in text  # anonymous: by pseudonym


def test_docx_structure_and_properties(known: Built, tmp_path: Path) -> None:
    add_quotes(known)
    out = tmp_path / "s.docx"
    export_synthesis(known.project, "docx", out)
    doc = read_docx(str(out))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Head")]
    assert ("Heading 1", "1 Diagnostik") in headings
    assert ("Heading 2", "1.1 Henvisninger afvises") in headings
    assert ("Heading 1", "Eksperter og udviklingsområder") in headings
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert "»Henvisninger sendes retur.«" in quotes
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "AFVENTER GODKENDELSE" in body  # the draft marks the candidate quote
    # Summary box (a one-cell table) with the guiding question; the coverage table.
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any("Styrende spørgsmål: Hvordan bliver diagnosen hurtigere?" in c for c in cells)
    coverage = next(t for t in doc.tables if t.rows[0].cells[0].text == "Ekspert")
    assert [c.text for c in coverage.rows[0].cells] == ["Ekspert", "Ekspertise", "1", "2", "I alt"]
    assert [c.text for c in coverage.rows[2].cells] == [
        "overlæge, Sygehus Nord",
        "diagnostik",
        "2",
        "·",
        "2",
    ]
    props = doc.core_properties
    assert props.author == "qualcode" and props.last_modified_by == "qualcode"
    assert props.title.startswith("Syntese")


def test_final_export_writes_nothing_when_refused(known: Built, tmp_path: Path) -> None:
    from qualcode.errors import ExportError

    add_quotes(known)
    out = tmp_path / "final.docx"
    with pytest.raises(ExportError):
        export_synthesis(known.project, "docx", out, final=True)
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == []


def test_final_shows_only_approved_quotes_without_pending_marks(
    known: Built, tmp_path: Path
) -> None:
    from qualcode import quotes

    ids = add_quotes(known)
    quotes.withdraw(known.project, ids["bent"], "ida")
    for fmt in ("md", "html", "docx"):
        out = tmp_path / f"final.{fmt}"
        export_synthesis(known.project, fmt, out, final=True)
        text = _all_output(out)
        assert "Henvisninger sendes retur." in text
        assert "AFVENTER" not in text
        assert "Endelig version" in text


def test_english_headings(known: Built, tmp_path: Path) -> None:
    out = tmp_path / "en.md"
    export_synthesis(known.project, "md", out, language="en")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Synthesis – ")
    assert "## Experts and development areas" in text
    assert "## 1 Diagnostics" in text
    assert "Syntese" not in text


def test_markdown_and_html_content(known: Built, tmp_path: Path) -> None:
    add_quotes(known)
    md = tmp_path / "s.md"
    html = tmp_path / "s.html"
    export_synthesis(known.project, "md", md)
    export_synthesis(known.project, "html", html)
    text = md.read_text(encoding="utf-8")
    assert "| Anna Andersen | palliation | 3 | 1 | 4 |" in text
    assert "> **Styrende spørgsmål:** Hvordan bliver diagnosen hurtigere?" in text
    assert "**[AFVENTER GODKENDELSE: kandidat]**" in text
    assert "**Mætning:** 1 → 2 → 2" in text
    assert "basal palliation" in text.lower() and "Møde 2" in text
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page and "<link" not in page and "<script" not in page
    assert '<span class="badge">AFVENTER GODKENDELSE: kandidat</span>' in page


def test_json_export_equals_the_data(known: Built, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    export_synthesis(known.project, "json", out)
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        json.dumps(build_synthesis(known.project))
    )


def test_unknown_format_and_missing_folder(known: Built, tmp_path: Path) -> None:
    from qualcode.errors import ExportError

    with pytest.raises(ExportError, match="unknown synthesis format"):
        export_synthesis(known.project, "pdf", tmp_path / "x.pdf")
    with pytest.raises(ExportError, match="does not exist"):
        export_synthesis(known.project, "md", tmp_path / "nope" / "x.md")


def _demo_forbidden(project: Project) -> list[str]:
    with project.session() as s:
        people = list(s.exec(select(Participant)))
    named_parts = {part for p in people if p.consent == "named" for part in p.name.split()}
    out = []
    for p in people:
        if p.consent == "named":
            continue
        out.append(p.name)
        out += [part for part in p.name.split() if part not in named_parts]
        if p.consent == "anonymous":
            out.append(p.organisation)
    return out


@pytest.mark.parametrize("fmt", SYNTHESIS_FORMATS)
def test_demo_synthesis_has_no_consent_leak(
    demo_project: Project, tmp_path: Path, fmt: str
) -> None:
    forbidden = _demo_forbidden(demo_project)
    assert "Mette Lindqvist" in forbidden and "Erik Lindahl" in forbidden
    out = tmp_path / f"demo.{fmt}"
    export_synthesis(demo_project, fmt, out)
    assert _leaks(_all_output(out), forbidden) == []


def test_the_synthesis_counts_the_desk_mentions_the_document_review_finds(
    demo_project: Project,
) -> None:
    """Area 6's desk mentions in the synthesis are the document review's hits in the
    demo's minutes, each a real place in the text that names palliation (not a count
    pinned to the demo: the demo's text may change)."""
    data = build_synthesis(demo_project, area="6")
    (area,) = data["areas"]
    review = {c["key"]: c for c in data["document_review"]["codes"]}
    (doc,) = review["6"]["documents"]
    assert area["desk_mentions"] == doc["mentions"] == len(doc["hits"]) > 0
    with demo_project.session() as s:
        minutes = s.get(Document, doc["document_id"])
        assert minutes is not None
        text = minutes.text
    for hit in doc["hits"]:
        assert text[hit["start"] : hit["end"]] == hit["match"]
        assert "palliati" in hit["match"].lower()
