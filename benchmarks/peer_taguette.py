"""Side by side with the web peer Taguette 1.5.2 on the same generated corpus (issue 13).

Not part of ``run.py`` or CI: it needs Taguette in its own throwaway venv, e.g.::

    python3.11 -m venv /tmp/taguette-venv && /tmp/taguette-venv/bin/pip install taguette==1.5.2
    python benchmarks/peer_taguette.py [--quick] [--taguette /tmp/taguette-venv/bin/taguette]

Taguette runs as a local single-user server on 127.0.0.1 with a fresh SQLite database;
everything it is sent goes to that loopback address. Each figure is measured A/B
interleaved (qualcode, Taguette, qualcode, Taguette, ...) and the medians are compared;
ratios are qualcode ÷ Taguette for speeds (higher is better) and for memory and size
(lower is better). Printed: figure, goal, pass/fail.

Fairness notes, printed with the results: Taguette converts ``.txt`` through Calibre's
``ebook-convert``, which is not installed here, so it is sent the same text as ``.html``
(its fastest path: no conversion); qualcode imports the ``.txt`` and, before ``import``
returns, also builds its word/lemma index (Taguette has no search index); the
``texts_only`` figure is ``import --no-annotate`` (the index is built later).

Like with like: qualcode's package is compiled to byte code first (``compileall``), as pip
does for an installed package like Taguette's; a checkout run with
``PYTHONDONTWRITEBYTECODE`` compiles ~100 modules from source in every process.
``csv_export_speed`` compares exports of the same number of codings: Taguette's endpoint
makes a few hundred highlights a round (~0.1 s each: it re-parses the whole document), so its
project is filled up to qualcode's count with copies of those highlights (same snippets,
documents, tag), written into its database while the server idles; ``csv_export_small``
compares Taguette's endpoint-made highlights with the same spans in qualcode's texts-only
project (start-up dominates). Taguette's CSV has 4 columns (id, document, tag, content read
through html5lib), qualcode's 13 (participant and speaker as consent allows, code and label,
offsets, text through the consent redactor, coder, memo, origin, created). Wall time follows
the machine's load, so CPU seconds (qualcode's process, Taguette's server) are printed too.
``open_document_speed``: what qualcode's coding view reads to open a document (text, codings
with their coders' names, speaker turns: ``passages.load_document_view``, the first read
after a first document was opened: the first pays SQLAlchemy's one-time compiling of the
statements, printed as ``q_open_first_doc_s``) against Taguette's ``contents`` endpoint
(text and highlights) on its running server.
Importing with the index: above ~150,000 words qualcode annotates beside the import in a
helper process on a second core (``nlp.annotating``). ``peak_memory`` compares the peak of
the import's processes' RSS together (``q_import_tree_rss_mb``, sampled every 20 ms: what the
machine must hold); ``q_import_rss_mb`` is the larger of the two processes' own peaks,
``q_import_main_rss_mb`` and ``q_import_helper_rss_mb`` each one's peak as sampled. A plain
import into a current SQLite project runs without SQLAlchemy (``store.light_write``).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate_corpus  # noqa: E402

GOALS = {  # ratio qualcode ÷ Taguette: (comparison, goal)
    "import_words_per_s": (">=", 1.0),  # with the word/lemma index built before it returns
    "import_words_per_s_texts_only": (">=", 2.0),  # import --no-annotate
    "codings_per_s_bulk_cli": (">=", 30.0),
    "codings_per_s_domain_api": (">=", 30.0),
    "csv_export_speed": (">=", 10.0),
    "open_document_speed": (">=", 1.0),
    "peak_memory": ("<=", 1.0),
    "database_size": ("<=", 3.0),
}
INFO = {  # ratios printed without a goal: name -> (qualcode figure, Taguette figure, higher)
    "csv_export_small": ("q_csv_small_rows_per_s", "t_csv_small_rows_per_s", True),
    "import_cpu": ("q_import_cpu_s", "t_import_cpu_s", False),
    "import_texts_only_cpu": ("q_import_texts_only_cpu_s", "t_import_cpu_s", False),
}


class Taguette:
    """A single-user Taguette server on 127.0.0.1 and a keep-alive client for it."""

    def __init__(self, exe: str, folder: Path, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.db = folder / "taguette.sqlite3"
        # The server logs every request. Its output goes to a file: a pipe nobody reads
        # fills after a few hundred requests and the server blocks writing its log — the
        # "hang at the highlight step" of earlier runs.
        self.log_path = folder / "taguette.log"
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [exe, "--no-browser", "-p", str(port), "-b", "127.0.0.1",
             "--database", str(self.db)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        token = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and token is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Taguette exited while starting: {self._log_tail()}")
            found = re.search(r"\?token=([0-9a-f]+)", self.log_path.read_text(errors="replace"))
            token = found.group(1) if found else None
            if token is None:
                time.sleep(0.2)  # polling the server's log for its login link
        if token is None:
            raise RuntimeError(f"Taguette printed no login link: {self._log_tail()}")
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.request("GET", f"/?token={token}")
        self.request("GET", "/project/new")  # sets the _xsrf cookie
        if "_xsrf" not in self.cookies:
            raise RuntimeError("Taguette set no XSRF cookie")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-400:]

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "_xsrf" in self.cookies:
            hdrs["X-XSRFToken"] = self.cookies["_xsrf"]
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a timed-out keep-alive connection is not reused
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0].strip('"')
        return resp.status, data, {k.lower(): v for k, v in resp.getheaders()}

    def new_project(self, name: str) -> int:
        form = urlencode({"name": name, "description": "", "_xsrf": self.cookies["_xsrf"]})
        status, _, headers = self.request(
            "POST", "/project/new", form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        found = re.search(r"/project/(\d+)", headers.get("location", ""))
        if status not in (302, 303) or not found:
            raise RuntimeError(f"Taguette: project not created (HTTP {status})")
        return int(found.group(1))

    def upload(self, project: int, name: str, html: bytes) -> int:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in (
            ("name", name),
            ("description", ""),
            ("text_direction", "LEFT_TO_RIGHT"),
        ):
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            parts.append(f"{head}{value}\r\n".encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}.html"\r\nContent-Type: text/html\r\n\r\n'.encode()
            + html
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        status, data, _ = self.request(
            "POST", f"/api/project/{project}/document/new", b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        if status != 200:
            raise RuntimeError(f"Taguette upload failed (HTTP {status}): {data[:200]!r}")
        return int(json.loads(data)["created"])

    def new_tag(self, project: int, path: str) -> int:
        body = json.dumps({"path": path, "description": ""}).encode()
        status, data, _ = self.request(
            "POST", f"/api/project/{project}/tag/new", body, {"Content-Type": "application/json"}
        )
        if status != 200:
            raise RuntimeError(f"Taguette tag failed (HTTP {status}): {data[:200]!r}")
        return int(json.loads(data)["id"])

    def highlight(self, project: int, doc: int, start: int, end: int, tag: int) -> None:
        body = json.dumps({"start_offset": start, "end_offset": end, "tags": [tag]}).encode()
        status, data, _ = self.request(
            "POST", f"/api/project/{project}/document/{doc}/highlight/new", body,
            {"Content-Type": "application/json"},
        )  # fmt: skip
        if status != 200:
            raise RuntimeError(f"Taguette highlight failed (HTTP {status}): {data[:200]!r}")

    def get(self, path: str) -> bytes:
        status, data, _ = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"Taguette GET {path}: HTTP {status}")
        return data

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        peak = _status_kb(self.proc.pid, "VmHWM")
        return float("nan") if peak is None else peak / 1024

    def close(self) -> None:
        self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.log.close()


def _html(text: str) -> bytes:
    return "".join(f"<p>{escape(p)}</p>\n" for p in text.split("\n\n")).encode("utf-8")


_TIMEOUT = 900.0  # seconds any one qualcode process or HTTP call may take


def _qualcode(
    *args: str, cwd: Path, tree: dict[str, float] | None = None
) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one whole ``qualcode`` process (the
    larger of its and its helper's peaks). ``tree``: also set the peak of the RSS of
    qualcode's processes together (``"tree"``, sampled every 20 ms: what the machine has to
    hold) and each one's own peak as sampled (``"main"``, ``"helper"``: all below main)."""
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(u.ru_utime + u.ru_stime, u.ru_maxrss); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", probe, sys.executable, "-m", "qualcode", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    peak_kb = main_kb = helper_kb = 0
    if tree is not None:
        while proc.poll() is None and time.perf_counter() - started < _TIMEOUT:
            below = _descendants(proc.pid)  # the probe itself is not qualcode's
            rss = [_status_kb(pid, "VmRSS") or 0 for pid in below]
            peak_kb = max(peak_kb, sum(rss))
            main_kb = max(main_kb, rss[0] if rss else 0)
            helper_kb = max(helper_kb, sum(rss[1:]))
            time.sleep(0.02)
    out, err = proc.communicate(timeout=_TIMEOUT)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not out.strip():
        raise RuntimeError(f"qualcode {' '.join(args[:3])} failed: {err[-400:]}")
    if tree is not None:
        tree.update(tree=peak_kb / 1024, main=main_kb / 1024, helper=helper_kb / 1024)
    cpu, rss = out.strip().splitlines()[-1].split()
    return wall, float(cpu), int(rss) / 1024


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux ``/proc``), children first."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out: list[int] = []
    for child in map(int, children):
        out += [child, *_descendants(child)]
    return out


