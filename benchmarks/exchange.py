"""Exchange speed: REFI-QDA export (code points and UTF-16 for NVivo) and import, CSV and
Excel export, inter-coder agreement.

A generated project (interviews with codings by two coders) is exported to .qdpx, imported
into a fresh project (without NLP annotation, which the NLP benchmark measures), exported as
CSV, and the agreement of the two coders is computed on sentence units.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from corpus import generate_corpus, insert_random_codings


def _project(folder: Path, n: int, codings: int, words: int):  # -> qualcode.db.Project
    """Generated interviews, the bundled codebook, and random codings by ida and mads."""
    import random

    from sqlmodel import select

    from qualcode.codebook import all_codes, load_codebook
    from qualcode.coding import get_or_create_coder
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.importing import import_files
    from qualcode.models import Document

    rng = random.Random(11)
    project = open_project(folder / "bench.qualcode", create=True)
    load_codebook(project, demo_codebook())
    import_files(
        project, generate_corpus(folder / "corpus", n, words), kind="interview", annotate=False
    )
    with project.transaction() as s:
        codes = [c.id for c in all_codes(s)]
        coders = [get_or_create_coder(s, name).id for name in ("ida", "mads")]
        docs = [(d.id, len(d.text)) for d in s.exec(select(Document))]
        spans = [(doc_id, 0, length) for doc_id, length in docs]
        insert_random_codings(s, spans, codes, coders, codings, rng)
    return project


def run(quick: bool = False) -> dict[str, float]:
    from qualcode.agreement import compute_agreement
    from qualcode.db import open_project
    from qualcode.exchange import export_csv, export_qdpx, export_xlsx, import_qdpx

    n, codings, words = (10, 2_000, 5_000) if quick else (100, 10_000, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = _project(folder, n, codings, words)
        t0 = time.perf_counter()
        export_qdpx(project, folder / "out.qdpx")
        t1 = time.perf_counter()
        export_csv(project, folder / "out.csv")
        t2 = time.perf_counter()
        export_xlsx(project, folder / "out.xlsx")
        t2x = time.perf_counter()
        export_qdpx(project, folder / "nvivo.qdpx", positions="utf16")
        t2u = time.perf_counter()
        report = compute_agreement(project, ["ida", "mads"])
        t3 = time.perf_counter()
        fresh = open_project(folder / "fresh.qualcode", create=True)
        t4 = time.perf_counter()
        outcome = import_qdpx(fresh, folder / "out.qdpx", annotate=False)
        t5 = time.perf_counter()
        placed = outcome.details["codings_placed"]
        fresh.close()
        project.close()
    if placed != codings:
        raise RuntimeError(f"round trip placed {placed} of {codings} codings")
    return {
        "exchange_codings": float(codings),
        "exchange_qdpx_export_s": t1 - t0,
        "exchange_csv_export_s": t2 - t1,
        "exchange_xlsx_export_s": t2x - t2,
        "exchange_qdpx_utf16_export_s": t2u - t2x,
        "exchange_qdpx_import_s": t5 - t4,
        "agreement_s": t3 - t2u,
        "agreement_units": float(report.units),
    }
