"""In a report (no speaker turns) the heading a passage sits under tells what it is about:
the nearest heading above it that names a code counts as evidence, generic headings in
between ("Baggrund", "Status") are passed over, and headings are never suggestion units."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.importing import import_files
from qualcode.suggest import evaluate, suggest

# A sentence that names no area: its topic comes only from the section it stands in.
NEUTRAL = (
    "Flere af de interviewede peger på, at indsatsen i dag afhænger meget af den enkelte "
    "medarbejders engagement og af, hvor i landet man bor."
)

REPORT = f"""Rapport om udviklingsområder

1 Basal palliation

Baggrund

{NEUTRAL}

2 Personlig medicin

Status

{NEUTRAL}
"""


@pytest.fixture
def report_project(project: Project, tmp_path: Path) -> Project:
    load_codebook(project, demo_codebook())
    path = tmp_path / "rapport.txt"
    path.write_text(REPORT, encoding="utf-8")
    import_files(project, [path], kind="document", language="da")
    return project


def test_the_section_heading_ranks_a_neutral_sentence(report_project: Project) -> None:
    first = REPORT.index(NEUTRAL)
    second = REPORT.index(NEUTRAL, first + 1)
    apply_code(report_project, "rapport", "6", first, first + len(NEUTRAL), "gold")
    apply_code(report_project, "rapport", "3", second, second + len(NEUTRAL), "gold")
    report = evaluate(report_project, train=False)
    assert report["codebook"]["area"] == {"passages": 2, "top1": 1.0, "top3": 1.0}


def test_headings_alone_carry_no_suggestion(report_project: Project) -> None:
    rows = suggest(report_project, use_model=False)
    starts = {r["start"] for r in rows}
    assert REPORT.index("1 Basal palliation") not in starts  # a heading is no unit
    assert REPORT.index(NEUTRAL) not in starts  # nor does a heading carry a neutral sentence
