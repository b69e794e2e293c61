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
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from html import escape
from pathlib import Path
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


class Taguette:
    """A single-user Taguette server on 127.0.0.1 and a keep-alive client for it."""

    def __init__(self, exe: str, folder: Path, port: int) -> None:
        self.port = port
        self.db = folder / "taguette.sqlite3"
        self.proc = subprocess.Popen(
            [exe, "--no-browser", "-p", str(port), "-b", "127.0.0.1",
             "--database", str(self.db)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        token = None
        deadline = time.monotonic() + 120
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError("Taguette exited while starting")
            found = re.search(r"\?token=([0-9a-f]+)", line)
            if found:
                token = found.group(1)
                break
        if token is None:
            raise RuntimeError("Taguette printed no login link")
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}
        self.request("GET", f"/?token={token}")
        self.request("GET", "/project/new")  # sets the _xsrf cookie
        if "_xsrf" not in self.cookies:
            raise RuntimeError("Taguette set no XSRF cookie")

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
        self.conn.request(method, path, body=body, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
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

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _html(text: str) -> bytes:
    return "".join(f"<p>{escape(p)}</p>\n" for p in text.split("\n\n")).encode("utf-8")


def _qualcode(*args: str, cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one whole ``qualcode`` process."""
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "qualcode", *args],
        cwd=cwd, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"qualcode {' '.join(args[:3])} failed: {done.stderr[-400:]}")
    return wall, int(done.stdout.strip().splitlines()[-1]) / 1024


def _codings_file(folder: Path, n: int, docs: int, length: int) -> Path:
    path = folder / f"codings_{n}.csv"
    lines = ["document,start,end,code"]
    for i in range(n):
        start = (i * 97) % (length - 200)
        lines.append(f"{1 + i % docs},{start},{start + 80},peer")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:  # noqa: C901 - one linear script of measurements
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--taguette", default="/tmp/taguette-venv/bin/taguette")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=17465)
    args = parser.parse_args()
    if not Path(args.taguette).exists():
        print(f"Taguette not found at {args.taguette}: see this file's docstring", file=sys.stderr)
        return 2
    n_docs, words = (10, 2_000) if args.quick else (100, 10_000)
    n_highlights = 100 if args.quick else 300
    n_bulk = 5_000 if args.quick else 20_000
    work = Path(tempfile.mkdtemp(prefix="qc-peer-"))
    os.environ.pop("QUALCODE_PROJECT", None)
    os.environ.pop("QUALCODE_DATABASE_URL", None)
    paths = generate_corpus(work / "corpus", n_docs, words)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    total_words = sum(len(t.split()) for t in texts)
    shortest = min(len(t) for t in texts)
    codebook = work / "peer.toml"
    codebook.write_text(
        '[codebook]\nname = "peer"\nlanguage = "da"\n\n[[code]]\nkey = "peer"\n'
        'label_da = "Peer"\nkind = "area"\n',
        encoding="utf-8",
    )
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)
        print(f"  {name:28} {value:14,.3f}", flush=True)  # kept if a later step fails

    tag = Taguette(args.taguette, work, args.port)
    try:
        for r in range(args.rounds):
            # --- import: qualcode whole process vs Taguette uploads (A, then B) -----------
            project = work / f"q{r}.qualcode"
            _qualcode("init", str(project), cwd=work)
            wall, rss = _qualcode("-p", str(project), "import", *map(str, paths), cwd=work)
            note("q_import_words_per_s", total_words / wall)
            note("q_import_rss_mb", rss)
            note("q_db_mb", project.stat().st_size / 1e6)
            later = work / f"q{r}_later.qualcode"
            _qualcode("init", str(later), cwd=work)
            wall, _ = _qualcode(
                "-p", str(later), "import", "--no-annotate", *map(str, paths), cwd=work
            )
            note("q_import_texts_only_words_per_s", total_words / wall)
            before = tag.db.stat().st_size
            pid = tag.new_project(f"peer {r}")
            started = time.perf_counter()
            doc_ids = [tag.upload(pid, p.stem, _html(t)) for p, t in zip(paths, texts, strict=True)]
            note("t_import_words_per_s", total_words / (time.perf_counter() - started))
            note("t_db_mb", (tag.db.stat().st_size - before) / 1e6)
            # --- codings: bulk CLI and domain API vs the highlight endpoint -------------
            _qualcode("-p", str(project), "codebook", "load", str(codebook), cwd=work)
            bulk = _codings_file(work, n_bulk, n_docs, shortest)
            wall, _ = _qualcode("-p", str(project), "code", "--from", str(bulk), cwd=work)
            note("q_bulk_codings_per_s", n_bulk / wall)
            note("q_domain_codings_per_s", _domain_codings(project, n_highlights, n_docs, shortest))
            tid = tag.new_tag(pid, f"peer{r}")
            started = time.perf_counter()
            for i in range(n_highlights):
                start = (i * 97) % (shortest - 200)
                tag.highlight(pid, doc_ids[i % n_docs], start, start + 80, tid)
            note("t_codings_per_s", n_highlights / (time.perf_counter() - started))
            # --- CSV export of every coding ---------------------------------------------
            out = work / f"q{r}.csv"
            wall, _ = _qualcode("-p", str(project), "export", "csv", str(out), cwd=work)
            note("q_csv_s", wall)
            started = time.perf_counter()
            tag.get(f"/project/{pid}/export/highlights/.csv")
            note("t_csv_s", time.perf_counter() - started)
            # --- open a document (its text and codings) ----------------------------------
            note("q_open_doc_s", _domain_open(project, n_docs // 2 + 1))
            started = time.perf_counter()
            tag.get(f"/api/project/{pid}/document/{doc_ids[n_docs // 2]}/contents")
            note("t_open_doc_s", time.perf_counter() - started)
        note("t_rss_mb", tag.peak_rss_mb())
    finally:
        tag.close()
    med = {k: statistics.median(v) for k, v in figures.items()}
    ratios = {
        "import_words_per_s": med["q_import_words_per_s"] / med["t_import_words_per_s"],
        "import_words_per_s_texts_only": med["q_import_texts_only_words_per_s"]
        / med["t_import_words_per_s"],
        "codings_per_s_bulk_cli": med["q_bulk_codings_per_s"] / med["t_codings_per_s"],
        "codings_per_s_domain_api": med["q_domain_codings_per_s"] / med["t_codings_per_s"],
        "csv_export_speed": med["t_csv_s"] / med["q_csv_s"],
        "open_document_speed": med["t_open_doc_s"] / med["q_open_doc_s"],
        "peak_memory": med["q_import_rss_mb"] / med["t_rss_mb"],
        "database_size": med["q_db_mb"] / med["t_db_mb"],
    }
    print(f"corpus: {n_docs} interviews, {total_words:,} words; {args.rounds} rounds A/B")
    for key, value in sorted(med.items()):
        print(f"  {key:28} {value:14,.3f}")
    for key, ratio in ratios.items():
        op, goal = GOALS[key]
        ok = ratio >= goal if op == ">=" else ratio <= goal
        print(f"{key:28} {ratio:10.2f}x  (goal {op} {goal}x: {'ok' if ok else 'NOT MET'})")
    print("notes: Taguette is sent .html (no Calibre here); qualcode's import includes its index")
    shutil.rmtree(work, ignore_errors=True)
    return 0


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


def _domain_open(project: Path, doc_id: int) -> float:
    """Seconds to read one document's text and its coded spans (what a coding view paints),
    as Taguette's ``contents`` endpoint returns its text and highlights."""
    from sqlmodel import select

    from qualcode.db import open_project
    from qualcode.models import Coding, Document

    with open_project(project) as p:
        started = time.perf_counter()
        with p.session() as s:
            doc = s.get(Document, doc_id)
            assert doc is not None and doc.text
            spans = s.exec(
                select(Coding.start, Coding.end, Coding.code_id).where(Coding.document_id == doc_id)
            ).all()
            assert spans
        return time.perf_counter() - started


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    raise SystemExit(main())
