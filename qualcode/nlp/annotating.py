"""Annotation beside an import: the documents are annotated while the next files are read
and stored, half of them in a helper process (``nlp.worker``) on a second core.

An import commits each file's text first (searchable by its exact words at once); the
words and lemmas follow here. ``Annotator.add`` is told of each document as it is
committed and hands it to the helper (a few documents ahead, no more); ``finish`` then
works from both ends — the helper from the front of what is left, this process from the
back — and stores everything in this process, in transactions of about ``BATCH_WORDS``
words (one writer, as ever). Below ``HELPER_MIN_WORDS`` no helper is started (its
start-up is not paid back) and everything is annotated here after the import, as
``nlp.store.annotate_documents`` does. Whatever the helper does not send back (it died, it
was killed) is annotated here; a process killed itself leaves documents without
annotation, which ``annotate_missing`` (the next search, or ``qualcode annotate``) does.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from qualcode.nlp.pipeline import annotate_texts
from qualcode.nlp.store import (
    BATCH_WORDS,
    SEGMENT_CHARS,
    annotate_documents,
    annotate_large,
    document_texts,
    store_built,
)
from qualcode.nlp.worker import Built, Helper, built_from
from qualcode.progress import Progress, no_progress
from qualcode.store.light_write import WriteTarget, as_write_target

if TYPE_CHECKING:
    from qualcode.db import Project

#: Words (of the files to import, guessed from their size) below which no helper process
#: is started: its start-up (~0.3 s of CPU, ~60 MB) is not paid back.
HELPER_MIN_WORDS = 150_000
BYTES_PER_WORD = 6  # a Danish or English word and its space in UTF-8, about
AHEAD = 3  # documents handed to the helper and not yet back, at most


def helper_wanted(total_bytes: int) -> bool:
    """Whether an import of this many bytes of text gets a helper process."""
    return total_bytes // BYTES_PER_WORD >= HELPER_MIN_WORDS and (os.cpu_count() or 1) >= 2


class Annotator:
    """Annotation of the documents of one import, with or without a helper."""

    def __init__(
        self,
        project: Project | WriteTarget,
        helper: bool,
        progress: Progress = no_progress,
        batch_words: int | None = None,
    ) -> None:
        self.project = as_write_target(project)
        self.progress = progress
        self.batch_words = batch_words or BATCH_WORDS
        self.todo: list[int] = []  # committed, not yet handed out
        self.words: dict[int, int] = {}
        self.done = 0
        self.total = 0
        self.known: dict[tuple[str, str], int] = {}  # term ids found so far (``term_ids``)
        self._pending: list[Built] = []  # annotated, not yet stored
        self._pending_words = 0
        self.helper: Helper | None = None
        if helper:
            try:
                self.helper = Helper()
            except OSError:
                self.helper = None  # no process to be had: everything is done here

    def add(self, doc_id: int, words: int) -> None:
        """A document was committed: annotate it (later, or in the helper now)."""
        self.todo.append(doc_id)
        self.words[doc_id] = words
        self.total += 1
        if self.helper is not None:
            self._collect(wait=False)
            self._feed()

    def finish(self) -> int:
        """Annotate and store everything added; returns how many documents were done."""
        try:
            if self.helper is None:
                self.done = annotate_documents(
                    self.project, self.todo, self.progress, self.batch_words
                )
                return self.done
            while self.todo or self.helper.outstanding:
                self._collect(wait=False)
                self._feed()
                if self.todo and (self.helper.ended or len(self.helper.outstanding) >= AHEAD):
                    self._annotate_here(self.todo.pop())  # the back: the helper has the front
                elif not self.todo and self.helper.outstanding:
                    self._collect(wait=True)
            self._store()
            self.helper.close()
            self.progress(self.total, self.total, "")
            return self.done
        finally:
            self.close()

    def close(self) -> None:
        """End the helper: at once if it is still working (the caller stopped early)."""
        if self.helper is not None:
            self.helper.close(kill=True)

    def _feed(self) -> None:
        helper = self.helper
        while helper is not None and self.todo and len(helper.outstanding) < AHEAD:
            if helper.ended:
                return
            batch = document_texts(self.project, [self.todo[0]])
            doc_id = self.todo.pop(0)
            if batch and len(batch[0][1]) <= SEGMENT_CHARS:
                helper.send(*batch[0])
            elif batch:
                self._annotate_here(doc_id, batch)
            # a document that is gone is not annotated (and not counted)

    def _collect(self, wait: bool) -> None:
        helper = self.helper
        if helper is None:
            return
        got = helper.ready()
        if wait and not got:
            one = helper.next()
            got = [one] if one is not None else []
        for item in got:
            self._keep(item)
        if helper.ended and helper.outstanding:
            # it died: what it held goes back to the list, for this process
            self.todo.extend(helper.outstanding)
            helper.outstanding.clear()

    def _annotate_here(self, doc_id: int, docs: list[tuple[int, str, str]] | None = None) -> None:
        docs = docs if docs is not None else document_texts(self.project, [doc_id])
        if not docs:
            return
        _, text, lang = docs[0]
        if len(text) > SEGMENT_CHARS:
            annotate_large(self.project, *docs[0], known=self.known)
            self.done += 1
            return
        self._keep(built_from(doc_id, next(annotate_texts([(text, lang)]))))

    def _keep(self, item: Built) -> None:
        self._pending.append(item)
        self._pending_words += self.words.get(item.document_id, 0)
        if self._pending_words >= self.batch_words:
            self._store()

    def _store(self) -> None:
        if not self._pending:
            return
        with self.project.writing("import") as writer:  # no coder waits for it
            store_built(writer, self._pending, self.known)
        self.done += len(self._pending)
        self._pending, self._pending_words = [], 0
        self.progress(self.done, self.total, "annotating")
