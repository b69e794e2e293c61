"""TUI responsiveness on a long document: open it, code a span, and the memory it takes.

One generated interview of about 1,000,000 characters with 5,000 codings (overlapping,
random attention points), driven headless with Textual's Pilot at 120x36.

- ``tui_open_document_ms``: from ``app.open_document`` to the last visible line of the
  transcript painted for the first time (budget 500 ms).
- ``tui_apply_code_ms``: median over several spans of the key handler's work — the coding
  committed (one transaction with its undo entry), the span index updated — plus
  rendering every visible line again (budget 50 ms). ``pilot.press`` is not timed (it adds
  about 60 ms of its own).
- ``tui_memory_mb``: resident memory of the process with the document open (budget 400 MB).
- ``tui_cursor_move_ms``: one shift+down (extend the selection by a line) and every visible
  line rendered again (no budget; shows that a keystroke does not repaint the document).
- ``tui_textarea_open_ms`` (full runs only): the alternative design, a read-only
  soft-wrapped ``TextArea`` on the same text with no highlights, mount to first full paint.

Start-up on the demo (``first_paint_figures``, run by ``benchmarks/cli.py`` on its demo
project; issue 13), each the median of 3 fresh interpreters that start the app as
``qualcode tui`` does (``make_app(open_later(path))``, headless at 120x36), timed from the
interpreter's first line, imports included:

- ``tui_first_paint_ms``: to the first frame Textual hands to the terminal (the first
  ``App._display`` of a screen update: the dashboard, still opening the project)
  (budget 1,000 ms);
- ``tui_dashboard_ready_ms``: to the first frame with the project open and the dashboard
  filled in (the database layer imported, the project opened, the figures read).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from corpus import insert_random_codings, interview_text

TARGET_CHARS = 1_000_000
CODINGS = 5_000
SIZE = (120, 36)


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _drive(project: object, document_id: int, repeats: int) -> dict[str, float]:
    from qualcode.tui.app import make_app
    from qualcode.tui.screens.coding import CodingScreen
    from qualcode.tui.widgets.transcript import TranscriptView

    app = make_app(project, coder="bench")  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        app.open_document(document_id)
        view: TranscriptView | None = None
        deadline = started + 30
        while time.perf_counter() < deadline:
            if len(app._notifications):
                raise RuntimeError(f"opening failed: {list(app._notifications)}")
            await asyncio.sleep(0.002)
            screen = app.screen
            if isinstance(screen, CodingScreen) and screen.is_mounted:
                view = screen.query_one(TranscriptView)
                rows = view.scrollable_content_region.height
                if (
                    rows > 0
                    and view.last_paint_time > started
                    and view.last_painted_row >= rows - 1
                ):
                    break
        assert view is not None, "the coding view did not open"
        open_ms = (view.last_paint_time - started) * 1000
        await pilot.pause()
        rss = _rss_mb()

        screen = app.screen
        assert isinstance(screen, CodingScreen)
        code_ids = list(screen.codes)
        height = view.scrollable_content_region.height
        timings = []
        for i in range(repeats):
            view.move_to(len(view.text) // (repeats + 1) * (i + 1))
            view.scroll_to_offset_centered(view.cursor)
            await pilot.pause()
            start, end = view.cursor, min(view.cursor + 120, len(view.text))
            view.select_span(start, end)
            await pilot.pause()
            t0 = time.perf_counter()
            screen.apply_codes([code_ids[i % len(code_ids)]], start, end)
            for y in range(height):
                view.render_line(y)
            timings.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()
        moves = []
        for _ in range(repeats * 4):
            t0 = time.perf_counter()
            view.action_move_line(1, True)
            for y in range(height):
                view.render_line(y)
            moves.append((time.perf_counter() - t0) * 1000)
        await pilot.pause()
    return {
        "tui_cursor_move_ms": statistics.median(moves),
        "tui_open_document_ms": open_ms,
        "tui_apply_code_ms": statistics.median(timings),
        "tui_memory_mb": rss,
    }


def build_long_document(path: Path, chars: int = TARGET_CHARS, codings: int = CODINGS):  # noqa: ANN201
    """A project with the bundled codebook and one interview of ``chars`` characters whose
    ``codings`` codings are random spans of 20-400 characters (many overlap)."""
    import datetime as dt
    import hashlib
    import random

    from qualcode.codebook import all_codes, load_codebook
    from qualcode.coding import get_or_create_coder
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.formats import parse_bytes
    from qualcode.importing import store_parsed

    rng = random.Random(11)
    project = open_project(path, create=True)
    load_codebook(project, demo_codebook())
    text = ""
    words = chars // 6
    while len(text) < chars:
        text = interview_text(rng, words, "Ekspert Nummer0")
        words = int(words * 1.1)
    cut = text.rfind("\n\n", 0, chars)
    text = text[: cut if cut > chars * 0.9 else chars] + "\n"
    data = text.encode("utf-8")
    doc_id = store_parsed(
        project,
        parse_bytes("long.txt", data),
        source_name="long.txt",
        sha256=hashlib.sha256(data).hexdigest(),
        kind="interview",
        participants=[],
        language="da",
        title="Long interview",
        date=dt.date(2025, 1, 6),
        annotate=False,
    ).document_id
    with project.transaction() as s:
        codes = [c.id for c in all_codes(s) if c.kind == "attention_point"]
        coders = [get_or_create_coder(s, name).id for name in ("ida", "mads")]
        insert_random_codings(s, [(doc_id, 0, len(text))], codes, coders, codings, rng)
    return project, doc_id, len(text)


async def _textarea_open_ms(text: str) -> float:
    """For comparison: a read-only, soft-wrapped TextArea showing the same text, from
    mount to its last visible line painted (no highlights at all)."""
    from textual.app import App
    from textual.widgets import TextArea

    class TimedTextArea(TextArea):
        last_paint = 0.0
        last_row = -1

        def render_line(self, y: int):  # noqa: ANN201
            TimedTextArea.last_paint = time.perf_counter()
            TimedTextArea.last_row = y
            return super().render_line(y)

    app = App()
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        area = TimedTextArea(text, read_only=True, soft_wrap=True)
        await app.mount(area)
        deadline = started + 60
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
            rows = area.scrollable_content_region.height
            if rows and TimedTextArea.last_paint > started and TimedTextArea.last_row >= rows - 1:
                break
        await pilot.pause()
        return (TimedTextArea.last_paint - started) * 1000


_FIRST_PAINT = """
import time
started = time.perf_counter()
import asyncio, json, sys
from qualcode.tui.app import make_app, open_later

