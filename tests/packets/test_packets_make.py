"""`packets make` is all or nothing, even when killed; odd names never abort the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from sqlmodel import select

from qualcode import quotes
from qualcode.db import open_project
from qualcode.models import Packet
from qualcode.packets import make_packets, recover_folder
from qualcode.packets.make import PAUSE_ENV, PAUSE_FILE_ENV
from qualcode.safe_write import TEMP_PREFIX
from tests.packets.test_packets import DUE, TODAY, _study
from tests.quotes.helpers import PersonSpec, add_codes, add_interview

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(marker: Path, proc: subprocess.Popen[bytes], limit: float = 120.0) -> None:
    """Wait for the process to reach its pause point (it writes the marker first)."""
    deadline = time.monotonic() + limit
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"make finished before the pause: {proc.stderr.read()!r}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the pause point was never reached")
        time.sleep(0.05)


def _placed(out: Path) -> set[str]:
    return {
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and not any(part.startswith(TEMP_PREFIX) for part in p.parts)
    }


@pytest.mark.parametrize("point", ["written", "committed", "renamed-one"])
def test_a_killed_make_leaves_no_unrecorded_packet(tmp_path: Path, point: str) -> None:
    path = tmp_path / "p.qualcode"
    project = _study(open_project(path, create=True))
    project.close()
    out, marker = tmp_path / "out", tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: point, PAUSE_FILE_ENV: str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "--project", str(path), "packets", "make",
         "--out", str(out), "--due", DUE.isoformat(), "--today", TODAY.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    project = open_project(path)
    try:
        with project.session() as s:
            recorded = {Path(p).name for p in s.exec(select(Packet.path)) if p}
        placed = _placed(out)
        # Nothing in place that the database does not know.
        assert {Path(p).name.replace("-researcher.", ".") for p in placed} <= recorded
        statuses = {q["status"] for q in quotes.list_quotes(project)}
        if point == "written":
            assert recorded == set() and placed == set() and statuses == {"candidate"}
        else:
            assert len(recorded) == 2 and statuses == {"sent"}
        # The next run (or recovery) finishes the job and leaves no temporary file.
        recover_folder(project, out)
        assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]
        assert {n for n in _placed(out) if "/" not in n} == recorded
    finally:
        project.close()


def test_long_and_control_character_names_do_not_abort_anyones_packet(
    project, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    add_codes(project)
    # PostgreSQL cannot store NUL at all, nor a name over 300 characters; SQLite can.
    nul = "\x01" if project.engine.dialect.name == "postgresql" else "\x00"
    odd = PersonSpec("Ulla\x07 " + "Meget-Lang" * 28 + f"{nul}sen", "læge\x0b", "Klinik\x1f Nord",
                     consent="named", turns=["Det er\x0c svært\x1b at få en tid i dag."])  # fmt: skip
    plain = PersonSpec("Per Holt", "sygeplejerske", "Kommunen", turns=["Vi mangler hænder."])
    add_interview(project, "Interview 1", [odd])
    add_interview(project, "Interview 2", [plain])
    quotes.add_quote_by_match(project, 1, "Det er\x0c svært\x1b at få en tid", "1", "ida")
    quotes.add_quote_by_match(project, 2, "Vi mangler hænder.", "1", "ida")
    for fmt in ("docx", "html", "md"):
        made = make_packets(project, tmp_path / fmt, DUE, fmt=fmt, today=TODAY, resend=True)
        assert len(made) == 2
        for row in made:
            path = Path(row["path"])
            assert path.exists() and len(path.name) <= 80
            assert not any(ord(c) < 32 for c in path.name)
            if fmt == "docx":
                text = "\n".join(c.text for t in docx.Document(str(path)).tables
                                 for r in t.rows for c in r.cells)  # fmt: skip
                assert "\x0c" not in text and "\x1b" not in text
