"""The NLP pipeline: lemmas (with the Danish suffix fallback), sentences, storage at import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from qualcode.db import Project
from qualcode.importing import import_files
from qualcode.models import Document, Posting, Sentence
from qualcode.nlp.pipeline import NLP_VERSION, annotate_text, lemma_key, query_words
from qualcode.nlp.store import annotate_missing, document_tokens, documents_needing_annotation

TEXT = (
    "I: Hvordan går udredningen?\n\n"
    "Ekspert: Patienterne med uspecifikke symptomer venter. Palliationen kommer for sent, "
    "og pakkeforløbet virker ikke.\n"
)


def test_lookup_lemmas_with_lower_case_fallback() -> None:
    assert lemma_key("patienter") == "patient"
    assert lemma_key("Patienterne") == "patient"  # capitalised: the table is case-sensitive
    assert lemma_key("henvisningerne") == "henvisning"


def test_unknown_compounds_are_stripped_to_the_same_key() -> None:
    # the lookup table does not know these; the suffix fallback must agree across forms
    assert lemma_key("palliationen") == lemma_key("palliation") == "palliation"
    assert lemma_key("uspecifikke") == lemma_key("uspecifik") == "uspecifik"
    assert lemma_key("pakkeforløbet") == lemma_key("pakkeforløbene") == "pakkeforløb"
    assert lemma_key("Sundhedskompetencen") == lemma_key("sundhedskompetence")


def test_annotation_words_sentences_and_stop_words() -> None:
    ann = annotate_text(TEXT, "da")
    words = [row[3] for row in ann.tokens]
    assert "?" not in words and "." not in words
    assert all(TEXT[s:e].lower() == lower for _, s, e, lower, _, _ in ann.tokens)
    stops = {row[3] for row in ann.tokens if row[5]}
    assert {"og", "med"} <= stops
    sentences = [TEXT[s:e] for s, e in ann.sentences]
    assert sentences[0] == "I: Hvordan går udredningen?"
    assert sentences[1].startswith("Ekspert: Patienterne")
    assert sentences[-1].endswith("virker ikke.")


def test_punctuation_breaks_a_phrase_but_a_line_break_does_not() -> None:
    ann = annotate_text("kræft. plan\nsymptomer  vage", "da")
    ordinals = {row[3]: row[0] for row in ann.tokens}
    assert ordinals["plan"] - ordinals["kræft"] == 2
    assert ordinals["vage"] - ordinals["symptomer"] == 1


def test_query_words_are_lemmatised_like_documents() -> None:
    assert query_words("Uspecifikke symptomer") == [
        ("uspecifikke", "uspecifik"),
        ("symptomer", "symptom"),
    ]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_annotation_in_the_same_transaction(project: Project, tmp_path: Path) -> None:
    (outcome,) = import_files(project, [_write(tmp_path, "a.txt", TEXT)])
    with project.session() as s:
        doc = s.get(Document, outcome.document_id)
        assert doc is not None and doc.nlp_version == NLP_VERSION
        assert doc.id is not None
        tokens = document_tokens(s, [doc.id])[doc.id]
        expected = annotate_text(TEXT).tokens
        assert tokens == [(st, en, lower, lemma) for _, st, en, lower, lemma, _ in expected]
        assert s.exec(select(Sentence).where(Sentence.document_id == doc.id)).all()
    assert documents_needing_annotation(project) == []


def test_import_without_annotation_then_annotate_missing(project: Project, tmp_path: Path) -> None:
    import_files(project, [_write(tmp_path, "a.txt", TEXT)], annotate=False)
    import_files(project, [_write(tmp_path, "b.txt", TEXT + "Mere tekst.\n")], annotate=False)
    with project.session() as s:
        assert s.exec(select(Posting)).first() is None
    assert len(documents_needing_annotation(project)) == 2
    seen: list[tuple[int, int]] = []
    assert annotate_missing(project, progress=lambda d, t, _: seen.append((d, t))) == 2
    assert seen[-1] == (2, 2)
    assert documents_needing_annotation(project) == []
    with project.session() as s:
        ids = s.exec(select(Posting.document_id).distinct()).all()
        assert len(ids) == 2
        versions = s.exec(select(Document.nlp_version).where(col(Document.id).in_(ids))).all()
        assert set(versions) == {NLP_VERSION}
    assert annotate_missing(project) == 0


def test_english_documents_use_the_english_table(project: Project, tmp_path: Path) -> None:
    text = "Interviewer: What happens?\n\nExpert: The patients were waiting for their results.\n"
    (outcome,) = import_files(project, [_write(tmp_path, "en.txt", text)])
    with project.session() as s:
        assert outcome.document_id is not None
        rows = document_tokens(s, [outcome.document_id])[outcome.document_id]
        lemmas = {lower: lemma for _, _, lower, lemma in rows}
    assert lemmas["patients"] == "patient"
    assert lemmas["were"] == "be"


def test_long_texts_are_cut_into_pieces_without_losing_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.nlp import pipeline

    text = "".join(f"Afsnit {n}: patienterne venter på udredningen.\n\n" for n in range(40))
    whole = annotate_text(text)
    monkeypatch.setattr(pipeline, "CHUNK_CHARS", 120)
    assert len(pipeline._chunks(text)) > 10
    pieces = annotate_text(text)
    assert [r[1:] for r in pieces.tokens] == [r[1:] for r in whole.tokens]
    assert pieces.sentences == whole.sentences
    ordinals = [r[0] for r in pieces.tokens]
    assert ordinals == sorted(set(ordinals))
