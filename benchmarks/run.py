"""The one entry point for every benchmark: ``python benchmarks/run.py [--json] [--quick]``.

Each benchmark module in this folder exposes ``run(quick: bool) -> dict[str, float]``; this
script runs each in its own process (so memory figures are the module's own), prints each
figure beside its budget, and with ``--json`` prints one JSON
document. Timings are measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODULES = ["importing", "nlp", "tui", "quotes", "synthesis", "exchange", "teams", "cli"]
# name -> (comparison, budget): ">=" means at least, "<=" at most.
BUDGETS = {
    "import_words_per_s": (">=", 400_000),
    "nlp_words_per_s": (">=", 50_000),
    "search_lemma_ms": ("<=", 200),
    "tui_open_document_ms": ("<=", 500),
    "tui_apply_code_ms": ("<=", 50),
    "tui_memory_mb": ("<=", 400),
    "synthesis_docx_s": ("<=", 2),
    # issue 13: whole processes, median of 5 (benchmarks/cli.py)
    "cli_help_ms": ("<=", 150),
    "cli_list_ms": ("<=", 300),
    "cli_lemma_search_ms": ("<=", 500),
    "demo_build_s": ("<=", 5),
    "bulk_codings_per_s": (">=", 5_000),
    "tui_first_paint_ms": ("<=", 1_000),
}


def _run_here(name: str, quick: bool) -> tuple[dict[str, float], str | None]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        return {}, f"not available: {exc}"
    try:
        return module.run(quick=quick), None
    except Exception as exc:  # a broken benchmark must not hide the others
        return {}, f"{type(exc).__name__}: {exc}"


def _run_alone(name: str, quick: bool) -> tuple[dict[str, float], str | None]:
    """Each benchmark in its own process: memory figures (RSS) and caches stay its own."""
    argv = [sys.executable, __file__, "--json", "--only", name] + (["--quick"] if quick else [])
    done = subprocess.run(argv, capture_output=True, text=True)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {}, f"exit {done.returncode}: {done.stderr.strip()[-500:]}"
    return report["results"], report["errors"].get(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument("--only", nargs="*", help="run only these benchmark modules")
    args = parser.parse_args()
    results: dict[str, float] = {}
    errors: dict[str, str] = {}
    names = args.only or MODULES
    for name in names:
        started = time.perf_counter()
        if len(names) == 1:
            figures, error = _run_here(name, args.quick)
        else:
            figures, error = _run_alone(name, args.quick)
        if error:
            errors[name] = error
            continue
        results.update(figures)
        if not args.json:
            print(f"# {name} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    verdicts = {}
    for key, value in results.items():
        if key in BUDGETS:
            op, budget = BUDGETS[key]
            verdicts[key] = value >= budget if op == ">=" else value <= budget
    if args.json:
        print(
            json.dumps({"results": results, "within_budget": verdicts, "errors": errors}, indent=2)
        )
    else:
        for key, value in results.items():
            budget = ""
            if key in BUDGETS:
                op, limit = BUDGETS[key]
                budget = f"  (budget {op} {limit}: {'ok' if verdicts[key] else 'OVER'})"
            print(f"{key:32} {value:>14,.1f}{budget}")
        for name, err in errors.items():
            print(f"{name}: {err}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
