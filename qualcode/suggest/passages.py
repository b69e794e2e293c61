"""Reading the project: passages (a span, its context, the question before it) and the
uncoded units suggestions are made for."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from qualcode.models import (
    Code,
    Coding,
    Document,
    Sentence,
    Turn,
)
from qualcode.nlp.store import document_tokens
from qualcode.participants import is_interviewer_label
from qualcode.review import heading_spans
from qualcode.suggest.scorer import (
    _TOKEN,
    CONTEXT_CHARS,
    CONTEXT_SHARE,
    HEADING_SHARE,
    MODEL_CODEBOOK_MIN,
    QUESTION_SHARE,
    CodebookScorer,
    CodeScore,
    SuggestError,
    combine_evidence,
)

# ----------------------------------------------------------------------------------------
# Reading the project: passages, units, tokens


def _model_words(tokens: Iterable[_TOKEN], stops: frozenset[str]) -> list[str]:
    words = [
        lemma for lower, lemma in tokens if lower not in stops and any(c.isalpha() for c in lower)
    ]
    return words or ["_empty_"]


@dataclass
class Passage:
    """A span to classify, with the words around it that also tell what it is about.

    ``context`` is the rest of the speaker's turn near the span (or the text around it when
    the document has no turns); ``question`` the interviewer's question before it. For a
    coded span ``codes`` holds every code any coder gave it (training and evaluation).
    """

    document_id: int
    start: int
    end: int
    codes: set[str]
    tokens: list[_TOKEN]
    context: list[_TOKEN] = field(default_factory=list)
    question: list[_TOKEN] = field(default_factory=list)
    language: str = "da"
    headings: list[list[_TOKEN]] = field(default_factory=list)  # nearest first

    def evidence(
        self, scorers: dict[str, CodebookScorer], context_share: float = CONTEXT_SHARE
    ) -> dict[str, CodeScore]:
        """The codebook's evidence from the passage, its context (weighing
        ``context_share``), the question before it and the nearest heading above it that
        names a code ("3 Basal palliation"; a "Baggrund" or "Status" heading in between
        tells nothing and is passed over)."""
        scorer = scorers.get(self.language, scorers["da"])
        parts = [
            (scorer.score(self.tokens), 1.0),
            (scorer.score(self.context), context_share),
            (scorer.score_shared(self.question), QUESTION_SHARE),
        ]
        for heading in self.headings:
            found = scorer.score_shared(heading)
            if found:
                parts.append((found, HEADING_SHARE))
                break
        return combine_evidence(parts)

    def model_words(
        self, stops: frozenset[str], scorers: dict[str, CodebookScorer] | None = None
    ) -> list[str]:
        """The classifier's input: the passage's lemmas, the question's (``q_``), the
        context's (``c_``) and, with ``scorers``, which codes the codebook points to
        (``cb_<key>``, repeated by strength) — so the model learns how far to trust it."""
        words = _model_words(self.tokens, stops)
        words += ["q_" + w for w in _model_words(self.question, stops) if w != "_empty_"]
        words += ["c_" + w for w in _model_words(self.context, stops) if w != "_empty_"]
        if scorers is not None:
            evidence = self.evidence(scorers)
            top = max((e.score for e in evidence.values()), default=0.0)
            for key, ev in evidence.items():
                strength = ev.score / top if top > 0 else 0.0
                if strength >= MODEL_CODEBOOK_MIN:
                    words += [f"cb_{key}"] * (1 + int(3 * strength))
        return words


class _TokenIndex:
    """A document's tokens, searchable by offset."""

    def __init__(self, rows: list[tuple[int, int, str, str]]) -> None:
        rows.sort()
        self.starts = [r[0] for r in rows]
        self.rows = rows

    def within(self, start: int, end: int) -> list[_TOKEN]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.rows) and self.rows[i][0] < end:
            if self.rows[i][1] <= end:
                out.append((self.rows[i][2], self.rows[i][3]))
            i += 1
        return out


def _token_indexes(session: Session, doc_ids: list[int]) -> dict[int, _TokenIndex]:
    rows = document_tokens(session, doc_ids)
    return {d: _TokenIndex(rows.get(d, [])) for d in doc_ids}


