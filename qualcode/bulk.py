"""Bulk coding and bulk quotes from a file: many rows, one transaction, all or nothing.

A script that codes a study one ``qualcode code`` process per coding pays the start-up of
the whole program every time; ``qualcode code --from FILE`` and ``qualcode quotes add --from
FILE`` take every row at once. The file is CSV (a header row) or JSON lines (one object per
line). Columns / keys:

- ``document`` (id or title), ``code`` (key or label);
- either ``start`` and ``end`` (character offsets) or ``match`` (exact text, once);
- optional ``memo`` and ``coder`` (codings), ``wording``, ``draft`` and ``coder`` (quotes).

Every row is checked before anything is written; if any row is bad, nothing is written and
the error names every bad row by its line number. Codings go in as one undoable action.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from sqlalchemy import select as sql_select
from sqlmodel import Session, select

from qualcode import quotes as q
from qualcode.codebook import resolve_code
from qualcode.coding import check_span, find_match, get_or_create_coder
from qualcode.db import Project
from qualcode.documents import resolve_document, speaker_of
from qualcode.errors import QualcodeError
from qualcode.history import record_action
from qualcode.models import CODING_ORIGINS, Code, Coder, Coding, Document, Quote, utcnow
from qualcode.rows import stored_id
from qualcode.store.fastpath import table_of

MAX_REPORTED = 200  # bad rows listed in one error (the count is always complete)
_KNOWN_CODING_KEYS = frozenset({"document", "start", "end", "match", "code", "memo", "coder"})
_KNOWN_QUOTE_KEYS = frozenset(
    {"document", "start", "end", "match", "code", "wording", "draft", "coder"}
)

T = TypeVar("T")


class BulkError(QualcodeError):
    """One or more rows of a bulk file are bad; nothing was written."""

    def __init__(self, path: str, problems: list[tuple[int, str]], rows: int) -> None:
        shown = problems[:MAX_REPORTED]
        lines = [f"  line {line}: {problem}" for line, problem in shown]
        if len(problems) > len(shown):
            lines.append(f"  ... and {len(problems) - len(shown)} more")
        verb = "is" if len(problems) == 1 else "are"
        message = (
            f"{path}: {len(problems)} of {rows} rows {verb} bad; nothing was written\n"
            + "\n".join(lines)
        )
        super().__init__(message, "Fix the lines named above and run the command again.")
        self.problems = problems


@dataclass
class BulkRow:
    """One row of a bulk file, with the line it came from (1 = the first line of the file)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip() if key != "memo" else self.values.get(key, "")


class BulkResult(TypedDict):
    """What a bulk command did."""

    file: str
    rows: int
    added: int
    ids: list[int]


