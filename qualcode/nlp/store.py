"""Storing annotation: the search index (``Term`` and ``Posting``) and the ``Sentence`` rows
that search and suggestions read, and the reads they make of it.

A document's words are stored as postings (``qualcode.postings``): one row per distinct word
form and document, not one per word — a million-word corpus is some 250,000 small rows
instead of a million rows with three indexes. Rows go in with one bulk ``INSERT`` per
table (executemany), never as ORM objects one by one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypedDict

from qualcode.nlp.pipeline import NLP_VERSION, Annotation, annotate_text, annotate_texts
from qualcode.nlp.worker import Built, TermRow, built_from, term_rows
from qualcode.postings import DocumentPostings, decode
from qualcode.progress import Progress, no_progress
from qualcode.store.light import Reader, rows_in
from qualcode.store.light_write import Writer, WriteTarget, as_write_target, execute_in

if TYPE_CHECKING:
    from sqlmodel import Session

    from qualcode.db import Project
    from qualcode.models import Document

# SQLite's page cache while the index is stored (per connection, kept for the connection's
# life: it is resident memory). 16 MB cost the import's peak 11 MB more than 8 MB and the
# storing no measurable time (1M words: 0.24-0.26 s of CPU at 2, 4, 8 and 16 MB).
_SQLITE_CACHE_KB = 8_192
# Words annotated together (one nlp.pipe batch, one transaction): spaCy's Doc objects of a
# batch are alive at once, so this bounds the memory of annotating.
BATCH_WORDS = 60_000


_POSTING_COLUMNS = ("document_id", "term_id", "count", "data")
_SENTENCE_COLUMNS = ("document_id", "ordinal", "start", "end")


def _session_writer(session: Session) -> Writer:
    """The full path's ``Writer`` on a caller's session (loaded with the ORM it needs)."""
    from qualcode.store.writer import SessionWriter

    return SessionWriter(session)


def _session_reader(session: Session) -> Reader:
    from qualcode.store.reader import SessionReader

    return SessionReader(session)


def _known_terms(writer: Reader, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    wanted = set(keys)
    found: dict[tuple[str, str], int] = {}
    lowers = sorted({lower for lower, _ in wanted})
    sql = "SELECT id, lower, lemma FROM term WHERE lower IN ({values})"
    for term_id, lower, lemma in rows_in(writer, sql, lowers):
        if (lower, lemma) in wanted:
            found[(lower, lemma)] = int(term_id)
    return found


def term_ids(
    writer: Writer,
    stops: dict[tuple[str, str], bool],
    known: dict[tuple[str, str], int] | None = None,
) -> dict[tuple[str, str], int]:
    """Ids of these ``(lower, lemma)`` terms, adding the new ones (``stops`` gives each
    term's stop-word flag). Safe beside another writer adding the same term.

    ``known``: ids found by earlier batches of the same run (a term row is never deleted
    or renumbered, so an id once read stays true); it is filled with what this call finds.
    """
    if known is None:
        known = {}
    wanted = {key: stop for key, stop in stops.items() if key not in known}
    found = _known_terms(writer, wanted) if wanted else {}
    missing = [key for key in wanted if key not in found]
    if missing:
        writer.execute_many(
            "INSERT INTO term (lower, lemma, is_stop) VALUES (:lower, :lemma, :stop) "
            "ON CONFLICT (lower, lemma) DO NOTHING",
            [{"lower": lo, "lemma": le, "stop": stops[(lo, le)]} for lo, le in missing],
        )
        found.update(_known_terms(writer, missing))
    known.update(found)
    return {key: known[key] for key in stops}


def forget_annotation(writer: Writer, document_ids: list[int]) -> None:
    """Remove these documents' index and sentences (inside the caller's transaction)."""
    execute_in(writer, "DELETE FROM posting WHERE document_id IN ({values})", document_ids)
    execute_in(writer, "DELETE FROM sentence WHERE document_id IN ({values})", document_ids)


def _mark_annotated(writer: Writer, document_ids: list[int]) -> None:
    sql = "UPDATE document SET nlp_version = :version WHERE id IN ({values})"
    execute_in(writer, sql, document_ids, {"version": NLP_VERSION})


def _store_postings(
    writer: Writer,
    built: list[tuple[int, list[TermRow]]],
    known: dict[tuple[str, str], int] | None = None,
) -> None:
    stops: dict[tuple[str, str], bool] = {}
    for _, terms in built:
        for lower, lemma, stop, _, _ in terms:
            stops[(lower, lemma)] = stop
    ids = term_ids(writer, stops, known)
    rows = [
        (doc_id, ids[(lower, lemma)], count, data)
        for doc_id, terms in built
        for lower, lemma, _, count, data in terms
    ]
    rows.sort(key=lambda row: row[1])  # the term index is filled in order, once per batch
    writer.insert_rows("posting", _POSTING_COLUMNS, rows)


def _roomy_cache(writer: Writer) -> None:
    """A larger page cache while the index is stored (SQLite; per connection)."""
    if writer.dialect == "sqlite":
        writer.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")


def store_built(
    writer: Writer, items: list[Built], known: dict[tuple[str, str], int] | None = None
) -> None:
    """Replace the index and sentences of these documents inside the caller's transaction
    (``known``: term ids of earlier batches, see ``term_ids``)."""
    ids = [item.document_id for item in items]
    _roomy_cache(writer)
    forget_annotation(writer, ids)
    _store_postings(writer, [(item.document_id, item.terms) for item in items], known)
    writer.insert_rows(
        "sentence",
        _SENTENCE_COLUMNS,
        [(item.document_id, n, s, e) for item in items for n, (s, e) in enumerate(item.sentences)],
    )
    _mark_annotated(writer, ids)


def store_annotations(session: Session, items: list[tuple[int, Annotation]]) -> None:
    """Replace the index and sentences of several documents inside the caller's transaction."""
    session.flush()  # the session's pending rows first, as an ORM statement would
    store_built(
        _session_writer(session),
        [built_from(doc_id, annotation) for doc_id, annotation in items],
    )


