"""NLP annotation and search speed.

Budgets (issue 6), on a 2-core machine, for a generated corpus of 200 interviews of
10,000 words (about 2 million words):
- ``nlp_words_per_s`` >= 50,000: import-time annotation — spaCy tokenizer and sentencizer,
  lemmas, and the bulk insert of the index (terms, postings) and sentences — of documents
  imported without it (``annotate_missing``, the same code the import runs per document);
- ``search_lemma_ms`` <= 200: a two-word lemma phrase query over the whole corpus (median of
  repeated runs after one warm-up; the whole ``search`` call, with KWIC lines for the
  first 200 hits and complete per-document counts).

Lemma quality and cost (issue 14), independent of the corpus:
- ``lemma_collapse_pct`` / ``lemma_false_merge_pct``: on ``data/lemma_paradigms_da.jsonl``
  (300+ domain paradigms), the share whose forms all get one lemma key, and the share that
  shares a key with another paradigm;
- ``lemma_load_ms`` / ``lemma_peak_mb``: a fresh process that imports the pipeline and
  lemmatises one word (the lemma table opened from its cache; built first if missing).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from corpus import generate_corpus


def _median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up: caches, pipeline and lookup tables loaded
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


PARADIGMS = Path(__file__).parent / "data" / "lemma_paradigms_da.jsonl"
_LOAD_PROBE = (
    "import resource, time; t = time.perf_counter(); "
    "from qualcode.nlp.pipeline import lemma_key; lemma_key('kræftopfølgningsplanen'); "
    "print((time.perf_counter() - t) * 1000, "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
)


def lemma_quality() -> dict[str, float]:
    """Paradigm collapse and false merges of ``lemma_key`` (see the module docstring)."""
    from qualcode.nlp.pipeline import lemma_key

    rows = [json.loads(line) for line in PARADIGMS.read_text(encoding="utf-8").splitlines()]
    owners: dict[str, set[str]] = defaultdict(set)
    shared = defaultdict(int)
    for row in rows:
        for form in set(row["forms"]):
            shared[form] += 1
    plain_owners: dict[str, set[str]] = defaultdict(set)  # through forms of one paradigm only
    collapsed = 0
    for row in rows:
        keys = {form: lemma_key(form) for form in row["forms"]}
        collapsed += len(set(keys.values())) == 1
        for form, key in keys.items():
            owners[key].add(row["lemma"])
            if shared[form] == 1:
                plain_owners[key].add(row["lemma"])
    merged = {lemma for names in owners.values() if len(names) > 1 for lemma in names}
    # A merge through a form two paradigms share ("vagt": vag's neuter and the noun vagt)
    # cannot be told apart without the sentence's grammar; the rest are the lemmatiser's.
    avoidable = {lemma for names in plain_owners.values() if len(names) > 1 for lemma in names}
    return {
        "lemma_paradigms": float(len(rows)),
        "lemma_collapse_pct": 100 * collapsed / len(rows),
        "lemma_false_merge_pct": 100 * len(merged) / len(rows),
        "lemma_false_merge_not_homograph_pct": 100 * len(avoidable) / len(rows),
    }


def lemma_load() -> dict[str, float]:
    """Time and peak memory of a fresh process's first lemma (after one warm-up run)."""
    figures = []
    for _ in range(2):  # the first run may build the cached table
        out = subprocess.run(
            [sys.executable, "-c", _LOAD_PROBE], capture_output=True, text=True, check=True
        )
        figures.append([float(x) for x in out.stdout.split()])
    ms, mb = figures[-1]
    return {"lemma_load_ms": ms, "lemma_peak_mb": mb}


def run(quick: bool = False) -> dict[str, float]:
    from qualcode.db import open_project
    from qualcode.importing import import_files
    from qualcode.nlp.pipeline import get_pipeline, lemmatizer, tokenizer_pipeline
    from qualcode.nlp.store import annotate_missing, word_total
    from qualcode.search import search

    n, words = (20, 10_000) if quick else (200, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate_corpus(folder / "corpus", n, words)
        project = open_project(folder / "bench.qualcode", create=True)
        try:
            outcomes = import_files(project, paths, kind="interview", annotate=False)
            if any(o.status != "imported" for o in outcomes):
                raise RuntimeError("generated corpus did not import")
            lemmatizer("da")  # load the pipeline and lookup tables outside the timing
            get_pipeline("da")
            tokenizer_pipeline("da")
            started = time.perf_counter()
            annotate_missing(project)
            elapsed = time.perf_counter() - started
            with project.session() as s:
                stored = word_total(s)
            corpus_words = sum(o.words for o in outcomes)

            def lemma_phrase() -> None:
                search(project, "palliative indsats", mode="lemma", limit=200)

            def lemma_word() -> None:
                search(project, "udredning", mode="lemma", limit=200)

            def fuzzy_word() -> None:
                search(project, "palliation", mode="fuzzy", limit=200)

            runs = 3 if quick else 7
            figures = {
                "nlp_words": float(corpus_words),
                "nlp_tokens_stored": float(stored),
                "nlp_seconds": elapsed,
                "nlp_words_per_s": corpus_words / elapsed,
                "search_lemma_ms": _median_ms(lemma_phrase, runs),
                "search_lemma_word_ms": _median_ms(lemma_word, runs),
                "search_fuzzy_ms": _median_ms(fuzzy_word, runs),
                **lemma_quality(),
                **lemma_load(),
            }
        finally:
            project.close()
    return figures
