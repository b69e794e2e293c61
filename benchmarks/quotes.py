"""Quote approval speed: packets for every expert, reading them back, the fidelity check.

Figures: ``packets_make_ms_per_packet`` (docx, with the researcher's copy), the time of
``packets_read_ms_per_packet`` for filled returns, ``fidelity_check_us`` for one
quote-sized comparison, and ``quotes_list_ms`` for listing every quote with its history.
Full run: 19 experts (the study's size) x 6 quotes; ``--quick``: 5 x 4.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SENTENCE = (
    "Vi kan ikke sige, om modellen virker, for {n} procent af patienterne forsvinder i "
    "overgangen mellem almen praksis og hospitalet nummer {i}."
)


def _build(path: Path, experts: int, per_expert: int):  # type: ignore[no-untyped-def]
    from qualcode import quotes
    from qualcode.db import open_project
    from qualcode.models import Code, Document, DocumentParticipant, Participant, Turn

    project = open_project(path, create=True)
    project.set_setting("silence_as_consent", "true")
    with project.transaction() as s:
        s.add(Code(key="1", kind="area", label_da="Område", label_en="Area"))
        for e in range(experts):
            person = Participant(name=f"Ekspert Navn {e}", title="overlæge",
                                 organisation=f"Afdeling {e}", language="da" if e % 3 else "en",
                                 consent=("named", "role_only", "anonymous")[e % 3])  # fmt: skip
            s.add(person)
            s.flush()
            text, turns = "", []
            for i in range(per_expert):
                q = f"I: Spørgsmål {i}?\n\n"
                text += q
                start = len(text)
                text += f"{person.name}: " + SENTENCE.format(n=10 + i, i=e) + " Mere tekst her.\n\n"
                turns.append((start, len(text) - 2))
            doc = Document(title=f"Interview {e}", text=text, word_count=len(text.split()),
                           sha256=hashlib.sha256(text.encode()).hexdigest())  # fmt: skip
            s.add(doc)
            s.flush()
            s.add(DocumentParticipant(document_id=doc.id, participant_id=person.id))
            for k, (a, b) in enumerate(turns):
                s.add(Turn(document_id=doc.id, ordinal=k, speaker=person.name,
                           participant_id=person.id, start=a, end=b))  # fmt: skip
    for e in range(experts):
        for i in range(per_expert):
            quotes.add_quote_by_match(
                project, f"Interview {e}", SENTENCE.format(n=10 + i, i=e), "1", "bench",
                wording=SENTENCE.format(n=10 + i, i=e).replace("ikke ", ""),
            )  # fmt: skip
    return project


def _fill(path: Path, out: Path) -> None:
    import docx

    d = docx.Document(str(path))
    for table in d.tables:
        for row in table.rows:
            if row.cells[0].text in ("Dit svar", "Your answer"):
                row.cells[1].text = "Godkend"
    d.save(str(out))


def run(quick: bool) -> dict[str, float]:
    from qualcode.fidelity import check
    from qualcode.packets import make_packets, read_packets
    from qualcode.quotes import list_quotes

    experts, per_expert = (5, 4) if quick else (19, 6)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        project = _build(base / "bench.qualcode", experts, per_expert)
        try:
            t0 = time.perf_counter()
            made = make_packets(project, base / "out", dt.date.today() + dt.timedelta(days=14))
            make_s = time.perf_counter() - t0
            returned = []
            for m in made:
                target = base / f"ret-{Path(m['path']).name}"
                _fill(Path(m["path"]), target)
                returned.append(target)
            t0 = time.perf_counter()
            read_packets(project, returned)
            read_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            list_quotes(project)
            list_s = time.perf_counter() - t0
        finally:
            project.close()
    src = SENTENCE.format(n=20, i=3)
    edited = src.replace("ikke ", "").replace("20", "30")
    rounds = 2000
    t0 = time.perf_counter()
    for _ in range(rounds):
        check(src, edited)
    fid_us = (time.perf_counter() - t0) / rounds * 1e6
    return {
        "packets_make_ms_per_packet": round(make_s / len(made) * 1000, 1),
        "packets_read_ms_per_packet": round(read_s / len(made) * 1000, 1),
        "fidelity_check_us": round(fid_us, 1),
        "quotes_list_ms": round(list_s * 1000, 1),
    }


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
