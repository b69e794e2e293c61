"""Synthesis speed: the full Word synthesis of 200 interviews and 10,000 codings.

Budget: ``synthesis_docx_s`` ≤ 2 s, measured from an open project to the bytes of the
.docx (reading the project, the synthesis itself, rendering and saving). Building the
generated project is not timed. ``--quick`` uses 40 interviews and 2,000 codings.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from corpus import insert_random_codings

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _add_quotes(project, n: int) -> None:  # type: ignore[no-untyped-def]
    """A few hundred quotes on coded passages, in every status, as a real project has."""
    from sqlalchemy import insert
    from sqlmodel import select

    from qualcode.models import Coding, Document, Quote, Turn

    statuses = ("candidate", "sent", "approved", "approved_with_changes", "deemed_accepted")
    with project.transaction() as s:
        codings = s.exec(
            select(Coding.document_id, Coding.code_id, Coding.start, Coding.end).limit(n)
        ).all()
        texts = dict(s.exec(select(Document.id, Document.text)).all())
        speakers = {}
        for doc_id, pid in s.exec(select(Turn.document_id, Turn.participant_id)):
            if pid is not None:
                speakers.setdefault(doc_id, pid)
        rows = []
        for i, (doc_id, code_id, start, end) in enumerate(codings):
            text = texts[doc_id][start:end]
            rows.append(
                {
                    "document_id": doc_id,
                    "participant_id": speakers[doc_id],
                    "code_id": code_id,
                    "start": start,
                    "end": end,
                    "source_text": text,
                    "wording": text,
                    "draft_paragraph": "",
                    "status": statuses[i % len(statuses)],
                    "response_note": "",
                    "fidelity": {},
                    "version": 1,
                    "guid": f"BENCH-{i:08d}",
                    "created_by": "bench",
                }
            )
        s.execute(insert(Quote), rows)


def _build_project(path: Path, n_interviews: int, n_codings: int, words_each: int):  # type: ignore[no-untyped-def]
    """Participants, interviews with turns, and codings inserted in bulk.

    The text comes from ``corpus.interview_text``. ``corpus.build_project`` is not used:
    its expert label ("Ekspert Nummer0") has a digit, so turn detection finds no expert
    turns and it cannot place codings; the synthesis needs attributed turns anyway, so the
    turns are written here directly.
    """
    import datetime as dt
    import hashlib
    import random

    from corpus import expert_name, interview_text
    from sqlalchemy import insert
    from sqlmodel import select

    from qualcode.codebook import all_codes, load_codebook
    from qualcode.coding import get_or_create_coder
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.models import Document, DocumentParticipant, Participant, Turn

    rng = random.Random(11)
    project = open_project(path, create=True)
    load_codebook(project, demo_codebook())
    consents = ("named", "named", "role_only", "anonymous")
    start_date = dt.date(2025, 1, 6)
    with project.transaction() as s:
        s.execute(
            insert(Participant),
            [
                {
                    "name": expert_name(i),
                    "title": "overlæge",
                    "organisation": f"Afdeling {i}",
                    "expertise": "kræft",
                    "consent": consents[i % len(consents)],
                    "pseudonym": f"Ekspert {i + 1}",
                    "guid": f"P-{i}",
                }
                for i in range(n_interviews)
            ],
        )
        people = dict(s.exec(select(Participant.name, Participant.id)).all())
        texts = [interview_text(rng, words_each, expert_name(i)) for i in range(n_interviews)]
        s.execute(
            insert(Document),
            [
                {
                    "title": f"Interview {i:04d}",
                    "kind": "interview",
                    "source_name": f"interview_{i:04d}.txt",
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "text": text,
                    "date": start_date + dt.timedelta(days=i),
                    "language": "da",
                    "word_count": len(text.split()),
                    "meta": {},
                    "guid": f"D-{i}",
                }
                for i, text in enumerate(texts)
            ],
        )
        doc_ids = dict(s.exec(select(Document.title, Document.id)).all())
        turn_rows, links, expert_turns = [], [], []
        for i, text in enumerate(texts):
            doc_id = doc_ids[f"Interview {i:04d}"]
            pid = people[expert_name(i)]
            links.append({"document_id": doc_id, "participant_id": pid})
            pos = 0
            for n, block in enumerate(text.split("\n\n")):
                speaker, _, _body = block.partition(": ")
                start, end = pos, pos + len(block)
                is_expert = speaker != "I"
                turn_rows.append(
                    {
                        "document_id": doc_id,
                        "ordinal": n,
                        "speaker": speaker,
                        "participant_id": pid if is_expert else None,
                        "start": start,
                        "end": end,
                    }
                )
                if is_expert:
                    expert_turns.append((doc_id, start + len(speaker) + 2, end))
                pos = end + 2
        s.execute(insert(DocumentParticipant), links)
        s.execute(insert(Turn), turn_rows)
        codes = [c for c in all_codes(s) if c.kind in ("attention_point", "cross_cutting")]
        coders = [get_or_create_coder(s, name).id for name in ("ida", "mads")]
        insert_random_codings(s, expert_turns, [c.id for c in codes], coders, n_codings, rng)
    return project


def run(quick: bool) -> dict[str, float]:
    from qualcode.formats.synthesis_docx import write_docx
    from qualcode.synthesis import build_synthesis, load_snapshot, synthesise

    n_interviews, n_codings = (40, 2_000) if quick else (200, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        project = _build_project(Path(tmp) / "bench.qualcode", n_interviews, n_codings, 2_000)
        _add_quotes(project, n_interviews * 2)
        try:
            build_synthesis(project)  # warm imports and the SQLite page cache
            best = best_cpu = float("inf")
            parts: dict[str, float] = {}
            for _ in range(1 if quick else 3):
                c0 = time.process_time()
                t0 = time.perf_counter()
                snap = load_snapshot(project)
                t1 = time.perf_counter()
                data = synthesise(snap)
                t2 = time.perf_counter()
                out = Path(tmp) / "synthesis.docx"
                write_docx(data, out)
                t3 = time.perf_counter()
                best_cpu = min(best_cpu, time.process_time() - c0)
                if t3 - t0 < best:
                    best = t3 - t0
                    parts = {
                        "synthesis_load_s": t1 - t0,
                        "synthesis_data_s": t2 - t1,
                        "synthesis_write_docx_s": t3 - t2,
                    }
            size = out.stat().st_size
        finally:
            project.close()
    return {
        "synthesis_docx_s": round(best, 3),
        # CPU time of the same work: what the wall time is when no one else uses the cores.
        "synthesis_docx_cpu_s": round(best_cpu, 3),
        **{k: round(v, 3) for k, v in parts.items()},
        "synthesis_docx_mb": round(size / 1e6, 2),
        "synthesis_codings": float(n_codings),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
