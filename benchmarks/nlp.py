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
  shares a key with another paradigm — out of context (``lemma_key``, as a one-word query
  is lemmatised), and in context (``lemma_false_merge_in_context_pct``: a form two
  paradigms share, ``tolker`` or ``vagt``, after one word typical of its paradigm's part
  of speech, resolved by ``nlp.lemma_rules`` as annotation resolves it); and
  ``homograph_right_pct``: shared forms in written sentences given the right lemma;
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


HOMOGRAPH_SENTENCES = Path(__file__).parent.parent / "tests" / "data" / "lemma_homographs_da.jsonl"
# One word before a shared form, typical of its paradigm's part of speech (``lemma_rules``).
_POS_CUE = {"noun": "om", "verb": "vi", "adj": "meget"}


_Key = Callable[[dict[str, Any], str], str]


def _merges(rows: list[dict[str, Any]], key: _Key) -> set[str]:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for form in row["forms"]:
            owners[key(row, form)].add(row["lemma"])
    return {lemma for names in owners.values() if len(names) > 1 for lemma in names}


def homograph_sentences() -> dict[str, float]:
    """Shared forms in sentences (``tests/data/lemma_homographs_da.jsonl``): the share given
    the right lemma by the annotation (the word before decides) and by the table alone."""
    from qualcode.nlp.pipeline import annotate_text, lemma_key

    rows = [json.loads(line) for line in HOMOGRAPH_SENTENCES.read_text("utf-8").splitlines()]
    right = table = 0
    for row in rows:
        got = next(t[4] for t in annotate_text(row["text"]).tokens if t[3] == row["form"])
        right += got == row["lemma"]
        table += lemma_key(row["form"]) == row["lemma"]
    return {
        "homograph_sentences": float(len(rows)),
        "homograph_right_pct": 100 * right / len(rows),
        "homograph_table_only_pct": 100 * table / len(rows),
    }


def lemma_quality() -> dict[str, float]:
    """Paradigm collapse and false merges of ``lemma_key`` (see the module docstring)."""
    from qualcode.nlp.lemma_rules import context_lemma
    from qualcode.nlp.pipeline import lemma_key

    rows = [json.loads(line) for line in PARADIGMS.read_text(encoding="utf-8").splitlines()]

    # in context: a form two paradigms share takes the reading its word before gives it
    def in_context_key(row: dict[str, Any], form: str) -> str:
        return context_lemma(_POS_CUE.get(row["pos"]), form, lemma_key(form))

    in_context = _merges(rows, in_context_key)
    collapsed_in_context = sum(
        len({in_context_key(row, form) for form in row["forms"]}) == 1 for row in rows
    )
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
        "lemma_false_merge_in_context_pct": 100 * len(in_context) / len(rows),
        "lemma_collapse_in_context_pct": 100 * collapsed_in_context / len(rows),
        **homograph_sentences(),
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
