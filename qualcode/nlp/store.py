"""Storing annotation: the ``Token`` and ``Sentence`` rows that search and suggestions read.

Rows go in with one bulk ``INSERT`` per table (executemany), never as ORM objects one by
one: a 2-million-word corpus is 2 million rows.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, or_, update
from sqlmodel import Session, col, select

from qualcode.db import Project
from qualcode.models import Document, Sentence, Token
from qualcode.nlp.pipeline import NLP_VERSION, Annotation, annotate_text, annotate_texts
from qualcode.progress import Progress, no_progress

_CHUNK = 20_000


def store_annotation(session: Session, document_id: int, annotation: Annotation) -> None:
    """Replace a document's tokens and sentences inside the caller's transaction."""
    session.execute(delete(Token).where(col(Token.document_id) == document_id))
    session.execute(delete(Sentence).where(col(Sentence.document_id) == document_id))
    rows = [
        {
            "document_id": document_id,
            "ordinal": o,
            "start": s,
            "end": e,
            "lower": lower[:200],
            "lemma": lemma[:200],
            "is_stop": stop,
        }
        for o, s, e, lower, lemma, stop in annotation.tokens
    ]
    for i in range(0, len(rows), _CHUNK):
        session.execute(insert(Token), rows[i : i + _CHUNK])
    if annotation.sentences:
        session.execute(
            insert(Sentence),
            [
                {"document_id": document_id, "ordinal": n, "start": s, "end": e}
                for n, (s, e) in enumerate(annotation.sentences)
            ],
        )
    session.execute(
        update(Document).where(col(Document.id) == document_id).values(nlp_version=NLP_VERSION)
    )


def annotate_document_in(session: Session, document: Document) -> Annotation:
    """Annotate and store one document inside the caller's transaction (the import path)."""
    assert document.id is not None
    annotation = annotate_text(document.text, document.language)
    store_annotation(session, document.id, annotation)
    document.nlp_version = NLP_VERSION
    return annotation


def _stale_ids(session: Session) -> list[int]:
    stmt = select(Document.id).where(
        or_(col(Document.nlp_version).is_(None), col(Document.nlp_version) != NLP_VERSION)
    )
    return [i for i in session.exec(stmt).all() if i is not None]


def documents_needing_annotation(project: Project) -> list[int]:
    """Ids of documents without current annotation (e.g. imported from a .qdpx)."""
    with project.session() as s:
        return _stale_ids(s)


def annotate_missing(project: Project, progress: Progress = no_progress, batch: int = 8) -> int:
    """Annotate every document that lacks current annotation; returns how many were done.

    Each batch of documents is one transaction, so a document is never half-annotated.
    """
    todo = documents_needing_annotation(project)
    total = len(todo)
    done = 0
    for i in range(0, total, batch):
        ids = todo[i : i + batch]
        with project.session() as s:
            docs = [
                (d.id, d.text, d.language)
                for d in s.exec(select(Document).where(col(Document.id).in_(ids)))
            ]
        progress(done, total, "annotating")
        annotations = list(annotate_texts([(text, lang) for _, text, lang in docs]))
        with project.transaction() as s:
            for (doc_id, _, _), annotation in zip(docs, annotations, strict=True):
                assert doc_id is not None
                store_annotation(s, doc_id, annotation)
        done += len(docs)
    progress(total, total, "")
    return done
