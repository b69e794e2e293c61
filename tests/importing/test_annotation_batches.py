"""Annotation after import, in batches: the index a run of small batches stores (term ids
carried from batch to batch, each document's tokens turned into postings at once) is the
one each text's own annotation gives, on both backends; a bad id in the list is skipped."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select

from qualcode.db import Project
from qualcode.importing import import_files
from qualcode.models import Document, Sentence, Term
from qualcode.nlp.pipeline import NLP_VERSION, annotate_text
from qualcode.nlp.store import annotate_documents, document_tokens

TEXTS = [
    "I: Hvordan går det med udredningen?\nAnna Holm: Udredningen går langsomt. Patienterne "
    "venter, og ventetiden på svar er for lang.\n",
    "Patienten og patienterne: samme lemma, nye former. Kræftopfølgningsplanen bliver "
    "hjemmebaseret; hjemmebaserede tilbud følger.\n",
    "Udredning, udredningen, udredningerne. Ventetiden — igen ventetiden! Patienten venter.\n",
]


def test_small_batches_store_each_texts_own_annotation(project: Project, tmp_path: Path) -> None:
    paths = []
    for i, text in enumerate(TEXTS):
        path = tmp_path / f"note_{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    outcomes = import_files(project, paths, annotate=False, language="da")
    ids = [o.document_id for o in outcomes if o.document_id is not None]
    assert len(ids) == 3
    # one word per batch: every document its own batch, terms shared across batches
    done = annotate_documents(project, [*ids, 999_999], batch_words=1)
    assert done == 3
    with project.session() as s:
        got = document_tokens(s, ids)
        texts = {d.id: d.text for d in s.exec(select(Document))}
        versions = {d.id: d.nlp_version for d in s.exec(select(Document))}
        pairs = s.exec(select(Term.lower, Term.lemma)).all()
        sentences = s.exec(select(func.count()).select_from(Sentence)).one()
    assert len(pairs) == len(set(pairs))  # a term shared by batches is stored once
    expected_sentences = 0
    for doc_id in ids:
        annotation = annotate_text(texts[doc_id], "da")
        assert got[doc_id] == [
            (a, b, lower, lemma) for _, a, b, lower, lemma, _ in annotation.tokens
        ]
        assert versions[doc_id] == NLP_VERSION
        expected_sentences += len(annotation.sentences)
    assert sentences == expected_sentences
    assert {lemma for _, _, lower, lemma in got[ids[1]] if lower == "patienterne"} == {"patient"}
