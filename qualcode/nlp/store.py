"""Storing annotation: the ``Token`` and ``Sentence`` rows that search and suggestions read.

Rows go in with one bulk ``INSERT`` per table (executemany), never as ORM objects one by
one: a 2-million-word corpus is 2 million rows.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import delete, exists, insert, or_, update
from sqlmodel import Session, col, select

from qualcode.db import Project
from qualcode.models import Document, Sentence, Token
from qualcode.nlp.pipeline import NLP_VERSION, Annotation, annotate_text, annotate_texts
from qualcode.progress import Progress, no_progress

_CHUNK = 20_000
_SQLITE_CACHE_KB = 65_536  # page cache while storing tokens (per connection)


_TOKEN_COLUMNS = ("document_id", "ordinal", "start", "end", "lower", "lemma", "is_stop")
_SENTENCE_COLUMNS = ("document_id", "ordinal", "start", "end")


def _bulk_insert(session: Session, table: Any, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows: one executemany per chunk.

    On SQLite the statement is compiled from Core once (so quoting stays the dialect's) and
    run with plain tuples, which skips SQLAlchemy's per-row parameter processing — the bulk
    of the time for two million tokens. Other databases take the ordinary Core path.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        order = [columns.index(name) for name in compiled.positiontup or []]
        sql = str(compiled)
        for i in range(0, len(rows), _CHUNK):
            chunk = rows[i : i + _CHUNK]
            if order != list(range(len(columns))):
                chunk = [tuple(r[j] for j in order) for r in chunk]
            conn.exec_driver_sql(sql, chunk)
        return
    for i in range(0, len(rows), _CHUNK):
        conn.execute(
            insert(table), [dict(zip(columns, r, strict=True)) for r in rows[i : i + _CHUNK]]
        )


def store_annotations(session: Session, items: list[tuple[int, Annotation]]) -> None:
    """Replace the tokens and sentences of several documents inside the caller's transaction.

    Token rows go in sorted by lemma and form: inserts into the lemma and lower-case indexes
    then touch each index page once per batch instead of at random — on a large corpus most
    of the cost of storing tokens is keeping those indexes.
    """
    ids = [doc_id for doc_id, _ in items]
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")
    session.execute(delete(Token).where(col(Token.document_id).in_(ids)))
    session.execute(delete(Sentence).where(col(Sentence.document_id).in_(ids)))
    tokens = [
        (doc_id, o, s, e, lower[:200], lemma[:200], stop)
        for doc_id, annotation in items
        for o, s, e, lower, lemma, stop in annotation.tokens
    ]
    tokens.sort(key=lambda row: (row[5], row[4]))
    _bulk_insert(session, Token.__table__, _TOKEN_COLUMNS, tokens)  # type: ignore[attr-defined]
    _bulk_insert(
        session,
        Sentence.__table__,  # type: ignore[attr-defined]
        _SENTENCE_COLUMNS,
        [
            (doc_id, n, s, e)
            for doc_id, annotation in items
            for n, (s, e) in enumerate(annotation.sentences)
        ],
    )
    session.execute(
        update(Document).where(col(Document.id).in_(ids)).values(nlp_version=NLP_VERSION)
    )


def store_annotation(session: Session, document_id: int, annotation: Annotation) -> None:
    """Replace one document's tokens and sentences inside the caller's transaction."""
    store_annotations(session, [(document_id, annotation)])


def annotate_document_in(session: Session, document: Document) -> Annotation:
    """Annotate and store one document inside the caller's transaction (the import path)."""
    assert document.id is not None
    annotation = annotate_text(document.text, document.language)
    store_annotation(session, document.id, annotation)
    document.nlp_version = NLP_VERSION
    return annotation


_FULL_CHECK_SECONDS = 30.0
_last_full_check: dict[str, float] = {}


def _stale_ids(session: Session, url: str = "") -> list[int]:
    """Documents whose annotation is missing or from another ``NLP_VERSION``.

    Every call finds documents without sentences (cheap: ids and an index); the full check
    of ``nlp_version`` (which on SQLite walks past every text) runs at most every 30 s per
    project in a process — it catches a version change or a text marked for re-annotation
    by setting ``nlp_version`` to None.
    """
    now = time.monotonic()
    if now - _last_full_check.get(url, -1e9) >= _FULL_CHECK_SECONDS or not url:
        stmt = select(Document.id).where(
            or_(col(Document.nlp_version).is_(None), col(Document.nlp_version) != NLP_VERSION)
        )
        ids = [i for i in session.exec(stmt).all() if i is not None]
        if not ids and url:
            _last_full_check[url] = now
        return ids
    has_sentences = exists().where(col(Sentence.document_id) == col(Document.id))
    rows = session.exec(select(Document.id, Document.nlp_version).where(~has_sentences)).all()
    return [int(i) for i, version in rows if i is not None and version != NLP_VERSION]