def _is_json_lines(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return True
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip().startswith("{")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def read_rows(path: Path) -> list[BulkRow]:
    """The rows of a CSV (comma or semicolon, with a header) or JSON-lines file.

    A line that cannot be read is a row whose ``values`` hold the problem under ``"!"``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise QualcodeError(f"{path}: no such file") from exc
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise QualcodeError(f"{path}: the file is empty", "Give one row per coding.")
    if _is_json_lines(path, text):
        return _json_rows(text)
    return _csv_rows(text)


def _json_rows(text: str) -> list[BulkRow]:
    rows: list[BulkRow] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(BulkRow(n, {"!": f"not JSON ({exc.msg})"}))
            continue
        if not isinstance(data, dict):
            rows.append(BulkRow(n, {"!": "not a JSON object"}))
            continue
        rows.append(BulkRow(n, {str(k).lower(): _text(v) for k, v in data.items()}))
    return rows


def _csv_rows(text: str) -> list[BulkRow]:
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[BulkRow] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in record]
                continue
            line = reader.line_num
            if len(record) > len(header):
                rows.append(BulkRow(line, {"!": f"{len(record)} cells, header has {len(header)}"}))
                continue
            rows.append(BulkRow(line, dict(zip(header, record, strict=False))))
    except csv.Error as exc:
        rows.append(BulkRow(reader.line_num, {"!": f"not CSV ({exc})"}))
    if header is None:
        raise QualcodeError("the file has no header row", "The first line names the columns.")
    return rows


def _check_columns(path: Path, rows: list[BulkRow], known: frozenset[str]) -> None:
    keys = {k for row in rows for k in row.values if k != "!"}
    unknown = sorted(keys - known)
    if unknown:
        raise QualcodeError(
            f"{path}: unknown column(s) {', '.join(unknown)}",
            "Columns: " + ", ".join(sorted(known)) + ".",
        )


class _Resolver:
    """Documents, codes and coders by the names rows give, each looked up once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.docs: dict[str, Document | QualcodeError] = {}
        self.codes: dict[str, Code | QualcodeError] = {}
        self.coders: dict[str, Coder] = {}

    def document(self, ref: str) -> Document:
        return _remembered(self.docs, ref, "document", lambda: resolve_document(self.session, ref))

    def code(self, name: str) -> Code:
        return _remembered(self.codes, name, "code", lambda: resolve_code(self.session, name))

    def coder(self, name: str) -> Coder:
        if name not in self.coders:
            self.coders[name] = get_or_create_coder(self.session, name)
        return self.coders[name]


class _Keys:
    """The ids a coding row names, each name resolved once per file (``_Resolver``) and
    then read from plain dictionaries: at thousands of rows, ORM attribute reads and
    repeated look-ups cost more than the insert."""

    def __init__(self, resolve: _Resolver, default_coder: str) -> None:
        self.resolve = resolve
        self.default_coder = default_coder
        self.docs: dict[str, tuple[Document, int, int]] = {}  # ref: (row, id, length)
        self.codes: dict[str, int] = {}
        self.coders: dict[str, int] = {}

    def document(self, ref: str) -> tuple[Document, int, int]:
        found = self.docs.get(ref)
        if found is None:
            doc = self.resolve.document(ref.strip())
            found = self.docs[ref] = (doc, stored_id(doc), len(doc.text))
        return found

    def code(self, name: str) -> int:
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = stored_id(self.resolve.code(name.strip()))
        return found

    def coder(self, name: str) -> int:
        found = self.coders.get(name)
        if found is None:
            who = name.strip() or self.default_coder
            found = self.coders[name] = stored_id(self.resolve.coder(who))
        return found

    def plan(self, row: BulkRow) -> tuple[int, int, int, int, int, int, str]:
        """``(line, document, code, coder, start, end, memo)`` of a good row (else raises)."""
        values = row.values
        doc, doc_id, length = self.document(values.get("document", ""))
        code_id = self.code(values.get("code", ""))
        start, end = values.get("start", ""), values.get("end", "")
        if values.get("match") or not (start.isdigit() and end.isdigit()):
            a, b = _span(row, doc)
        else:
            a, b = int(start), int(end)
            if not a < b <= length:
                check_span(doc, a, b)
        coder_id = self.coder(values.get("coder", ""))
        return row.line, doc_id, code_id, coder_id, a, b, values.get("memo", "")


def _span(row: BulkRow, doc: Document) -> tuple[int, int]:
    match, start, end = row.values.get("match", ""), row.get("start"), row.get("end")
    if match:
        if start or end:
            raise QualcodeError("give either match or start/end, not both")
        return find_match(doc, match)
    if not start or not end:
        raise QualcodeError("give start and end, or match")
    try:
        a, b = int(start), int(end)
    except ValueError as exc:
        raise QualcodeError(f"start/end {start!r}/{end!r} are not whole numbers") from exc
    check_span(doc, a, b)
    return a, b


def _describe(exc: QualcodeError) -> str:
    text = exc.message
    if exc.hint and ("did you mean" in exc.hint.lower() or "closest" in exc.hint.lower()):
        text += f" ({exc.hint})"
    return text


def _twins(
    session: Session, planned: list[tuple[int, int, int, int, int, int, str]]
) -> list[tuple[int, str]]:
    """Rows that would code a span again with the same code for the same coder — already
    stored, or twice in the file: ``qualcode code`` refuses such a coding, and a file run
    twice must not double every count."""
    stored: dict[tuple[int, ...], int] = {}
    documents = sorted({row[1] for row in planned})
    for i in range(0, len(documents), 900):
        chunk = documents[i : i + 900]
        t = table_of(Coding).c
        found = session.connection().execute(
            sql_select(t.document_id, t.code_id, t.coder_id, t.start, t.end, t.id).where(
                t.document_id.in_(chunk)
            )
        )
        stored.update(((d, c, w, a, b), int(n or 0)) for d, c, w, a, b, n in found)
    seen: dict[tuple[int, ...], int] = {}
    problems: list[tuple[int, str]] = []
    for line, *span, _memo in planned:
        key = tuple(span)
        if key in stored:
            problems.append(
                (line, f"already coded with this code by this coder (coding {stored[key]})")
            )
        elif key in seen:
            problems.append((line, f"the same coding as line {seen[key]}"))
        else:
            seen[key] = line
    return problems


def _fail_if_problems(source: str, problems: list[tuple[int, str]], rows: int) -> None:
    if problems:
        raise BulkError(source, problems, rows)


def add_codings_bulk(
    project: Project,
    path: Path,
    coder: str,
    origin: str = "manual",
) -> BulkResult:
    """Add every coding of a file in one transaction, as one undoable action of ``coder``.

    ``coder`` is who ran the command (the undo step is theirs) and the default coder of
    rows without a ``coder`` column. Any bad row: nothing is written, every bad line named.
    """
    rows = read_rows(path)
    _check_columns(path, rows, _KNOWN_CODING_KEYS)
    return add_coding_rows(project, rows, coder, str(path), origin)


def add_coding_rows(
    project: Project, rows: list[BulkRow], coder: str, source: str, origin: str = "manual"
) -> BulkResult:
    """``add_codings_bulk`` for rows already in memory (``source`` names them in messages
    and in the undo step)."""
    if origin not in CODING_ORIGINS:
        raise QualcodeError(f"unknown origin {origin!r}")
    if not rows:
        raise QualcodeError(f"{source}: no rows under the header", "Give one row per coding.")
    with project.transaction() as s:
        keys = _Keys(_Resolver(s), coder)
        problems: list[tuple[int, str]] = []
        planned: list[tuple[int, int, int, int, int, int, str]] = []
        for row in rows:
            if "!" in row.values:
                problems.append((row.line, row.values["!"]))
                continue
            try:
                planned.append(keys.plan(row))
            except QualcodeError as exc:
                problems.append((row.line, _describe(exc)))
        problems += _twins(s, planned)
        _fail_if_problems(source, sorted(problems), len(rows))
        added = _insert_codings(s, planned, origin)
        label = f"code {len(added)} rows from {Path(source).name}"
        record_action(s, coder, label, added_snapshots=added)
        ids = [int(c["id"]) for c in added]
    return {"file": source, "rows": len(rows), "added": len(ids), "ids": ids}


_COLUMNS = ("id", "document_id", "code_id", "coder_id", "start", "end", "memo", "origin", "guid")
# SQLite's last coding id given out (AUTOINCREMENT's counter: an undone coding's id is never
# given out again), or the largest stored one where the counter has no row yet.
_NEXT_SQLITE_ID = (
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'coding'), 0),"
    " coalesce((SELECT max(id) FROM coding), 0))"
)


