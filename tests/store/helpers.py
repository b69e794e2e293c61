"""Shared by the team tests: a small coded project (a recipe over the one builder,
tests/builders.py), and worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from builders import ProjectBuilder

from qualcode.db import Project
from qualcode.demo import demo_codebook, demo_corpus_dir

# The ``cli`` fixture (tests/conftest.py): run qualcode in-process, (exit code, out, err).
CliRunner = Callable[..., tuple[int, str, str]]

WORKERS = Path(__file__).with_name("workers.py")
REPO = Path(__file__).resolve().parents[2]


def target_of(project: Project) -> str:
    """What another process passes to open the same project: the file or the URL."""
    if project.path is not None:
        return str(project.path)
    return project.engine.url.render_as_string(hide_password=False)


def prepare(project: Project) -> None:
    """The demo codebook, its participants and one interview: enough to code and quote."""
    corpus = demo_corpus_dir()
    build = ProjectBuilder(project)
    build.codebook(demo_codebook()).participants(corpus / "participants.csv")
    build.import_paths([corpus / "01_holmgaard.txt"])


def start_worker(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(WORKERS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def result_of(proc: subprocess.Popen[str], timeout: float = 600) -> dict[str, object]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker failed ({proc.returncode}):\n{err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])


def participant_span(project: Project) -> tuple[int, int]:
    """A span inside the first turn of document 1 spoken by a registered participant."""
    from qualcode.documents import document_turns

    with project.session() as s:
        turns = [t for t in document_turns(s, 1) if t.participant_id is not None]
    return turns[0].start, min(turns[0].end, turns[0].start + 120)
