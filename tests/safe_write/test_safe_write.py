"""Atomic output files: a crash or an error never leaves half a file under the name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import ExportError
from qualcode.safe_write import TEMP_PREFIX, atomic_write_bytes, atomic_write_text, atomic_writer


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_write_replace_and_keep_permissions(tmp_path: Path) -> None:
    target = tmp_path / "pakke.md"
    atomic_write_text(target, "første\r\nudgave\n")
    assert target.read_bytes() == "første\r\nudgave\n".encode()
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def test_an_error_while_writing_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "synthesis.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_writer(target, "w") as fh:
            fh.write("half of the new")
            raise RuntimeError("template failed")
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        atomic_write_bytes(tmp_path / "nope" / "x.docx", b"x")
    with pytest.raises(ExportError, match="is a folder"):
        atomic_write_bytes(tmp_path, b"x")


def test_a_writer_killed_midway_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(b"complete old export\n")
    script = (
        "import sys, time\n"
        "from qualcode.safe_write import atomic_writer\n"
        "with atomic_writer(sys.argv[1]) as fh:\n"
        "    for i in range(10000):\n"
        "        fh.write(b'row %d\\n' % i); fh.flush()\n"
        "        if i == 100: print('writing', flush=True)\n"
        "        time.sleep(0.001)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert target.read_bytes() == b"complete old export\n"
