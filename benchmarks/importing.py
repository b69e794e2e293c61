"""Import speed: decoding, normalisation, turn detection and storage, without NLP.

Budget (issue 2): at least 400,000 words/s for a generated corpus of 200 interviews
(about 2 million words) on a 2-core machine.
"""

from __future__ import annotations

import inspect
import tempfile
import time
from pathlib import Path

from corpus import generate_corpus


def run(quick: bool = False) -> dict[str, float]:
    from qualcode.db import open_project
    from qualcode.importing import import_files

    n, words = (20, 10_000) if quick else (200, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate_corpus(folder / "corpus", n, words)
        total_words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
        project = open_project(folder / "bench.qualcode", create=True)
        kwargs = (
            {"annotate": False} if "annotate" in inspect.signature(import_files).parameters else {}
        )
        started = time.perf_counter()
        outcomes = import_files(project, paths, kind="interview", **kwargs)
        elapsed = time.perf_counter() - started
        project.close()
    failed = [o for o in outcomes if o.status != "imported"]
    if failed:
        raise RuntimeError(f"{len(failed)} imports failed: {failed[0].message}")
    return {
        "import_words": float(total_words),
        "import_seconds": elapsed,
        "import_words_per_s": total_words / elapsed,
    }
