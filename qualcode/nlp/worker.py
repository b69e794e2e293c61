"""Annotation on a second core: a helper process that annotates the texts it is sent and
sends back their stored form (postings and sentence spans), so a large import annotates
half its documents beside the other half.

The helper never touches the project: the parent reads the texts, sends them, and stores
what comes back in its own transactions (one writer, as ever). It imports only the
annotation code (``nlp.pipeline``, ``postings``) — no ORM — so it starts in a fraction of a
second. On the wire (the helper's stdin and stdout, pickles between the parent and the
child it started): one list of ``(document id, text, language)`` in, then one ``Built`` out
per document, in order. A helper that dies or is killed only costs time: the parent
annotates what did not come back itself (``nlp.store.annotate_documents``).
"""

from __future__ import annotations

import pickle
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import BinaryIO

from qualcode.nlp.pipeline import Annotation, annotate_texts
from qualcode.postings import DocumentPostings

#: A term's stored form in one document: ``(lower, lemma, is_stop, count, posting data)``.
TermRow = tuple[str, str, bool, int, bytes]
#: Seconds the parent waits for one result before it takes the helper as hung (a document
#: of a million characters takes a few seconds).
RESULT_SECONDS = 120.0
_EXIT_SECONDS = 10.0  # a helper told to end exits within this (else it is killed)


@dataclass
class Built:
    """One document's annotation in its stored form: a posting per distinct word form (a
    few bytes a word) and the sentence spans. The token rows it was built from are not
    kept."""

    document_id: int
    terms: list[TermRow]
    sentences: list[tuple[int, int]]


def term_rows(postings: DocumentPostings) -> list[TermRow]:
    """The stored form of a document's postings."""
    stop = postings.stop
    return [
        (key[0], key[1], stop[key], writer.count, writer.payload())
        for key, writer in postings.terms.items()
    ]


def built_from(document_id: int, annotation: Annotation) -> Built:
    postings = DocumentPostings()
    postings.add(annotation.tokens)
    return Built(document_id, term_rows(postings), annotation.sentences)


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """The helper's side: annotate each ``(id, text, language)`` read from ``source``
    (until None or the end) and write its ``Built`` to ``sink`` as soon as it is done."""
    while True:
        try:
            item: tuple[int, str, str] | None = pickle.load(source)
        except EOFError:
            return
        if item is None:
            return
        doc_id, text, lang = item
        annotation = next(annotate_texts([(text, lang)]))
        pickle.dump(built_from(doc_id, annotation), sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


# The helper's program: ``serve`` imported by its module's name, so the classes it pickles
# are ``qualcode.nlp.worker``'s (``python -m`` would make them ``__main__``'s).
_MAIN = (
    "import sys; from qualcode.nlp.worker import serve; serve(sys.stdin.buffer, sys.stdout.buffer)"
)


class Helper:
    """A helper process seen from the parent: ``send`` hands it a document, ``end`` says
    there will be no more; results arrive on a queue filled by a reader thread (so the
    helper never waits for the parent to read) and texts go out through a writer thread
    (so the parent never waits for the helper to read). ``outstanding``: documents sent
    and not yet back, in order."""

    def __init__(self) -> None:
        self.outstanding: list[int] = []
        self._results: queue.Queue[Built | None] = queue.Queue()
        self._outbox: queue.Queue[tuple[int, str, str] | None] = queue.Queue()
        self._ended = False
        self._broken = False  # it sent what is not a result
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _MAIN],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        threading.Thread(target=self._send, daemon=True).start()
        threading.Thread(target=self._receive, daemon=True).start()

    @property
    def ended(self) -> bool:
        """The helper sends nothing more (it finished, died or was killed)."""
        return self._ended

    def send(self, doc_id: int, text: str, lang: str) -> None:
        """Hand the helper one document to annotate."""
        self.outstanding.append(doc_id)
        self._outbox.put((doc_id, text, lang))

    def end(self) -> None:
        """No more documents: the helper exits once it has sent back what it holds."""
        self._outbox.put(None)

    def _send(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while (item := self._outbox.get()) is not None:
                pickle.dump(item, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
            stdin.close()
        except (OSError, ValueError):
            pass  # the helper is gone: what it did not send back, the parent annotates

    def _receive(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while True:
                got = pickle.load(stdout)
                if not isinstance(got, Built):
                    self._broken = True
                    break
                self._results.put(got)
        except EOFError:
            pass  # it sent everything and closed its end (or died between two results)
        except Exception:  # noqa: BLE001 - a cut-off result: the helper died
            self._broken = True
        finally:
            self._results.put(None)

    def ready(self) -> list[Built]:
        """The results that have arrived so far (never waits)."""
        out: list[Built] = []
        while not self._ended:
            try:
                got = self._results.get_nowait()
            except queue.Empty:
                break
            if (taken := self._take(got)) is not None:
                out.append(taken)
        return out

    def next(self) -> Built | None:
        """The next result, waiting for it; None once the helper has ended (or sent
        nothing for ``RESULT_SECONDS``: then it is taken as hung, and killed)."""
        if self._ended:
            return None
        try:
            got = self._results.get(timeout=RESULT_SECONDS)
        except queue.Empty:
            self._broken = True
            self.proc.kill()
            got = None
        return self._take(got)

    def _take(self, got: Built | None) -> Built | None:
        """A result taken off the queue: no longer outstanding (None: the helper ended)."""
        if got is None:
            self._ended = True
        else:
            self.outstanding.remove(got.document_id)
        return got

    def close(self, kill: bool = False) -> None:
        """End the helper: told there is no more, it exits once it has sent back what it
        holds; it is killed at once with ``kill`` (the parent stopped early) or when what
        it sent could not be read (it may be waiting to write)."""
        self.end()
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=0 if kill or self._broken else _EXIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
