"""A small hand-built project in which every synthesis figure is known in advance (a
recipe over the one builder, tests/builders.py).

Experts: Anna Andersen (named), Bent Berg (role_only), Clara Holt (anonymous, "Ekspert 3").
Interviews in date order: d1 (Anna, 2025-01-10), d2 (Bent and Clara, 2025-01-20),
d3 (Anna again, 2025-02-01); d4 is a set of minutes (kind ``document``).

Codings (passages; the 1.1 passage in d2 is coded by two coders and counts once):

=====  ====  ==========  ==========================================
code   doc   speaker     note
=====  ====  ==========  ==========================================
1.1    d1    Anna        overlaps the ``ulighed`` coding
ulig.  d1    Anna        cross-cutting
1.2    d1    Anna        a later Anna turn
1.2    d1    Interviewer unattributed
1.1    d2    Bent        coded by ida and by mads (one passage)
1.2    d2    Bent        same turn as the 1.1 passage, no overlap
2.1    d2    Clara
1.1    d3    Anna
2.1    d3    Anna
=====  ====  ==========  ==========================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from builders import Person, ProjectBuilder

from qualcode.db import Project, open_project

CODEBOOK = """
[codebook]
name = "Testkodebog"
language = "da"

[[code]]
key = "1"
kind = "area"
label_da = "Diagnostik"
label_en = "Diagnostics"
guiding_question_da = "Hvordan bliver diagnosen hurtigere?"
guiding_question_en = "How does diagnosis get faster?"
keywords = ["diagnose"]

[[code]]
key = "1.1"
parent = "1"
kind = "attention_point"
label_da = "Henvisninger afvises"
label_en = "Referrals rejected"
keywords = ["henvisning"]

[[code]]
key = "1.2"
parent = "1"
kind = "attention_point"
label_da = "Lav sundhedskompetence"
label_en = "Low health literacy"

[[code]]
key = "2"
kind = "area"
label_da = "Basal palliation"
label_en = "Basic palliative care"
guiding_question_da = "Hvordan styrkes den basale palliation?"
keywords = ["palliation", "palliativ", "basal"]

[[code]]
key = "2.1"
parent = "2"
kind = "attention_point"
label_da = "Ulige adgang til palliation"
label_en = "Unequal access to palliation"

