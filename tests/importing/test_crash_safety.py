"""Imports killed with SIGKILL at random moments: the project opens, is intact, and each
killed document is either wholly there or wholly absent."""

from __future__ import annotations

import hashlib
import random
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select
from store.helpers import prepare, result_of, start_worker, target_of
from store.workers import REPORT_AFTER

from qualcode.audit import LOGGED
from qualcode.db import Project, integrity_problems, open_project
from qualcode.models import Document, Sentence, Token, Turn
from qualcode.nlp.store import annotate_missing, documents_needing_annotation

KILLS = 20


def _transcript(n: int, turns: int = 100) -> bytes:
    """A long interview; only the number in the first line differs between files."""
    lines = [f"I: Interview nummer {n:03d}. Hvad er det vigtigste?"]
    for t in range(turns):
        who = "I" if t % 2 else "Deltager"
        lines.append(
            f"{who}: Svar {t}: vi taler om ventetider, opfølgning og samarbejde mellem "
            "sygehus og kommune, og om hvordan pakkeforløb kan blive mere trygge."
        )
    return "\n\n".join(lines).encode("utf-8")


def _counts(project: Project, doc_id: int) -> dict[str, int]:
    with project.session() as s:
        return {
            model.__name__: s.exec(
                select(func.count()).select_from(model).where(model.document_id == doc_id)
            ).one()
            for model in (Turn, Sentence, Token)
        }


@pytest.mark.slow
def test_imports_killed_at_random_moments_leave_whole_or_nothing(
    project: Project, tmp_path: Path
) -> None:
    prepare(project)
    target = target_of(project)
    # One import that runs to the end: how long it takes and what a whole document holds.
    reference = tmp_path / "ref.txt"
    reference.write_bytes(_transcript(999))
    proc = start_worker("import", target, str(reference))
    assert proc.stderr is not None
    proc.stderr.readline()
    began = time.perf_counter()
    done = result_of(proc)
    import_seconds = time.perf_counter() - began
    assert done["status"] == "imported", done
    whole = _counts(project, int(done["document_id"]))  # type: ignore[arg-type]
    assert whole["Turn"] > 50 and whole["Sentence"] > 50 and whole["Token"] > 1000
    with project.session() as s:
        ref_text = s.get(Document, done["document_id"]).text  # type: ignore[union-attr]

    rng = random.Random(8)
    outcomes = {"whole": 0, "absent": 0, "annotated later": 0}
    kills = KILLS if project.is_sqlite else KILLS // 2  # PostgreSQL: fewer, for time
    for n in range(kills):
        source = tmp_path / f"interview_{n:03d}.txt"
        data = _transcript(n)
        source.write_bytes(data)
        proc = start_worker("import", target, str(source))
        assert proc.stderr is not None
        proc.stderr.readline()  # "ready": the project is open, the import starts now
        time.sleep(rng.uniform(0, 1.1 * import_seconds))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)

        with open_project(target) as after:
            assert integrity_problems(after) == []
            sha = hashlib.sha256(data).hexdigest()
            with after.session() as s:
                doc = s.exec(select(Document).where(Document.sha256 == sha)).first()
            if doc is None:
                outcomes["absent"] += 1
                continue
            outcomes["whole"] += 1
            assert doc.text == ref_text.replace("nummer 999", f"nummer {n:03d}")
            counts = _counts(after, doc.id)  # type: ignore[arg-type]
            if counts["Token"] == 0:
                # Killed after the document committed, before its annotation did (the
                # annotation runs after the import's transaction): the text is whole, the
                # document is known to need annotation, and annotating it makes it whole.
                assert counts["Turn"] == whole["Turn"] and counts["Sentence"] == 0
                assert doc.id in documents_needing_annotation(after)
                annotate_missing(after)
                counts = _counts(after, doc.id)  # type: ignore[arg-type]
                outcomes["annotated later"] += 1
            assert counts == whole
    print(f"killed imports ({import_seconds:.2f} s each when whole): {outcomes}")
    # Some kills must have interrupted the import: before its commit (absent) or between the
    # commit and the annotation that follows it (annotated later).
    assert outcomes["absent"] + outcomes["annotated later"] > 0


def test_a_project_killed_while_coding_still_opens(project: Project, tmp_path: Path) -> None:
    """A coder killed mid-burst: every coding that was committed is there and whole."""
    prepare(project)
    start = tmp_path / "go"
    proc = start_worker("code", target_of(project), "killed", "5000", str(start))
    start.touch()
    assert proc.stderr is not None
    # Kill once the worker has committed some codings: a fixed sleep killed it before its
    # first commit on a busy machine ("assert 0 > 0").
    assert proc.stderr.readline().strip() == f"committed {REPORT_AFTER}"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    with open_project(target_of(project)) as after:
        assert integrity_problems(after) == []
        with after.session() as s:
            from qualcode.models import ActionLog, Coding

            codings = s.exec(select(func.count()).select_from(Coding)).one()
            actions = s.exec(  # undoable actions; imports are logged, not undoable
                select(func.count()).select_from(ActionLog).where(ActionLog.state != LOGGED)
            ).one()
    # Each coding and its undo entry are one transaction: they come and go together.
    assert codings == actions >= REPORT_AFTER


def _timed_run(*args: str) -> float:
    """Seconds from "ready" to the end of an unkilled run (where to aim the kills)."""
    proc = start_worker(*args)
    assert proc.stderr is not None
    proc.stderr.readline()
    began = time.perf_counter()
    result_of(proc)
    return time.perf_counter() - began


def _kill_after(seconds: float, *args: str) -> None:
    proc = start_worker(*args)
    assert proc.stderr is not None
    proc.stderr.readline()
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


@pytest.mark.slow
def test_training_killed_at_random_moments_keeps_a_whole_model_or_the_old(
    demo_project: Project,
) -> None:
    from qualcode.models import TrainedModel
    from qualcode.suggest import load_model

    target = target_of(demo_project)
    seconds = _timed_run("train", target)
    with demo_project.session() as s:
        first = s.exec(select(TrainedModel.id)).all()
    assert len(first) == 1
    rng = random.Random(3)
    for _ in range(3):
        _kill_after(rng.uniform(0, 1.1 * seconds), "train", target)
        with open_project(target) as after:
            assert integrity_problems(after) == []
            with after.session() as s:
                assert len(s.exec(select(TrainedModel.id)).all()) == 1
                assert load_model(s) is not None  # the old model or the new: whole


@pytest.mark.slow
def test_an_export_killed_at_random_moments_leaves_no_half_file(
    demo_project: Project, tmp_path: Path
) -> None:
    target = target_of(demo_project)
    out = tmp_path / "synthese.docx"
    seconds = _timed_run("export", target, str(out))
    whole = out.read_bytes()
    out.unlink()
    rng = random.Random(5)
    for _ in range(3):
        _kill_after(rng.uniform(0, 1.1 * seconds), "export", target, str(out))
        assert (
            not out.exists()
            or out.read_bytes()[:2] == b"PK"
            and len(out.read_bytes()) > len(whole) // 2
        )
        if out.exists():
            import zipfile

            assert zipfile.ZipFile(out).testzip() is None
            out.unlink()
