"""Annotation beside an import (``nlp.annotating``) with a helper process (``nlp.worker``):
the index and sentences are those of each text's own annotation, whatever the helper does
— works to the end, dies at once, dies after one document — and an import stopped
mid-way leaves a project whose missing annotation ``annotate_missing`` completes."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from sqlmodel import func, select

import qualcode.nlp.annotating as annotating
import qualcode.nlp.worker as worker
from qualcode.db import Project, open_project
from qualcode.importing import import_files
from qualcode.models import Document, Sentence, Term
from qualcode.nlp.pipeline import NLP_VERSION, annotate_text
from qualcode.nlp.store import annotate_missing, document_tokens, documents_needing_annotation
from qualcode.search import search

TEXTS = [
    "I: Hvordan går det med udredningen?\nAnna Holm: Udredningen går langsomt. Patienterne "
    "venter, og ventetiden på svar er for lang.\n",
    "Patienten og patienterne: samme lemma, nye former. Kræftopfølgningsplanen bliver "
    "hjemmebaseret; hjemmebaserede tilbud følger.\n",
    "Udredning, udredningen, udredningerne. Ventetiden — igen ventetiden! Patienten venter.\n",
    "I: What did the nurses say?\nB: The waiting lists were long. Nurses waited too.\n",
    "Hr. Jensen kom kl. 10.30, dvs. for sent. Opfølgningen — den var god.\n\n\nSlut.",
    "Et dokument uden punktum og med ord som ventetider samarbejde kommune sygehus",
]


def _files(tmp_path: Path, copies: int = 3) -> list[Path]:
    paths = []
    for n in range(copies):
        for i, text in enumerate(TEXTS):
            path = tmp_path / f"note_{n}_{i}.txt"
            path.write_text(f"Nummer {n}.\n\n{text}", encoding="utf-8")
            paths.append(path)
    return paths


def _assert_whole(project: Project) -> None:
    """Every document's index and sentences are its own text's annotation."""
    with project.session() as s:
        docs = [(d.id, d.text, d.language, d.nlp_version) for d in s.exec(select(Document))]
        ids = [d for d, _, _, _ in docs if d is not None]
        got = document_tokens(s, ids)
        sentences = s.exec(select(func.count()).select_from(Sentence)).one()
    expected_sentences = 0
    for doc_id, text, lang, version in docs:
        assert doc_id is not None
        annotation = annotate_text(text, lang)
        assert got[doc_id] == [(a, b, lo, le) for _, a, b, lo, le, _ in annotation.tokens]
        assert version == NLP_VERSION
        expected_sentences += len(annotation.sentences)
    assert sentences == expected_sentences


@pytest.fixture
def always_helper(monkeypatch: pytest.MonkeyPatch) -> list[worker.Helper]:
    """Every import gets a helper, whatever its size; the helpers started are listed."""
    started: list[worker.Helper] = []
    real = worker.Helper

    def make() -> worker.Helper:
        helper = real()
        started.append(helper)
        return helper

    monkeypatch.setattr(annotating, "HELPER_MIN_WORDS", 0)
    monkeypatch.setattr(annotating, "Helper", make)
    monkeypatch.setattr(annotating.os, "cpu_count", lambda: 2)
    return started


def test_import_with_a_helper_stores_each_texts_own_annotation(
    project: Project, tmp_path: Path, always_helper: list[worker.Helper]
) -> None:
    outcomes = import_files(project, _files(tmp_path))
    assert [o.status for o in outcomes] == ["imported"] * len(TEXTS) * 3
    assert len(always_helper) == 1 and always_helper[0].proc.returncode == 0
    _assert_whole(project)
    with project.session() as s:
        terms = s.exec(select(func.count()).select_from(Term)).one()
        pairs = s.exec(select(Term.lower, Term.lemma)).all()
    assert terms == len(set(pairs))  # a term from both processes is stored once
    assert documents_needing_annotation(project) == []
    assert search(project, "patient", mode="lemma").total > 0


def test_a_small_import_starts_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annotating.os, "cpu_count", lambda: 2)
    assert not annotating.helper_wanted(100_000)  # ~17,000 words
    assert annotating.helper_wanted(annotating.HELPER_MIN_WORDS * annotating.BYTES_PER_WORD)
    monkeypatch.setattr(annotating.os, "cpu_count", lambda: 1)
    assert not annotating.helper_wanted(10**9)  # one core: no helper


@pytest.mark.parametrize(
    "program",
    [
        "import sys; sys.exit(3)",  # dies at once
        # sends one document back, then dies
        "import os, pickle, sys; from qualcode.nlp.worker import built_from; "
        "from qualcode.nlp.pipeline import annotate_text; "
        "d, t, l = pickle.load(sys.stdin.buffer); "
        "pickle.dump(built_from(d, annotate_text(t, l)), sys.stdout.buffer); "
        "sys.stdout.buffer.flush(); os._exit(1)",
        # sends something that is no result
        "import pickle, sys; pickle.dump('junk', sys.stdout.buffer); sys.stdout.flush()",
        # sends half a result and hangs until it is killed
        "import sys, time; sys.stdout.buffer.write(b'\\x80\\x05\\x95'); sys.stdout.flush(); "
        "time.sleep(600)",
    ],
    ids=["dies-at-once", "dies-after-one", "junk", "cut-off-then-hangs"],
)
def test_what_a_failing_helper_does_not_send_back_is_annotated_here(
    project: Project,
    tmp_path: Path,
    always_helper: list[worker.Helper],
    monkeypatch: pytest.MonkeyPatch,
    program: str,
) -> None:
    monkeypatch.setattr(worker, "_MAIN", program)
    monkeypatch.setattr(worker, "RESULT_SECONDS", 3.0)  # the hung one is given up on
    outcomes = import_files(project, _files(tmp_path, copies=2))
    assert all(o.status == "imported" for o in outcomes)
    assert len(always_helper) == 1
    assert always_helper[0].proc.returncode is not None  # ended, killed if need be
    _assert_whole(project)


def test_an_import_stopped_mid_way_is_completed_by_annotate_missing(
    project_path: Path, tmp_path: Path, always_helper: list[worker.Helper],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    stored: list[int] = []
    real_store = annotating.store_built

    def store_then_stop(session, items, known=None):  # noqa: ANN001, ANN202 - patched in
        if stored:
            raise KeyboardInterrupt  # as a ^C or a kill between two batches
        stored.append(len(items))
        real_store(session, items, known)

    monkeypatch.setattr(annotating, "store_built", store_then_stop)
    monkeypatch.setattr(annotating, "BATCH_WORDS", 30)  # a transaction every few documents
    paths = _files(tmp_path, copies=4)
    with open_project(project_path, create=True) as project:
        with pytest.raises(KeyboardInterrupt):
            import_files(project, paths, progress=lambda *_: None)
        assert always_helper[0].proc.poll() is not None  # no helper is left running
    monkeypatch.setattr(annotating, "store_built", real_store)
    with open_project(project_path) as project:
        with project.session() as s:
            assert s.exec(select(func.count()).select_from(Document)).one() == len(paths)
        missing = documents_needing_annotation(project)
        assert 0 < len(missing) < len(paths)
        assert annotate_missing(project) == len(missing)
        _assert_whole(project)
        assert search(project, "Nummer", mode="exact").total == len(paths)


def test_the_helper_serves_what_it_is_sent_in_order() -> None:
    source = io.BytesIO()
    items = [(7, TEXTS[0], "da"), (3, TEXTS[3], "en"), (9, "", "da")]
    for item in items:
        pickle.dump(item, source)
    pickle.dump(None, source)
    source.seek(0)
    sink = io.BytesIO()
    worker.serve(source, sink)
    sink.seek(0)
    got = [pickle.load(sink) for _ in items]
    assert [b.document_id for b in got] == [7, 3, 9]
    for built, (_, text, lang) in zip(got, items, strict=True):
        expected = worker.built_from(0, annotate_text(text, lang))
        assert (built.terms, built.sentences) == (expected.terms, expected.sentences)
    assert got[2].terms == [] and got[2].sentences == []


@pytest.mark.parametrize("dies", [False, True], ids=["helper-works", "helper-dies"])
def test_the_light_write_path_annotates_with_a_helper_as_the_full_path_does(
    project_path: Path,
    tmp_path: Path,
    always_helper: list[worker.Helper],
    monkeypatch: pytest.MonkeyPatch,
    dies: bool,
) -> None:
    from qualcode.store.light_write import open_light_writer

    if dies:
        monkeypatch.setattr(worker, "_MAIN", "import sys; sys.exit(3)")
    open_project(project_path, create=True).close()
    light = open_light_writer(project_path)
    assert light is not None
    with light:
        outcomes = import_files(light, _files(tmp_path, copies=2))
    assert [o.status for o in outcomes] == ["imported"] * len(TEXTS) * 2
    assert len(always_helper) == 1 and always_helper[0].proc.returncode == (3 if dies else 0)
    with open_project(project_path) as project:
        _assert_whole(project)
        assert documents_needing_annotation(project) == []