marks = {}

async def start() -> None:
    app = make_app(open_later(sys.argv[1]), coder="bench")
    display = app._display
    ready = asyncio.Event()

    def timed_display(screen, renderable):  # when Textual would write to the terminal
        display(screen, renderable)
        if renderable is not None:
            now = time.perf_counter()
            marks.setdefault("paint", now)
            if app.opened_project is not None:
                marks.setdefault("ready", now)
                ready.set()

    app._display = timed_display
    async with app.run_test(size=(120, 36)):
        await asyncio.wait_for(ready.wait(), timeout=60)

asyncio.run(start())
print(json.dumps({k: (v - started) * 1000 for k, v in marks.items()}))
"""


def first_paint_figures(project_path: Path, cwd: Path, repeat: int = 3) -> dict[str, float]:
    """``tui_first_paint_ms`` and ``tui_dashboard_ready_ms`` on ``project_path`` (medians)."""
    import json
    import subprocess
    import sys

    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_PAINT, str(project_path)],
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"TUI first paint failed: {done.stderr.strip()[-400:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "tui_first_paint_ms": statistics.median(r["paint"] for r in runs),
        "tui_dashboard_ready_ms": statistics.median(r["ready"] for r in runs),
    }


def run(quick: bool = False) -> dict[str, float]:
    from qualcode.models import Document

    with tempfile.TemporaryDirectory() as tmp:
        project, doc_id, chars = build_long_document(Path(tmp) / "tui.qualcode")
        try:
            figures = asyncio.run(_drive(project, doc_id, repeats=5 if quick else 15))
            if not quick:
                with project.session() as s:
                    text = s.get(Document, doc_id).text  # type: ignore[union-attr]
                figures["tui_textarea_open_ms"] = asyncio.run(_textarea_open_ms(text))
        finally:
            project.close()
    figures["tui_document_chars"] = float(chars)
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