def store_annotation(session: Session, document_id: int, annotation: Annotation) -> None:
    """Replace one document's index and sentences inside the caller's transaction."""
    store_annotations(session, [(document_id, annotation)])


# ----------------------------------------------------------------------------------------
# Reading the index


def document_tokens(
    session: Session, doc_ids: list[int]
) -> dict[int, list[tuple[int, int, str, str]]]:
    """Each document's words as ``(start, end, lower, lemma)`` in text order."""
    out: dict[int, list[tuple[int, int, str, str]]] = {d: [] for d in doc_ids}
    sql = (
        "SELECT posting.document_id, posting.data, term.lower, term.lemma FROM posting"
        " JOIN term ON term.id = posting.term_id WHERE posting.document_id IN ({values})"
    )
    for doc_id, data, lower, lemma in rows_in(_session_reader(session), sql, sorted(set(doc_ids))):
        rows = out[int(doc_id)]
        for _, start, end in decode(bytes(data), len(lower)):
            rows.append((start, end, lower, lemma))
    for rows in out.values():
        rows.sort()
    return out


def lemma_frequencies(session: Session, lemmas: list[str]) -> dict[str, int]:
    """How many words of the corpus have each of these lemma keys."""
    sql = (
        "SELECT term.lemma, sum(posting.count) FROM term"
        " JOIN posting ON posting.term_id = term.id WHERE term.lemma IN ({values})"
        " GROUP BY term.lemma"
    )
    rows = rows_in(_session_reader(session), sql, sorted(set(lemmas)))
    return {lemma: int(n or 0) for lemma, n in rows}


def word_total(session: Session) -> int:
    """How many words the index holds (every document)."""
    rows = _session_reader(session).rows("SELECT coalesce(sum(count), 0) FROM posting")
    return int(rows[0][0])


def annotate_document_in(session: Session, document: Document) -> Annotation:
    """Annotate and store one document inside the caller's transaction (the import path)."""
    assert document.id is not None
    annotation = annotate_text(document.text, document.language)
    store_annotation(session, document.id, annotation)
    document.nlp_version = NLP_VERSION
    return annotation


_FULL_CHECK_SECONDS = 30.0
_last_full_check: dict[str, float] = {}
_STALE = "SELECT id FROM document WHERE nlp_version IS NULL OR nlp_version != :version"
_UNSENTENCED = (
    "SELECT id, nlp_version FROM document WHERE NOT EXISTS"
    " (SELECT 1 FROM sentence WHERE sentence.document_id = document.id)"
)


def _stale_ids(reader: Reader, url: str = "") -> list[int]:
    """Documents whose annotation is missing or from another ``NLP_VERSION``.

    Every call finds documents without sentences (cheap: ids and an index); the full check
    of ``nlp_version`` (which on SQLite walks past every text) runs at most every 30 s per
    project in a process — it catches a version change or a text marked for re-annotation
    by setting ``nlp_version`` to None.
    """
    now = time.monotonic()
    if now - _last_full_check.get(url, -1e9) >= _FULL_CHECK_SECONDS or not url:
        ids = [int(i) for (i,) in reader.rows(_STALE, {"version": NLP_VERSION})]
        if not ids and url:
            _last_full_check[url] = now
        return ids
    rows = reader.rows(_UNSENTENCED)
    return [int(i) for i, version in rows if version != NLP_VERSION]