def documents_needing_annotation(project: Project) -> list[int]:
    """Ids of documents without current annotation (e.g. imported from a .qdpx)."""
    with project.session() as s:
        return _stale_ids(s, project.url)


def annotate_missing(
    project: Project, progress: Progress = no_progress, batch_words: int = 400_000
) -> int:
    """Annotate every document that lacks current annotation; returns how many were done."""
    return annotate_documents(project, documents_needing_annotation(project), progress, batch_words)


def annotate_documents(
    project: Project, todo: list[int], progress: Progress = no_progress, batch_words: int = 400_000
) -> int:
    """Annotate these documents (ids) in batches of about ``batch_words`` words.

    Each batch goes through ``nlp.pipe`` together and is stored in one transaction (a
    document is never half-annotated; its token rows go into the indexes sorted, once per
    batch). Returns how many documents were annotated.
    """
    if not todo:
        return 0
    with project.session() as s:
        sizes = {
            int(doc_id or 0): int(count)
            for doc_id, count in s.exec(
                select(Document.id, Document.word_count).where(col(Document.id).in_(todo))
            ).all()
        }
    total = len(todo)
    done = 0
    i = 0
    while i < total:
        ids = [todo[i]]
        words = sizes.get(todo[i], 0)
        while i + len(ids) < total and words + sizes.get(todo[i + len(ids)], 0) <= batch_words:
            words += sizes.get(todo[i + len(ids)], 0)
            ids.append(todo[i + len(ids)])
        i += len(ids)
        with project.session() as s:
            docs = [
                (int(d.id), d.text, d.language)  # type: ignore[arg-type]
                for d in s.exec(select(Document).where(col(Document.id).in_(ids)))
            ]
        progress(done, total, "annotating")
        if len(docs) == 1 and len(docs[0][1]) > SEGMENT_CHARS:
            _annotate_large(project, *docs[0])
        else:
            annotations = list(annotate_texts([(text, lang) for _, text, lang in docs]))
            with project.transaction("import") as s:  # no coder waits for it
                pairs = [
                    (doc_id, ann) for (doc_id, _, _), ann in zip(docs, annotations, strict=True)
                ]
                store_annotations(s, pairs)
        done += len(docs)
    progress(total, total, "")
    return done


SEGMENT_CHARS = 1_000_000  # a longer text is annotated and stored one segment at a time


def _segments(text: str, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` segments of about ``size`` characters, cut at a paragraph break,
    else a line break, else white space."""
    out: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, start + size // 2, start + size)
            if cut != -1:
                cut += len(sep)
                break
        if cut == -1:
            cut = start + size
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def _annotate_large(project: Project, doc_id: int, text: str, lang: str) -> None:
    """Annotate one long text segment by segment inside one transaction, so memory follows
    the segment (a million characters), not the whole text, and the document is still
    never half-annotated. A phrase does not run across segments, as it does not across
    the pieces spaCy is given (``nlp.pipeline``)."""
    with project.transaction("import") as s:
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")
        s.execute(delete(Token).where(col(Token.document_id) == doc_id))
        s.execute(delete(Sentence).where(col(Sentence.document_id) == doc_id))
        ordinal_base = sentence_base = 0
        for start, end in _segments(text, SEGMENT_CHARS):
            annotation = annotate_text(text[start:end], lang)
            tokens = [
                (doc_id, o + ordinal_base, a + start, b + start, lower[:200], lemma[:200], stop)
                for o, a, b, lower, lemma, stop in annotation.tokens
            ]
            tokens.sort(key=lambda row: (row[5], row[4]))
            _bulk_insert(s, Token.__table__, _TOKEN_COLUMNS, tokens)  # type: ignore[attr-defined]
            sentences = [
                (doc_id, sentence_base + n, a + start, b + start)
                for n, (a, b) in enumerate(annotation.sentences)
            ]
            _bulk_insert(s, Sentence.__table__, _SENTENCE_COLUMNS, sentences)  # type: ignore[attr-defined]
            ordinal_base += max((t[0] for t in annotation.tokens), default=0) + 2
            sentence_base += len(sentences)
        s.execute(
            update(Document).where(col(Document.id) == doc_id).values(nlp_version=NLP_VERSION)
        )
