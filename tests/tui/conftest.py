# ruff: noqa: E501 - the interview keeps one paragraph per turn, as transcripts do
"""A small, fixed project for TUI tests and snapshots (independent of the demo's growth).

One interview with an interviewer and an invented expert, a six-code codebook, and three
codings two of which overlap. Everything here is fiction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from synthesis.known import known  # noqa: F401 - the synthesis screen's project

from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project, open_project
from qualcode.importing import import_files

CODEBOOK = """
[codebook]
name = "Testbog"
language = "da"
version = "1"

[[code]]
key = "A"
label_da = "Ventetid"
label_en = "Waiting times"
kind = "area"
description_da = "Hvor længe patienter venter, og hvorfor."
use_when = "Passagen handler om tid fra henvisning til svar."
not_when = "Kapacitet i almindelighed kodes B."
keywords = ["vente", "ventetid", "kø"]
colour = "#1f77b4"

[[code]]
key = "A.1"
parent = "A"
label_da = "Ventetid på scanning"
label_en = "Waiting for scans"
kind = "attention_point"
keywords = ["scanning", "skanner"]
colour = "#17becf"

[[code]]
key = "A.2"
parent = "A"
label_da = "Ventetid på svar"
label_en = "Waiting for results"
kind = "attention_point"
keywords = ["svar", "prøvesvar"]
colour = "#9467bd"

[[code]]
key = "B"
label_da = "Samarbejde"
label_en = "Collaboration"
kind = "area"
keywords = ["samarbejde", "sektor"]
colour = "#2ca02c"

[[code]]
key = "B.1"
parent = "B"
label_da = "Praksis og hospital"
label_en = "Practice and hospital"
kind = "attention_point"
keywords = ["praksislæge", "hospital"]
colour = "#bcbd22"

[[code]]
key = "ulighed"
label_da = "Ulighed"
label_en = "Inequality"
kind = "cross_cutting"
keywords = ["ulighed", "sårbar"]
colour = "#d62728"
"""

INTERVIEW = """Interview med Karin Vestergaard, afdelingslæge, Fjordby Sygehus

I: Tak fordi du ville være med. Hvad fylder mest for dig lige nu?

Karin Vestergaard: Det er ventetiden. Patienterne venter for længe på scanning, og når de endelig er scannet, venter de igen på svaret. Det er de sårbare patienter, der mærker det mest, for de ringer ikke og rykker.

I: Hvordan er samarbejdet med de praktiserende læger?

Karin Vestergaard: Det er blevet bedre. Vi har en fast telefontid, og praksislægerne kan ringe direkte til os. Men henvisningerne er stadig meget forskellige i kvalitet, og nogle bliver sendt tilbage, fordi der mangler oplysninger.

I: Hvad ville du ønske dig af den næste plan?

Karin Vestergaard: Færre skemaer og mere tid til patienterne. Og så et fælles overblik over ventetider, så vi kan se, hvor køen er.
"""

PARTICIPANTS = """name;title;organisation;expertise;consent;email;language;pseudonym
Karin Vestergaard;afdelingslæge;Fjordby Sygehus;billeddiagnostik;named;kv@fjordby.example;da;
"""


def span_of(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


@pytest.fixture
def tui_project(tmp_path: Path) -> Iterator[Project]:
    """A fresh project with the test codebook, one interview and three codings."""
    from qualcode.participants import import_participants

    project = open_project(tmp_path / "tui.qualcode", create=True)
    project.set_setting("name", "TUI-test")
    book = tmp_path / "book.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, book)
    people = tmp_path / "people.csv"
    people.write_text(PARTICIPANTS, encoding="utf-8")
    import_participants(project, people)
    source = tmp_path / "vestergaard.txt"
    source.write_text(INTERVIEW, encoding="utf-8")
    outcomes = import_files(
        project, [source], kind="interview", participants=["Karin Vestergaard"], annotate=False
    )
    assert outcomes[0].status == "imported", outcomes[0].message
    doc_id = outcomes[0].document_id
    a, b = span_of(INTERVIEW, "Patienterne venter for længe på scanning")
    apply_code(project, doc_id, "A.1", a, b, "ida")
    a2, b2 = span_of(
        INTERVIEW,
        "venter for længe på scanning, og når de endelig er scannet, venter de igen på svaret",
    )
    apply_code(project, doc_id, "A.2", a2, b2, "mads")
    a3, b3 = span_of(INTERVIEW, "Det er de sårbare patienter, der mærker det mest")
    apply_code(project, doc_id, "ulighed", a3, b3, "ida")
    yield project
    project.close()


@pytest.fixture
def document_id(tui_project: Project) -> int:
    from sqlmodel import select

    from qualcode.models import Document

    with tui_project.session() as s:
        return s.exec(select(Document.id)).one()  # type: ignore[return-value]


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (the anyio plugin drives ``async def`` tests)."""
    return "asyncio"