class _DocView:
    """A document's tokens and turns: the passage, its context and the question before it."""

    def __init__(
        self,
        tokens: _TokenIndex,
        turns: list[tuple[int, int, bool]],
        language: str,
        headings: list[tuple[int, int]] | None = None,
    ) -> None:
        self.tokens = tokens
        self.turns = sorted(turns)
        self.turn_starts = [t[0] for t in self.turns]
        self.language = language
        self.headings = sorted(headings or [])
        self.heading_starts = [h[0] for h in self.headings]
        self._questions: dict[int, list[_TOKEN]] = {}
        self._heading_tokens: dict[int, list[_TOKEN]] = {}

    def headings_before(self, start: int) -> list[list[_TOKEN]]:
        """The tokens of the headings above ``start``, nearest first (at most ``MAX_HEADINGS``)."""
        i = bisect.bisect_right(self.heading_starts, start) - 1
        out = []
        while i >= 0 and len(out) < MAX_HEADINGS:
            if i not in self._heading_tokens:  # shared: its evidence is scored once
                self._heading_tokens[i] = self.tokens.within(*self.headings[i])
            if self.headings[i][1] <= start:
                out.append(self._heading_tokens[i])
            i -= 1
        return out

    def passage(self, start: int, end: int, codes: set[str] | None = None) -> Passage:
        core = self.tokens.within(start, end)
        i = bisect.bisect_right(self.turn_starts, start) - 1
        lo, hi = start - CONTEXT_CHARS, end + CONTEXT_CHARS // 2
        question: list[_TOKEN] = []
        if i >= 0 and self.turns[i][0] <= start < self.turns[i][1]:
            lo, hi = max(lo, self.turns[i][0]), min(hi, self.turns[i][1])
            j = i - 1
            while j >= 0 and not self.turns[j][2]:
                j -= 1
            if j >= 0 and i - j <= 3:
                if j not in self._questions:  # shared: its evidence is scored once
                    self._questions[j] = self.tokens.within(self.turns[j][0], self.turns[j][1])
                question = self._questions[j]
        context = self.tokens.within(max(lo, 0), start) + self.tokens.within(end, hi)
        headings = self.headings_before(start) if not self.turns else []
        return Passage(
            0, start, end, codes or set(), core, context, question, self.language, headings
        )


def doc_views(session: Session, doc_ids: list[int]) -> dict[int, _DocView]:
    index = _token_indexes(session, doc_ids)
    langs = _document_language(session)
    turns: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for d, st, en, speaker, pid in session.exec(
        select(  # pyright: ignore[reportCallIssue]  # sqlmodel types select() up to 4 columns
            Turn.document_id, Turn.start, Turn.end, Turn.speaker, Turn.participant_id
        ).where(col(Turn.document_id).in_(doc_ids))
    ).all():
        turns[d].append((st, en, pid is None and is_interviewer_label(speaker)))
    untold = [d for d in doc_ids if d not in turns]
    headings: dict[int, list[tuple[int, int]]] = {}
    if untold:
        for d, text in session.exec(
            select(Document.id, Document.text).where(col(Document.id).in_(untold))
        ).all():
            if d is not None:
                headings[d] = heading_spans(text)
    return {
        d: _DocView(index[d], turns.get(d, []), langs.get(d, "da"), headings.get(d))
        for d in doc_ids
    }


def passage_at(
    views: dict[int, _DocView], d: int, start: int, end: int, codes: set[str] | None = None
) -> Passage:
    p = views[d].passage(start, end, codes)
    p.document_id = d
    return p


def codebook_codes(session: Session) -> list[Code]:
    codes = list(session.exec(select(Code).order_by(col(Code.position), col(Code.id))))
    if not codes:
        raise SuggestError(
            "the project has no codebook", "Load one with `qualcode codebook load FILE`."
        )
    return codes


