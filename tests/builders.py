"""The one project builder of the test suite.

Every test project is made here: a project on a backend, then documents with turns and
speakers, a codebook, codings by coder, quotes, memos, and participants with their consent.
The named scenarios elsewhere (``store.helpers.prepare``, ``cli.study.make_study``,
``synthesis.known``, ``exchange.helpers.build_project``, ``quotes.helpers``) are short
recipes over this builder, not builders of their own.

    build = ProjectBuilder(project, tmp_path)            # or the ``build`` fixture
    build.codebook("kraeftplan").participants(CSV_TEXT)
    doc = build.imported("holm.txt", TEXT)                # through the importer, as a user
    doc = build.document("d1", [("I", "Hvorfor?"), ("Anna", "Fordi.")], participants=["Anna"])
    build.code(doc, "Fordi.", "1.1", coder="ida")

Three ways in for a document, each for a reason:
- ``imported``: a file written into the builder's folder and imported (parsers, language
  detection, speaker linking: what a researcher gets);
- ``document``: turns given as (speaker, body) pairs, stored with the importer's own
  ``store_parsed`` (every offset known in advance, no file);
- ``raw_document``: rows straight into the tables, no NLP (fast enough for property tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from qualcode import quotes
from qualcode.codebook import load_codebook, resolve_code
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.formats.parsed import ParsedDocument, ParsedTurn
from qualcode.importing import import_files, import_one, store_parsed
from qualcode.models import Code, Document, DocumentParticipant, Memo, Participant, Turn
from qualcode.participants import default_pseudonym, import_participants
from qualcode.rows import stored_id


@dataclass
class Person:
    """A participant as the builder stores it (``raw`` people and ``raw_document`` speakers)."""

    name: str
    title: str = ""
    organisation: str = ""
    consent: str = "named"
    language: str = "da"
    pseudonym: str = ""
    expertise: str = ""
    turns: list[str] = field(default_factory=list)


@dataclass
class RawCode:
    """A code written straight into the table (``codes``): no codebook file."""

    key: str
    kind: str
    label_da: str
    label_en: str = ""
    parent: str | None = None


def turned(parts: Sequence[tuple[str, str]]) -> tuple[str, list[ParsedTurn]]:
    """A transcript from (speaker, body) pairs: ``Speaker: body`` turns a blank line apart."""
    text = ""
    turns = []
    for speaker, body in parts:
        start = len(text)
        text += f"{speaker}: {body}"
        turns.append(ParsedTurn(speaker, start, len(text)))
        text += "\n\n"
    return text, turns


def span_of(text: str, phrase: str, *, unique: bool = False) -> tuple[int, int]:
    """The [start, end) of the first ``phrase`` in ``text`` (``unique``: it occurs once)."""
    start = text.index(phrase)
    assert not unique or text.count(phrase) == 1, phrase
    return start, start + len(phrase)


@dataclass
class ProjectBuilder:
    """Builds a test project step by step; each step returns the builder or the new id."""

    project: Project
    # Where source files (codebook TOML, CSV, texts) are written; a temporary folder, made
    # when first needed, if none is given.
    folder_given: Path | None = None
    texts: dict[int, str] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        if self.folder_given is None:
            self.folder_given = Path(tempfile.mkdtemp(prefix="qc-build-"))
        self.folder_given.mkdir(parents=True, exist_ok=True)
        return self.folder_given

    # --- codebook and people --------------------------------------------------------------

    def codebook(self, source: str | Path, name: str = "codebook.toml") -> ProjectBuilder:
        """Load a codebook: a bundled name (``"kraeftplan"``), a file, or TOML text."""
        if isinstance(source, str) and "\n" in source:
            path = self.folder / name
            path.write_text(source, encoding="utf-8")
            source = path
        load_codebook(self.project, source)
        return self

    def codes(self, rows: Sequence[RawCode]) -> ProjectBuilder:
        """Codes straight into the table, parents before children (no codebook file)."""
        with self.project.transaction() as s:
            ids: dict[str, int | None] = {}
            for row in rows:
                code = Code(key=row.key, kind=row.kind, label_da=row.label_da,
                            label_en=row.label_en,
                            parent_id=ids[row.parent] if row.parent else None)  # fmt: skip
                s.add(code)
                s.flush()
                ids[row.key] = code.id
        return self

    def participants(self, source: str | Path, name: str = "participants.csv") -> ProjectBuilder:
        """Import participants from a CSV file, or from CSV text (written to the folder)."""
        if isinstance(source, str) and "\n" in source:
            path = self.folder / name
            path.write_text(source, encoding="utf-8")
            source = path
        import_participants(self.project, Path(source))
        return self

    def people(self, people: Sequence[Person]) -> list[int]:
        """Participants straight into the table; an empty pseudonym becomes
        ``participants.default_pseudonym(id)`` (as ``import_participants`` gives it)."""
        with self.project.transaction() as s:
            rows = self._store_people(s, people)
            return [row.id for row in rows if row.id is not None]

    def _store_people(self, s: Session, people: Sequence[Person]) -> list[Participant]:
        rows = [self._person_row(p) for p in people]
        s.add_all(rows)
        s.flush()
        for row in rows:
            if not row.pseudonym:
                row.pseudonym = default_pseudonym(stored_id(row))
        return rows

    @staticmethod
    def _person_row(p: Person) -> Participant:
        return Participant(name=p.name, title=p.title, organisation=p.organisation,
                           expertise=p.expertise, consent=p.consent, language=p.language,
                           pseudonym=p.pseudonym)  # fmt: skip

    # --- documents ------------------------------------------------------------------------

    def write(self, name: str, text: str) -> Path:
        """A source file in the builder's folder (sub-folders are made)."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def imported(
        self,
        name: str,
        text: str,
        *,
        kind: str | None = None,
        participants: list[str] | None = None,
        title: str | None = None,
    ) -> int:
        """Write ``text`` to ``name`` and import it as a user would; returns the document id."""
        path = self.write(name, text)
        outcome = import_one(self.project, path, kind=kind, participants=participants, title=title)
        assert outcome.status == "imported" and outcome.document_id is not None, outcome.message
        self.texts[outcome.document_id] = text
        return outcome.document_id

    def import_paths(self, paths: Sequence[Path]) -> list[int]:
        """Import files that already exist (the bundled corpus, a written study)."""
        outcomes = import_files(self.project, list(paths))
        for outcome in outcomes:
            assert outcome.status == "imported", outcome.message
        return [o.document_id for o in outcomes if o.document_id is not None]

    def document(
        self,
        name: str,
        parts: Sequence[tuple[str, str]] | str,
        *,
        kind: str | None = None,
        participants: list[str] | None = None,
        language: str | None = None,
        title: str | None = None,
        date: dt.date | None = None,
    ) -> int:
        """A document from (speaker, body) turns (or plain text, no turns), stored by the
        importer without a file; returns its id."""
        text, turns = (parts, []) if isinstance(parts, str) else turned(parts)
        outcome = store_parsed(
            self.project,
            ParsedDocument(text=text, turns=turns),
            source_name=f"{name}.txt",
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            kind=kind,
            participants=participants,
            language=language,
            title=title,
            date=date,
        )
        assert outcome.document_id is not None, outcome.message
        self.texts[outcome.document_id] = text
        return outcome.document_id

    def raw_document(
        self, title: str, people: Sequence[Person], interviewer: str = "I"
    ) -> dict[str, tuple[int, int]]:
        """An interview straight into the tables (no NLP): its people are created, and turns
        alternate ``interviewer`` / each person's ``turns``. Returns each turn body's span."""
        parts: list[tuple[str, str, int | None]] = []
        spans: dict[str, tuple[int, int]] = {}
        with self.project.transaction() as s:
            rows = self._store_people(s, people)
            for i in range(max(len(p.turns) for p in people)):
                parts.append((interviewer, f"Spørgsmål nummer {i + 1}?", None))
                for p, row in zip(people, rows, strict=True):
                    if i < len(p.turns):
                        parts.append((p.name, p.turns[i], row.id))
            text = ""
            turns = []
            for ordinal, (speaker, body, pid) in enumerate(parts):
                start = len(text)
                text += f"{speaker}: "
                spans[body] = (len(text), len(text) + len(body))
                text += body
                turns.append((ordinal, speaker, pid, start, len(text)))
                text += "\n\n"
            doc = Document(title=title, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                           word_count=len(text.split()))  # fmt: skip
            s.add(doc)
            s.flush()
            doc_id = stored_id(doc)
            for row in rows:
                s.add(DocumentParticipant(document_id=doc_id, participant_id=stored_id(row)))
            for ordinal, speaker, pid, start, end in turns:
                s.add(Turn(document_id=doc_id, ordinal=ordinal, speaker=speaker,
                           participant_id=pid, start=start, end=end))  # fmt: skip
        self.texts[doc_id] = text
        return spans

    # --- codings, quotes, memos -----------------------------------------------------------

    def code(
        self,
        document: int,
        where: str | tuple[int, int],
        key: str,
        coder: str = "ida",
        memo: str = "",
        *,
        unique: bool = False,
    ) -> tuple[int, int]:
        """Code a phrase of a document this builder made (or a (start, end) span) as
        ``coder``; returns the span coded."""
        if isinstance(where, str):
            where = span_of(self.texts[document], where, unique=unique)
        apply_code(self.project, document, key, where[0], where[1], coder, memo)
        return where

    def quote(self, document: int, span: tuple[int, int], key: str, coder: str = "ida") -> int:
        """A quote candidate of a span; returns its id."""
        return quotes.add_quote(self.project, document, span[0], span[1], key, coder)["id"]

    def code_memo(self, key: str, text: str) -> None:
        """A memo on a code."""
        with self.project.transaction() as s:
            code = resolve_code(s, key)
            s.add(Memo(target_kind="code", target_id=code.id, text=text))
