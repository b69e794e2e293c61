"""Whole-process CLI timings: what a script (or a person at a terminal) waits for.

Figures (median of 5 whole ``qualcode`` processes unless noted; issue 13):

- ``cli_help_ms``: ``qualcode --help`` (budget <= 150 ms);
- ``cli_list_ms``: ``qualcode -p demo.qualcode documents list --json`` (<= 300 ms);
- ``cli_lemma_search_ms``: ``qualcode -p demo.qualcode search henvisning --lemma --json``
  (<= 500 ms);
- ``demo_build_s``: ``qualcode demo --no-tui`` once (<= 5 s);
- ``bulk_codings_per_s``: rows of ``qualcode code --from FILE`` per second of the whole
  process, 20,000 rows on the demo (>= 5,000); ``python benchmarks/cli.py --bulk`` runs
  only this one;
- ``tui_first_paint_ms`` and ``tui_dashboard_ready_ms``: the TUI started on the demo, to
  its first frame (<= 1,000 ms) and to the dashboard filled in; measured by
  ``benchmarks/tui.py`` (``first_paint_figures``), which says how.

``cpu`` variants (user + system time of the process) are printed too: on a shared machine
they move less with the load than wall time does.

The package is byte-compiled first (``compileall``), as an installed wheel is: a checkout
run with ``PYTHONDONTWRITEBYTECODE=1`` would otherwise compile every qualcode module it
imports on every call (about 100 ms of ``qualcode --help``), which no user pays.
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tui import first_paint_figures

REPEAT = 5


def _qualcode() -> list[str]:
    return [sys.executable, "-m", "qualcode"]


def _timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, cpu seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _median(argv: list[str], cwd: Path, repeat: int = REPEAT) -> tuple[float, float]:
    runs = [_timed(argv, cwd) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def _compile_package() -> None:
    """Byte-compile qualcode as ``pip install`` does (``__pycache__`` is git-ignored)."""
    import compileall

    import qualcode

    compileall.compile_dir(str(Path(qualcode.__file__).parent), quiet=1)


def _bulk_file(folder: Path, demo: Path, rows: int) -> Path:
    import sqlite3

    conn = sqlite3.connect(demo)
    docs = conn.execute("SELECT id, length(text) FROM document ORDER BY id").fetchall()
    codes = [k for (k,) in conn.execute("SELECT key FROM code ORDER BY id")]
    conn.close()
    path = folder / "bulk.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["document", "start", "end", "code", "memo", "coder"])
        seen: set[tuple[int, int, str]] = set()
        for i in range(rows):
            doc_id, length = docs[i % len(docs)]
            code, start = codes[i % len(codes)], (i * 37) % max(1, length - 60)
            while (doc_id, start, code) in seen:  # a coding twice is a bad row: refused
                start = (start + 1) % max(1, length - 60)
            seen.add((doc_id, start, code))
            out.writerow([doc_id, start, start + 50, code, "", "bench"])
    return path


def run(quick: bool = False) -> dict[str, float]:
    repeat = 3 if quick else REPEAT
    rows = 5_000 if quick else 20_000
    env_cwd = Path(tempfile.mkdtemp(prefix="qc-cli-bench-"))
    os.environ.pop("QUALCODE_PROJECT", None)
    os.environ.pop("QUALCODE_DATABASE_URL", None)
    q = _qualcode()
    _compile_package()
    results: dict[str, float] = {}
    wall, cpu = _timed([*q, "demo", "--no-tui"], env_cwd)
    results["demo_build_s"] = wall
    results["demo_build_cpu_s"] = cpu
    demo = env_cwd / "demo.qualcode"
    for name, argv in (
        ("cli_help", [*q, "--help"]),
        ("cli_list", [*q, "-p", str(demo), "documents", "list", "--json"]),
        ("cli_lemma_search", [*q, "-p", str(demo), "search", "henvisning", "--lemma", "--json"]),
    ):
        wall, cpu = _median(argv, env_cwd, repeat)
        results[f"{name}_ms"] = wall * 1000
        results[f"{name}_cpu_ms"] = cpu * 1000
    results.update(first_paint_figures(demo, env_cwd))  # benchmarks/tui.py
    results.update(bulk_figures(demo, env_cwd, rows))
    return results


def bulk_figures(demo: Path, cwd: Path, rows: int) -> dict[str, float]:
    """``bulk_codings_per_s``: one whole ``qualcode code --from FILE`` process of ``rows``
    rows on the demo (a fresh copy of it, so a rerun codes no duplicates)."""
    import shutil

    copy = cwd / "bulk-demo.qualcode"
    shutil.copyfile(demo, copy)
    bulk = _bulk_file(cwd, copy, rows)
    argv = [*_qualcode(), "-p", str(copy), "code", "--from", str(bulk), "--json"]
    wall, cpu = _timed(argv, cwd)
    copy.unlink()
    return {
        "bulk_codings_per_s": rows / wall,
        "bulk_codings_seconds": wall,
        "bulk_codings_cpu_s": cpu,
    }


if __name__ == "__main__":
    if "--bulk" in sys.argv:  # only the bulk figure, on an existing demo (or a new one)
        folder = Path(tempfile.mkdtemp(prefix="qc-bulk-bench-"))
        _timed([*_qualcode(), "demo", "--no-tui"], folder)
        figures = bulk_figures(folder / "demo.qualcode", folder, 20_000)
        figures["load_1min"] = os.getloadavg()[0]
        for key, value in figures.items():
            print(f"{key:28} {value:12,.2f}")
        sys.exit(0)
    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key:28} {value:12,.1f}")
