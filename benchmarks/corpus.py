"""A generated interview corpus for benchmarks: Danish-looking transcripts at any size.

The text is random words from a small vocabulary in interview shape (``I:`` questions,
long expert answers), so importers, indexes and renderers see realistic structure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

from sqlalchemy import insert

VOCABULARY = (
    "og i at det er en til på som de med han af for ikke der var jeg har vi men et om kan "
    "patient patienten patienterne udredning udredningen udredningsforløb henvisning "
    "almen praksis læge lægen sygehus hospitalet kommune kommunen region regionen "
    "palliation palliative palliativ indsats hjemmebehandling hjemme behandling "
    "ulighed sårbare borgere data monitorering kvalitet kapacitet ressourcer personale "
    "kræft kræftplan pakkeforløb symptomer vage uspecifikke diagnose diagnostik tid "
    "samarbejde sektorer tværsektoriel koordinering ansvar overblik tilbud rehabilitering "
    "senfølger behov vurdering skema medicin personlig genetisk analyse etik samtykke "
    "altså øh jo nok godt lige bare meget mere også skal vil kunne have været gøre sige "
    "vigtigt svært nemt mange få store små nye gamle første sidste hele egentlig faktisk"
).split()
QUESTIONS = (
    "Hvordan oplever du samarbejdet om patienterne?",
    "Kan du give et eksempel fra din hverdag?",
    "Hvad skal den næste kræftplan tage fat på?",
    "Hvem har ansvaret i dag, og virker det?",
    "Hvad betyder det for de sårbare patienter?",
)


def interview_text(rng: random.Random, words: int, expert: str) -> str:
    """One transcript of about ``words`` words in alternating I:/expert turns."""
    parts: list[str] = []
    written = 0
    while written < words:
        parts.append("I: " + rng.choice(QUESTIONS))
        answer_len = rng.randint(60, 220)
        sentences = []
        remaining = answer_len
        while remaining > 0:
            n = min(remaining, rng.randint(8, 24))
            sentence = " ".join(rng.choices(VOCABULARY, k=n))
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            remaining -= n
        parts.append(f"{expert}: " + " ".join(sentences))
        written += answer_len + 8
    return "\n\n".join(parts) + "\n"


FIRST_NAMES = (
    "Anna Bente Carl Dorte Erik Frida Gustav Hanne Ib Jonna Karl Lise Mogens Nanna Ole Pia "
    "Rasmus Sofie Tage Ulla Viggo Yrsa Åse Ølstyk Ærbo Zenia"
).split()
SURNAMES = (
    "Aagesen Bruun Dahl Eskildsen Fogh Gram Holm Iversen Juul Krog Lund Mørch Nørgaard "
    "Overgaard Pape Qvist Ravn Skov Thorup Ussing Vang Winther Xavier Yde Zeuthen Østergaard"
).split()


def expert_name(i: int) -> str:
    """A unique, letters-only name (speaker labels are names, so no digits)."""
    first, last = divmod(i, len(SURNAMES))
    return f"{FIRST_NAMES[first % len(FIRST_NAMES)]} {SURNAMES[last]}"


def generate_corpus(folder: Path, n_interviews: int, words_each: int, seed: int = 7) -> list[Path]:
    """Write ``n_interviews`` UTF-8 transcripts into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(n_interviews):
        path = folder / f"interview_{i:04d}.txt"
        path.write_text(interview_text(rng, words_each, expert_name(i)), encoding="utf-8")
        paths.append(path)
    return paths


def build_project(
    path: Path,
    n_interviews: int = 200,
    codings: int = 10_000,
    words_each: int = 10_000,
    seed: int = 7,
    annotate: bool = False,
):  # -> qualcode.db.Project
    """A project with the bundled codebook, generated participants, interviews and codings.

    Codings are bulk-inserted (random spans inside expert turns, random attention points);
    this is test data for timing, not a demonstration of the coding path.
    """
    from sqlmodel import select

    from qualcode.codebook import all_codes, load_codebook
    from qualcode.coding import get_or_create_coder
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.formats import parse_bytes
    from qualcode.importing import store_parsed
    from qualcode.models import Participant, Turn

    rng = random.Random(seed)
    project = open_project(path, create=True)
    load_codebook(project, demo_codebook())
    consents = ("named", "named", "role_only", "anonymous")
    with project.transaction() as s:
        for i in range(n_interviews):
            s.add(
                Participant(
                    name=expert_name(i),
                    title="overlæge",
                    organisation=f"Afdeling {i}",
                    expertise="kræft",
                    consent=consents[i % len(consents)],
                    pseudonym=f"Ekspert {i + 1}",
                )
            )
    store_kwargs = {"annotate": annotate} if _accepts(store_parsed, "annotate") else {}
    start_date = dt.date(2025, 1, 6)
    for i in range(n_interviews):
        text = interview_text(rng, words_each, expert_name(i))
        data = text.encode("utf-8")
        store_parsed(
            project,
            parse_bytes(f"interview_{i:04d}.txt", data),
            source_name=f"interview_{i:04d}.txt",
            sha256=hashlib.sha256(data).hexdigest(),
            kind="interview",
            participants=[expert_name(i)],
            language="da",
            title=f"Interview {i:04d}",
            date=start_date + dt.timedelta(days=i),
            **store_kwargs,
        )
    with project.transaction() as s:
        codes = [c for c in all_codes(s) if c.kind == "attention_point"] or all_codes(s)
        coders = [get_or_create_coder(s, name).id for name in ("ida", "mads")]
        turns = [
            (t.document_id, t.start, t.end)
            for t in s.exec(select(Turn).where(Turn.participant_id.is_not(None)))  # type: ignore[union-attr]
        ]
        insert_random_codings(s, turns, [c.id for c in codes], coders, codings, rng)
    return project


def insert_random_codings(
    session,  # a sqlmodel Session inside a transaction
    spans: list[tuple[int, int, int]],
    code_ids: list[int],
    coder_ids: list[int],
    n: int,
    rng: random.Random,
) -> None:
    """Bulk-insert ``n`` codings on random stretches inside the given (document, start, end)
    spans: the benchmarks' shared way to make a densely coded project quickly."""
    from qualcode.models import Coding

    rows = []
    for _ in range(n):
        doc_id, t_start, t_end = rng.choice(spans)
        a = rng.randint(t_start, max(t_start, t_end - 40))
        b = min(t_end, a + rng.randint(20, 400))
        rows.append(
            {
                "document_id": doc_id,
                "code_id": rng.choice(code_ids),
                "coder_id": rng.choice(coder_ids),
                "start": a,
                "end": max(b, a + 1),
                "memo": "",
                "origin": "manual",
                "guid": f"{rng.getrandbits(128):032X}",
                "created": dt.datetime.now(dt.UTC),
            }
        )
    session.execute(insert(Coding), rows)


def _accepts(func: object, name: str) -> bool:
    import inspect

    return name in inspect.signature(func).parameters  # type: ignore[arg-type]


def corpus_digest(paths: list[Path]) -> str:
    """A short digest of a generated corpus (to show two runs timed the same input)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]