def coded_passages(session: Session, visible: ColumnElement[bool] | None = None) -> list[Passage]:
    """Every distinct coded span with the union of its codes (all coders, or only the
    codings ``visible`` lets through: a blind coder's own and the reviewed ones)."""
    key_by_id = {c.id: c.key for c in session.exec(select(Code))}
    spans: dict[tuple[int, int, int], set[str]] = defaultdict(set)
    stmt = select(Coding.document_id, Coding.code_id, Coding.start, Coding.end)
    if visible is not None:
        stmt = stmt.where(visible)
    for d, code_id, s, e in session.exec(stmt).all():
        if code_id in key_by_id:
            spans[(d, s, e)].add(key_by_id[code_id])
    views = doc_views(session, sorted({d for d, _, _ in spans}))
    return [passage_at(views, d, s, e, codes) for (d, s, e), codes in sorted(spans.items())]


def _document_language(session: Session) -> dict[int, str]:
    rows = session.exec(select(Document.id, Document.language)).all()
    return {int(i): lang for i, lang in rows if i is not None}


# ----------------------------------------------------------------------------------------
# Suggesting


_METADATA_LINE = re.compile(
    r"^\s*(optaget|dato|sted|tid|varighed|interviewer|interviewet af|deltagere|til stede|"
    r"referent|transskriberet|transskription|recorded|date|location|participants)\b",
    re.IGNORECASE,
)
_HEADING_MAX = 80
MAX_HEADINGS = 6  # how far up a report's heading chain a passage looks for its topic


def _turn_spans(
    session: Session, doc_id: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(the interviewer's turns, everyone else's turns) of a document."""
    asking: list[tuple[int, int]] = []
    answering: list[tuple[int, int]] = []
    for t in session.exec(select(Turn).where(Turn.document_id == doc_id)):
        if t.participant_id is None and is_interviewer_label(t.speaker):
            asking.append((t.start, t.end))
        else:
            answering.append((t.start, t.end))
    return asking, answering


def is_metadata_line(line: str) -> bool:
    """A line that is not something a participant said: a recording note ("Optaget 3. maj"),
    a "Dato:"-style field, or a heading (short, no sentence punctuation at its end)."""
    stripped = line.strip()
    if not stripped:
        return True
    if _METADATA_LINE.match(stripped):
        return True
    return len(stripped) <= _HEADING_MAX and stripped[-1] not in ".?!:;\"'»”)"


def _line_of(text: str, start: int, end: int) -> str:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return text[a : b if b != -1 else len(text)]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def uncoded_units(
    session: Session, doc_ids: list[int] | None, visible: ColumnElement[bool] | None = None
) -> list[tuple[int, int, int]]:
    """(document, start, end) of sentences a participant said that nobody has coded (with
    ``visible``: that no coding it lets through covers — a blind coder is not told which
    sentences the others coded).

    With speaker turns: only sentences inside a participant's turn (never the interviewer's,
    the title or a recording note before the first turn). Without turns (a report, notes):
    sentences whose line is not a heading or a metadata line (``is_metadata_line``).
    """
    stmt = select(Sentence.document_id, Sentence.start, Sentence.end)
    if doc_ids is not None:
        stmt = stmt.where(col(Sentence.document_id).in_(doc_ids))
    sentences = session.exec(stmt.order_by(col(Sentence.document_id), col(Sentence.start))).all()
    coded: dict[int, list[tuple[int, int]]] = defaultdict(list)
    cstmt = select(Coding.document_id, Coding.start, Coding.end)
    if doc_ids is not None:
        cstmt = cstmt.where(col(Coding.document_id).in_(doc_ids))
    if visible is not None:
        cstmt = cstmt.where(visible)
    for d, s, e in session.exec(cstmt).all():
        coded[d].append((s, e))
    turns: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    texts: dict[int, str] = {}
    out = []
    for d, s, e in sentences:
        if d not in turns:
            turns[d] = _turn_spans(session, d)
        asking, answering = turns[d]
        if e - s < 25 or _overlaps(coded[d], s, e) or _overlaps(asking, s, e):
            continue
        if answering:
            if not _overlaps(answering, s, e):
                continue  # a title or a note outside every participant's turn
        else:
            if d not in texts:
                doc = session.get(Document, d)
                texts[d] = doc.text if doc is not None else ""
            if is_metadata_line(_line_of(texts[d], s, e)):
                continue
        out.append((d, s, e))
    return out