[[code]]
key = "ulighed"
kind = "cross_cutting"
label_da = "Ulighed"
label_en = "Inequality"
keywords = ["ulighed"]
"""

PEOPLE = [
    ("Anna Andersen", "professor", "Center for Lighed", "palliation", "named", ""),
    ("Bent Berg", "overlæge", "Sygehus Nord", "diagnostik", "role_only", ""),
    ("Clara Holt", "forsker", "Institut for Sundhedsdata Syd", "data", "anonymous", "Ekspert 3"),
]
# Strings that must never appear in any export (role_only / anonymous people).
FORBIDDEN = [
    "Bent Berg",
    "Berg",
    "Clara Holt",
    "Clara",
    "Holt",
    "Institut for Sundhedsdata Syd",
]

MINUTES = (
    "# Referater\n"
    "## Møde 1\n"
    "Vi drøftede basal palliation kort. Ingen nye diagnoser blev nævnt.\n"
    "## Møde 2\n"
    "Basal palliation blev nævnt igen. Den palliative indsats er vigtig.\n"
    "Palliation var ikke på dagsordenen.\n"
    "Bent Berg fra Sygehus Nord nævnte ulighed som tema.\n"
)


@dataclass
class Built:
    project: Project
    docs: dict[str, int] = field(default_factory=dict)
    spans: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def build_known_project(path: Path) -> Built:
    project = open_project(path, create=True)
    build = ProjectBuilder(project, path.parent).codebook(CODEBOOK)
    build.people(
        [
            Person(
                name,
                title,
                organisation=org,
                expertise=expertise,
                consent=consent,
                pseudonym=pseudonym or f"Ekspert {len(name)}",
            )  # fmt: skip
            for name, title, org, expertise, consent, pseudonym in PEOPLE
        ]
    )
    built = Built(project)
    built.docs["d1"] = build.document(
        "d1",
        [
            ("Interviewer", "Hvorfor venter de svage patienter længere på en diagnose?"),
            ("Anna Andersen", "Henvisningen bliver sendt retur, og det rammer de svage hårdest."),
            ("Interviewer", "Forstår patienterne brevene fra sygehuset?"),
            ("Anna Andersen", "Mange læser slet ikke indkaldelsen i den digitale postkasse."),
        ],
        participants=["Anna Andersen"],
        title="Interview med Anna Andersen",
        date=dt.date(2025, 1, 10),
        kind="interview",
        language="da",
    )
    built.docs["d2"] = build.document(
        "d2",
        [
            ("Interviewer", "Hvad ser I på sygehuset?"),
            (
                "Bent Berg",
                "Vi afviser for mange henvisninger fra almen praksis. "
                "Og de patienter, der ikke forstår systemet, kommer for sent.",
            ),
            ("Interviewer", "Og palliationen?"),
            ("Clara Holt", "Palliation i eget hjem når ikke de mest udsatte borgere."),
        ],
        participants=["Bent Berg", "Clara Holt"],
        title="Dobbeltinterview med Bent Berg og Clara Holt",
        date=dt.date(2025, 1, 20),
        kind="interview",
        language="da",
    )
    built.docs["d3"] = build.document(
        "d3",
        [
            ("Interviewer", "Er der sket noget siden sidst?"),
            (
                "Anna Andersen",
                "Der er stadig henvisninger, der går frem og tilbage mellem sektorer.",
            ),
            ("Interviewer", "Og i den palliative indsats?"),
            ("Anna Andersen", "Hjemmeplejen når ikke ud til dem, der bor alene."),
        ],
        participants=["Anna Andersen"],
        title="Opfølgning med Anna Andersen",
        date=dt.date(2025, 2, 1),
        kind="interview",
        language="da",
    )
    built.docs["d4"] = build.document(
        "d4",
        MINUTES,
        kind="document",
        language="da",
        title="Referater 2025",
        date=dt.date(2025, 12, 1),
    )

    def code(doc: str, phrase: str, key: str, coder: str = "ida") -> None:
        start, end = build.code(built.docs[doc], phrase, key, coder, unique=True)
        built.spans[f"{key}@{doc}"] = (doc, start, end)

    code("d1", "Henvisningen bliver sendt retur", "1.1")
    code("d1", "sendt retur, og det rammer de svage hårdest", "ulighed")
    code("d1", "Mange læser slet ikke indkaldelsen", "1.2")
    code("d1", "Hvorfor venter de svage patienter", "1.2", coder="mads")
    code("d2", "Vi afviser for mange henvisninger fra almen praksis.", "1.1")
    code("d2", "Vi afviser for mange henvisninger fra almen praksis.", "1.1", coder="mads")
    code("d2", "de patienter, der ikke forstår systemet, kommer for sent", "1.2")
    code("d2", "Palliation i eget hjem når ikke de mest udsatte borgere.", "2.1")
    code("d3", "Der er stadig henvisninger, der går frem og tilbage", "1.1")
    code("d3", "Hjemmeplejen når ikke ud til dem, der bor alene.", "2.1")

    build.code_memo("1.1", "Bent Berg og Anna Andersen peger begge på returnerede henvisninger.")
    return built


def add_quotes(built: Built) -> dict[str, int]:
    """q_anna (1.1, approved with changes), q_bent (1.1, candidate), q_clara (2.1, rejected)."""
    from qualcode import quotes

    build = ProjectBuilder(built.project)

    def quote(span: str, key: str) -> int:
        doc, start, end = built.spans[span]
        return build.quote(built.docs[doc], (start, end), key, "ida")

    ids = {"anna": quote("1.1@d1", "1.1")}
    quotes.respond(built.project, ids["anna"], "revise", "ida", text="Henvisninger sendes retur.")
    ids["bent"] = quote("1.1@d2", "1.1")
    ids["clara"] = quote("2.1@d2", "2.1")
    quotes.respond(built.project, ids["clara"], "reject", "ida")
    return ids


@pytest.fixture
def known(tmp_path: Path) -> Iterator[Built]:
    built = build_known_project(tmp_path / "known.qualcode")
    yield built
    built.project.close()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio."""
    return "asyncio"