def _status_kb(pid: int, field: str) -> int | None:
    """A memory field of ``/proc/<pid>/status`` in kB (``VmRSS``, ``VmHWM``); None when the
    process or the field is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _codings_file(folder: Path, n: int, docs: int, length: int) -> Path:
    path = folder / f"codings_{n}.csv"
    lines = ["document,start,end,code"]
    seen: set[tuple[int, int]] = set()
    for i in range(n):
        doc, start = 1 + i % docs, (i * 97) % (length - 200)
        while (doc, start) in seen:  # a span coded twice is a bad row (qualcode refuses it)
            start = (start + 1) % (length - 200)
        seen.add((doc, start))
        lines.append(f"{doc},{start},{start + 80},peer")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_rows(text: str) -> int:
    """Records in a CSV text after its header (a quoted cell may hold line breaks, so lines
    are not rows: qualcode's ``text`` column often does)."""
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def _spans_file(folder: Path, name: str, spans: list[tuple[int, int, int]]) -> Path:
    """A ``code --from`` file coding these ``(document, start, end)`` spans with ``peer``."""
    path = folder / name
    lines = ["document,start,end,code", *(f"{d},{a},{b},peer" for d, a, b in spans)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fill_taguette(db: Path, project: int, tag: int, target: int) -> int:
    """Copy the project's endpoint-made highlights (snippet, document, offsets, tag) until it
    holds ``target``; returns how many it holds. Written straight into its SQLite file: its
    endpoint takes ~0.1 s a highlight."""
    con = sqlite3.connect(db, timeout=60)
    try:
        made = con.execute(
            "SELECT h.document_id, h.start_offset, h.end_offset, h.snippet FROM highlights h "
            "JOIN documents d ON d.id = h.document_id WHERE d.project_id = ? ORDER BY h.id",
            (project,),
        ).fetchall()
        if not made:
            return 0
        with con:
            for i in range(max(0, target - len(made))):
                cur = con.execute(
                    "INSERT INTO highlights (document_id, start_offset, end_offset, snippet) "
                    "VALUES (?, ?, ?, ?)",
                    made[i % len(made)],
                )
                con.execute(
                    "INSERT INTO highlight_tags (highlight_id, tag_id) VALUES (?, ?)",
                    (cur.lastrowid, tag),
                )
        return max(target, len(made))
    finally:
        con.close()


class Figures:
    """Figures by name (one value per round) and the steps that failed, printed as they come."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.failed: list[str] = []

    def note(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)
        print(f"  {name:32} {value:14,.3f}", flush=True)  # kept if a later step fails

    def step(self, name: str, fn: Callable[[], None]) -> None:
        """Run one measurement; a failure prints FAIL with its reason and the run goes on."""
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
            reason = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
            self.failed.append(f"{name}: {reason}")
            print(f"  FAIL {name}: {reason}", flush=True)

    def median(self, name: str) -> float | None:
        got = self.values.get(name)
        return statistics.median(got) if got else None


@dataclass
class Setup:
    work: Path
    paths: list[Path]
    texts: list[str]
    total_words: int
    shortest: int
    codebook: Path
    n_docs: int
    n_highlights: int
    n_bulk: int
    highlight_seconds: float


def _round(r: int, tag: Taguette, run: Setup, f: Figures) -> None:  # noqa: C901 - linear steps
    """One A/B round: each figure measured for qualcode, then for Taguette."""
    work, paths, words = run.work, run.paths, run.total_words
    project = work / f"q{r}.qualcode"
    later = work / f"q{r}_later.qualcode"
    state: dict[str, Any] = {}

    def q_import() -> None:
        _qualcode("init", str(project), cwd=work)
        tree: dict[str, float] = {}
        args = ("-p", str(project), "import", *map(str, paths))
        wall, cpu, rss = _qualcode(*args, cwd=work, tree=tree)
        f.note("q_import_words_per_s", words / wall)
        f.note("q_import_cpu_s", cpu)
        f.note("q_import_rss_mb", rss)
        f.note("q_import_tree_rss_mb", tree["tree"])
        f.note("q_import_main_rss_mb", tree["main"])
        f.note("q_import_helper_rss_mb", tree["helper"])
        f.note("q_db_mb", project.stat().st_size / 1e6)

    def q_import_later() -> None:
        _qualcode("init", str(later), cwd=work)
        args = ("-p", str(later), "import", "--no-annotate", *map(str, paths))
        wall, cpu, _ = _qualcode(*args, cwd=work)
        f.note("q_import_texts_only_words_per_s", words / wall)
        f.note("q_import_texts_only_cpu_s", cpu)

    def t_import() -> None:
        before = tag.db.stat().st_size
        pid = tag.new_project(f"peer {r}")
        cpu = tag.cpu_seconds()
        started = time.perf_counter()
        ids = [tag.upload(pid, p.stem, _html(t)) for p, t in zip(paths, run.texts, strict=True)]
        f.note("t_import_words_per_s", words / (time.perf_counter() - started))
        f.note("t_import_cpu_s", tag.cpu_seconds() - cpu)
        f.note("t_db_mb", (tag.db.stat().st_size - before) / 1e6)
        state["pid"], state["docs"] = pid, ids
        if r == 0:  # the server's peak after its first import, before any CSV fill-up grows it
            f.note("t_rss_mb", tag.peak_rss_mb())

    def q_bulk() -> None:
        _qualcode("-p", str(project), "codebook", "load", str(run.codebook), cwd=work)
        bulk = _codings_file(work, run.n_bulk, run.n_docs, run.shortest)
        wall, cpu, _ = _qualcode("-p", str(project), "code", "--from", str(bulk), cwd=work)
        f.note("q_bulk_codings_per_s", run.n_bulk / wall)
        f.note("q_bulk_cpu_s", cpu)

    def q_domain() -> None:
        rate = _domain_codings(project, run.n_highlights, run.n_docs, run.shortest)
        f.note("q_domain_codings_per_s", rate)

    def t_highlights() -> None:
        pid, ids = state["pid"], state["docs"]
        tid = tag.new_tag(pid, f"peer{r}")
        started = time.perf_counter()
        done = 0
        for i in range(run.n_highlights):
            start = (i * 97) % (run.shortest - 200)
            tag.highlight(pid, ids[i % run.n_docs], start, start + 80, tid)
            done += 1
            if time.perf_counter() - started > run.highlight_seconds:
                break  # enough for a rate: bounded in time
        f.note("t_codings_per_s", done / (time.perf_counter() - started))
        state["highlights"], state["tag"] = done, tid

    def _q_csv_rows(source: Path, out: Path) -> float:
        wall, _, _ = _qualcode("-p", str(source), "export", "csv", str(out), cwd=work)
        return _csv_rows(out.read_text(encoding="utf-8-sig")) / wall

    def _t_csv_rows() -> tuple[float, int]:
        started = time.perf_counter()
        data = tag.get(f"/project/{state['pid']}/export/highlights/.csv")
        elapsed = time.perf_counter() - started
        rows = _csv_rows(data.decode("utf-8", "replace"))
        return rows / elapsed, rows

    def q_csv_small() -> None:
        # qualcode's texts-only project gets the spans Taguette's endpoint coded
        done = state["highlights"]
        spans = []
        for i in range(done):
            start = (i * 97) % (run.shortest - 200)
            spans.append((1 + i % run.n_docs, start, start + 80))
        _qualcode("-p", str(later), "codebook", "load", str(run.codebook), cwd=work)
        _qualcode(
            "-p", str(later), "code", "--from", str(_spans_file(work, f"s{r}.csv", spans)),
            cwd=work,
        )  # fmt: skip
        f.note("q_csv_small_rows_per_s", _q_csv_rows(later, work / f"q{r}_small.csv"))

    def t_csv_small() -> None:
        f.note("t_csv_small_rows_per_s", _t_csv_rows()[0])

    def q_csv() -> None:
        f.note("q_csv_rows_per_s", _q_csv_rows(project, work / f"q{r}.csv"))

    def t_csv() -> None:
        held = _fill_taguette(tag.db, state["pid"], state["tag"], run.n_bulk + run.n_highlights)
        rate, rows = _t_csv_rows()
        if rows != held:
            raise RuntimeError(f"Taguette exported {rows} rows of {held} highlights")
        f.note("t_csv_rows_per_s", rate)

    def q_open() -> None:
        first, then = _domain_open(project, run.n_docs // 2 + 1)
        f.note("q_open_first_doc_s", first)
        f.note("q_open_doc_s", then)

    def t_open() -> None:
        started = time.perf_counter()
        tag.get(f"/api/project/{state['pid']}/document/{state['docs'][run.n_docs // 2]}/contents")
        f.note("t_open_doc_s", time.perf_counter() - started)

    for name, fn in (
        ("qualcode import", q_import), ("qualcode import --no-annotate", q_import_later),
        ("Taguette upload", t_import), ("qualcode code --from", q_bulk),
        ("qualcode apply_code", q_domain), ("Taguette highlight", t_highlights),
        ("qualcode export csv (Taguette's codings)", q_csv_small),
        ("Taguette CSV export (its codings)", t_csv_small),
        ("qualcode export csv", q_csv), ("Taguette CSV export (same count)", t_csv),
        ("qualcode open document", q_open), ("Taguette open document", t_open),
    ):  # fmt: skip
        f.step(f"round {r}: {name}", fn)


RATIOS = {  # ratio name -> (qualcode figure, Taguette figure, higher is better)
    "import_words_per_s": ("q_import_words_per_s", "t_import_words_per_s", True),
    "import_words_per_s_texts_only": (
        "q_import_texts_only_words_per_s", "t_import_words_per_s", True,
    ),
    "codings_per_s_bulk_cli": ("q_bulk_codings_per_s", "t_codings_per_s", True),
    "codings_per_s_domain_api": ("q_domain_codings_per_s", "t_codings_per_s", True),
    "csv_export_speed": ("q_csv_rows_per_s", "t_csv_rows_per_s", True),
    "open_document_speed": ("q_open_doc_s", "t_open_doc_s", False),
    "peak_memory": ("q_import_tree_rss_mb", "t_rss_mb", True),
    "database_size": ("q_db_mb", "t_db_mb", True),
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--taguette", default="/tmp/taguette-venv/bin/taguette")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=17465)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per HTTP call")
    parser.add_argument(
        "--highlight-seconds", type=float, default=120.0, help="time limit of a highlight run"
    )
    args = parser.parse_args()
    if not Path(args.taguette).exists():
        print(f"Taguette not found at {args.taguette}: see this file's docstring", file=sys.stderr)
        return 2
    _compile_qualcode()
    n_docs, words = (10, 2_000) if args.quick else (100, 10_000)
    work = Path(tempfile.mkdtemp(prefix="qc-peer-"))
    os.environ.pop("QUALCODE_PROJECT", None)
    os.environ.pop("QUALCODE_DATABASE_URL", None)
    paths = generate_corpus(work / "corpus", n_docs, words)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    codebook = work / "peer.toml"
    codebook.write_text(
        '[codebook]\nname = "peer"\nlanguage = "da"\n\n[[code]]\nkey = "peer"\n'
        'label_da = "Peer"\nkind = "area"\n',
        encoding="utf-8",
    )
    run = Setup(
        work=work, paths=paths, texts=texts, total_words=sum(len(t.split()) for t in texts),
        shortest=min(len(t) for t in texts), codebook=codebook, n_docs=n_docs,
        n_highlights=100 if args.quick else 300, n_bulk=5_000 if args.quick else 20_000,
        highlight_seconds=args.highlight_seconds,
    )  # fmt: skip
    f = Figures()
    try:
        tag = Taguette(args.taguette, work, args.port, args.timeout)
    except Exception as exc:  # noqa: BLE001 - reported, then the qualcode side alone is useless
        print(f"FAIL starting Taguette: {exc}")
        return 1
    try:
        for r in range(args.rounds):
            print(f"round {r + 1} of {args.rounds}", flush=True)
            _round(r, tag, run, f)
        f.note("t_rss_mb_end", tag.peak_rss_mb())  # after every step, 20,000-row exports too
    finally:
        tag.close()
    _report(f, run, args.rounds)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if f.failed else 0


def _compile_qualcode() -> None:
    """Compile qualcode's modules to byte code as ``pip install`` does for an installed
    package (Taguette's venv has them); a checkout run with ``PYTHONDONTWRITEBYTECODE`` would
    otherwise compile every module from source in every process."""
    import importlib.util

    spec = importlib.util.find_spec("qualcode")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("qualcode is not importable here")
    for folder in spec.submodule_search_locations:
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True)


def _report(f: Figures, run: Setup, rounds: int) -> None:
    print(f"corpus: {run.n_docs} interviews, {run.total_words:,} words; {rounds} rounds A/B")
    for key in sorted(f.values):
        print(f"  {key:32} {f.median(key):14,.3f}")
    for key, (ours, theirs, higher) in RATIOS.items():
        op, goal = GOALS[key]
        a, b = f.median(ours), f.median(theirs)
        if a is None or b is None or a == 0 or b == 0:
            print(f"{key:32} {'—':>10}   (goal {op} {goal}x: FAIL, no figure)")
            continue
        ratio = a / b if higher else b / a
        ok = ratio >= goal if op == ">=" else ratio <= goal
        print(f"{key:32} {ratio:10.2f}x  (goal {op} {goal}x: {'ok' if ok else 'NOT MET'})")
    for key, (ours, theirs, higher) in INFO.items():
        a, b = f.median(ours), f.median(theirs)
        if a and b:
            print(f"{key:32} {(a / b if higher else b / a):10.2f}x  (no goal; see the notes)")
    for failure in f.failed:
        print(f"FAIL {failure}")
    print(
        "notes: Taguette is sent .html (no Calibre here); qualcode's import includes its "
        "index; qualcode's modules are compiled first, as a pip install has them; "
        "csv_export_speed: both projects hold the same number of codings (Taguette's filled "
        "up with copies of its own highlights), csv_export_small: Taguette's endpoint-made "
        "highlights on both sides; Taguette's CSV has 4 columns, qualcode's 13 (consent "
        "applied); *_cpu: CPU seconds of qualcode's process vs Taguette's server; "
        "peak_memory: qualcode's import processes together vs Taguette's server after its "
        "first import"
    )


def _domain_codings(project: Path, n: int, docs: int, length: int) -> float:
    """Codings per second through the domain API, one ``apply_code`` call each."""
    from qualcode.coding import apply_code
    from qualcode.db import open_project

    with open_project(project) as p:
        started = time.perf_counter()
        for i in range(n):
            start = (i * 89) % (length - 200)
            apply_code(p, 1 + i % docs, "peer", start, start + 60, "domain")
        return n / (time.perf_counter() - started)


def _domain_open(project: Path, doc_id: int) -> tuple[float, float]:
    """Seconds to read what the coding view paints when a document is opened
    (``passages.load_document_view``: its text, its codings with their coders' names, its
    speaker turns), as Taguette's ``contents`` endpoint returns its text and highlights:
    ``(first, next)`` — the first document opened after the project (which pays
    SQLAlchemy's one-time compiling of the statements, as Taguette's running server has
    paid its own), then another one, the figure compared."""
    from qualcode.db import open_project
    from qualcode.passages import load_document_view

    with open_project(project) as p:
        started = time.perf_counter()
        first = load_document_view(p, 1)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        view = load_document_view(p, doc_id)
        next_s = time.perf_counter() - started
        assert first.text and view.text and view.spans
        return first_s, next_s


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    raise SystemExit(main())