def _guids(n: int) -> list[str]:
    """``n`` new GUIDs shaped as ``models.new_guid`` makes them (random, version 4,
    upper-case, hyphenated), from one read of the system's randomness."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex().upper()
    return [
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (text[i : i + 32] for i in range(0, 32 * n, 32))
    ]


def _insert_codings(
    session: Session, planned: list[tuple[int, int, int, int, int, int, str]], origin: str
) -> list[dict[str, Any]]:
    """Insert the checked rows with one executemany of plain tuples; returns each coding
    as the undo log snapshots it (``history.coding_snapshot``'s fields), without building
    ORM objects — at thousands of rows those cost more than the insert itself.

    The ids are ours before the insert: on SQLite the ones after the last given out (the
    write transaction holds its only write lock), on PostgreSQL drawn from the sequence."""
    if not planned:
        return []
    now = utcnow()
    conn = session.connection()
    n = len(planned)
    if conn.dialect.name == "sqlite":
        first = int(conn.exec_driver_sql(_NEXT_SQLITE_ID).scalar() or 0) + 1
        ids = list(range(first, first + n))
        marks = ", ".join("?" for _ in range(len(_COLUMNS) + 1))
    else:
        series = "SELECT nextval('coding_id_seq') FROM generate_series(1, %(n)s)"
        ids = [int(i) for (i,) in conn.exec_driver_sql(series, {"n": n}).all()]
        marks = ", ".join("%s" for _ in range(len(_COLUMNS) + 1))
    # the column type's own conversion of the one timestamp, done once
    kind = table_of(Coding).c.created.type.dialect_impl(conn.dialect)
    convert = kind.bind_processor(conn.dialect)
    stamp = convert(now) if convert is not None else now
    guids = _guids(n)
    rows = [
        (new_id, d, c, w, a, b, memo, origin, guid, stamp)
        for new_id, guid, (_, d, c, w, a, b, memo) in zip(ids, guids, planned, strict=True)
    ]
    names = ", ".join(f'"{name}"' for name in (*_COLUMNS, "created"))
    conn.exec_driver_sql(f"INSERT INTO coding ({names}) VALUES ({marks})", rows)
    created = now.isoformat()
    return [dict(zip(_COLUMNS, row[:-1], strict=True)) | {"created": created} for row in rows]


def add_quotes_bulk(project: Project, path: Path, who: str) -> BulkResult:
    """Make a candidate quote of every row of a file in one transaction, all or nothing.

    Rows name ``document``, the passage (``match`` or ``start``/``end``), and optionally
    ``code``, ``wording``, ``draft`` and ``coder`` (who adds it; default ``who``). A row
    that repeats an existing quote (same passage, same code) or an earlier row is bad.
    """
    rows = read_rows(path)
    _check_columns(path, rows, _KNOWN_QUOTE_KEYS)
    return add_quote_rows(project, rows, who, str(path))


def add_quote_rows(project: Project, rows: list[BulkRow], who: str, source: str) -> BulkResult:
    """``add_quotes_bulk`` for rows already in memory (``source`` names them in messages)."""
    if not rows:
        raise QualcodeError(f"{source}: no rows under the header", "Give one row per quote.")
    with project.transaction() as s:
        resolve = _Resolver(s)
        problems: list[tuple[int, str]] = []
        seen: set[tuple[int, int, int, int | None]] = set()
        made: list[Quote] = []
        for row in rows:
            if "!" in row.values:
                problems.append((row.line, row.values["!"]))
                continue
            try:
                doc = resolve.document(row.get("document"))
                code = resolve.code(row.get("code")) if row.get("code") else None
                start, end = _span(row, doc)
                quote = _quote_row(s, doc, start, end, code, row.get("coder") or who, row)
            except QualcodeError as exc:
                problems.append((row.line, _describe(exc)))
                continue
            key = (quote.document_id, quote.start, quote.end, quote.code_id)
            if key in seen:
                problems.append((row.line, "the same passage and code as an earlier row"))
                continue
            seen.add(key)
            made.append(quote)
        _fail_if_problems(source, problems, len(rows))
        for quote in made:
            s.add(quote)
        s.flush()
        for quote in made:
            q.add_event(s, stored_id(quote), quote.created_by, None, q.CANDIDATE, "created")
        ids = [quote.id for quote in made if quote.id is not None]
    return {"file": source, "rows": len(rows), "added": len(ids), "ids": ids}


def _quote_row(
    session: Session, doc: Document, start: int, end: int, code: Code | None, who: str, row: BulkRow
) -> Quote:
    """The candidate quote one row asks for, checked as ``quotes.add_quote`` checks it
    (whitespace trimmed, one speaker, not a duplicate), not yet added to the session."""
    a, b = q.normalise_span(doc.text, start, end)
    if a >= b:
        raise QualcodeError(f"the passage {start}-{end} is only whitespace")
    person = speaker_of(session, doc, a, b)
    source = doc.text[a:b]
    wording = row.values.get("wording", "").strip() or source.strip()
    dup = session.exec(
        select(Quote.id).where(
            Quote.document_id == doc.id,
            Quote.start == a,
            Quote.end == b,
            Quote.code_id == (code.id if code else None),
            Quote.status != q.WITHDRAWN,
        )
    ).first()
    if dup is not None:
        raise QualcodeError(f"that passage is already quote {dup} for the same code")
    return Quote(
        document_id=stored_id(doc),
        participant_id=stored_id(person),
        code_id=code.id if code else None,
        start=a,
        end=b,
        source_text=source,
        wording=wording,
        draft_paragraph=row.values.get("draft", ""),
        fidelity={"wording": q.fidelity_entry(source, wording)},
        created_by=who,
    )


def _remembered(
    cache: dict[str, T | QualcodeError], key: str, what: str, resolve: Callable[[], T]
) -> T:
    """Resolve a name once per file: every row naming it gets the same row or the same error."""
    if not key:
        raise QualcodeError(f"no {what}")
    if key not in cache:
        try:
            cache[key] = resolve()
        except QualcodeError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, QualcodeError):
        raise found
    return found