def documents_needing_annotation(project: Project | WriteTarget) -> list[int]:
    """Ids of documents without current annotation (e.g. imported from a .qdpx)."""
    target = as_write_target(project)
    with target.reading() as reader:
        return _stale_ids(reader, target.url)


class AnnotatedDict(TypedDict):
    """`annotate --json`: how many documents were annotated."""

    annotated: int


def annotated(done: int) -> AnnotatedDict:
    return AnnotatedDict(annotated=done)


def annotate_missing(
    project: Project | WriteTarget, progress: Progress = no_progress, batch_words: int = BATCH_WORDS
) -> int:
    """Annotate every document that lacks current annotation; returns how many were done."""
    return annotate_documents(project, documents_needing_annotation(project), progress, batch_words)


def annotate_documents(
    project: Project | WriteTarget,
    todo: list[int],
    progress: Progress = no_progress,
    batch_words: int = BATCH_WORDS,
) -> int:
    """Annotate these documents (ids) in batches of about ``batch_words`` words.

    Each batch is annotated together and stored in one transaction (a document is never
    half-annotated; its postings go into the index sorted, once per batch). Returns how
    many documents were annotated. (``nlp.annotating`` does the same beside an import,
    with a helper process on a second core.)
    """
    if not todo:
        return 0
    target = as_write_target(project)
    with target.reading() as reader:
        sql = "SELECT id, word_count FROM document WHERE id IN ({values})"
        sizes = {int(doc_id): int(count) for doc_id, count in rows_in(reader, sql, todo)}
    total = len(todo)
    done = 0
    known: dict[tuple[str, str], int] = {}  # term ids found so far (see ``term_ids``)
    for ids in batches(todo, sizes, batch_words):
        docs = document_texts(target, ids)
        progress(done, total, "annotating")
        if len(docs) == 1 and len(docs[0][1]) > SEGMENT_CHARS:
            annotate_large(target, *docs[0], known=known)
        else:
            # Each document's token rows become its postings at once and are dropped, so a
            # batch holds a few bytes a word (not a tuple per word) until it is stored.
            built = [
                built_from(doc_id, annotation)
                for (doc_id, _, _), annotation in zip(
                    docs, annotate_texts([(text, lang) for _, text, lang in docs]), strict=True
                )
            ]
            with target.writing("import") as writer:  # no coder waits for it
                store_built(writer, built, known)
            del built
        done += len(docs)
        del docs
    progress(total, total, "")
    return done


def document_texts(project: Project | WriteTarget, ids: list[int]) -> list[tuple[int, str, str]]:
    """``(id, text, language)`` of these documents (those that exist), in ``ids`` order."""
    sql = "SELECT id, text, language FROM document WHERE id IN ({values})"
    with as_write_target(project).reading() as reader:
        found = {int(d): (int(d), text, lang) for d, text, lang in rows_in(reader, sql, ids)}
    return [found[i] for i in ids if i in found]


def batches(todo: list[int], sizes: dict[int, int], batch_words: int) -> Iterator[list[int]]:
    """Runs of ``todo`` of about ``batch_words`` words (at least one document each)."""
    ids: list[int] = []
    words = 0
    for doc_id in todo:
        size = sizes.get(doc_id, 0)
        if ids and words + size > batch_words:
            yield ids
            ids, words = [], 0
        ids.append(doc_id)
        words += size
    if ids:
        yield ids


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


def annotate_large(
    project: Project | WriteTarget,
    doc_id: int,
    text: str,
    lang: str,
    known: dict[tuple[str, str], int] | None = None,
) -> None:
    """Annotate one long text segment by segment inside one transaction, so memory follows
    the segment (a million characters) plus a few bytes a word of postings, not the whole
    text's annotation, and the document is still never half-annotated. A phrase does not
    run across segments, as it does not across the pieces spaCy is given (``nlp.pipeline``)."""
    with as_write_target(project).writing("import") as writer:
        _roomy_cache(writer)
        forget_annotation(writer, [doc_id])
        postings = DocumentPostings()
        ordinal_base = sentence_base = 0
        for start, end in _segments(text, SEGMENT_CHARS):
            annotation = annotate_text(text[start:end], lang)
            postings.add(annotation.tokens, ordinal_base, start)
            sentences = [
                (doc_id, sentence_base + n, a + start, b + start)
                for n, (a, b) in enumerate(annotation.sentences)
            ]
            writer.insert_rows("sentence", _SENTENCE_COLUMNS, sentences)
            ordinal_base += max((t[0] for t in annotation.tokens), default=0) + 2
            sentence_base += len(sentences)
            del annotation
        _store_postings(writer, [(doc_id, term_rows(postings))], known)
        _mark_annotated(writer, [doc_id])
