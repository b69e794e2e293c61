"""The hottest write, applying one code, and the one writer of undo steps, in plain SQL.

A coder applies codes many times an hour and several coders do at once, so this path is
kept to a few statements sent to the driver as they are (no session, no ORM objects, no
statement building per call): lock what the coding hangs from and the coder (one query),
insert unless it is a duplicate, log the undo step, read the turn, count the commit.
SQLite runs them on the driver's connection (in-process: no round trips to save).
PostgreSQL gets the whole coding in one round trip: two statements prepared once per
connection, sent as one message with its ``BEGIN`` and ``COMMIT`` (``_PG_CODE``; psycopg's
pipeline mode was tried and dropped: it polls the socket while it waits, and on a shared
machine that CPU is the server's). The message goes to libpq directly, its values quoted
by libpq, on the connection ``Project.coding_connection`` keeps between codings (no
cursor, no pool checkout: together 0.4-0.6 ms of the client's CPU per coding). SQLite's
values pass through the columns' own bind processors, so what is stored is exactly what
the ORM would have stored (timestamps, JSON).

``log_action`` is the one writer of undo steps: ``qualcode.history.record_action`` (every
other undoable action) is built on it, and ``add_coding`` runs its two statements
(``_CLEAR_REDO``, ``_LOG``; on PostgreSQL inside ``_PG_CODE``, the payload built by the
server in ``coding_payload``'s shape).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import select
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Table
from sqlmodel import Session

from qualcode import models
from qualcode.store.engine import Project, change_params


def table_of(model: type[Any]) -> Table:
    """A table model's ``Table`` (SQLModel does not declare ``__table__`` for checkers)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _sql(statement: str, postgres_only: str = "") -> dict[str, str]:
    """The statement for each dialect: ``:name`` parameters (SQLite) or ``%(name)s``
    (psycopg), and the PostgreSQL-only tail (row locks)."""
    pg = re.sub(r":(\w+)", r"%(\1)s", statement)
    return {"sqlite": statement, "postgresql": f"{pg} {postgres_only}".strip()}


# SQLite's target (PostgreSQL: ``_PG_LOCK``): the document and code, the span's text, the
# coder (in a sub-select, so that a coder not made yet is a NULL, not a missing row) and
# whether they have undone steps (their redo steps are cleared only then). Not the text's
# length: ``length`` counts the characters of the whole text, and the span lies inside it
# if it has all its characters (``_length`` reads it only to explain a refusal).
_TARGET = {
    "sqlite": "SELECT d.id, d.title, NULL, c.id, c.key, c.label_da,"
    " substr(d.text, :from1, :n), w.id, EXISTS (SELECT 1 FROM action_log"
    " WHERE coder = :coder AND state = 'undone') FROM document d CROSS JOIN code c"
    " LEFT JOIN (SELECT id FROM coder WHERE name = :coder) w ON 1 = 1"
    " WHERE d.id = :document_id AND c.key = :key",
}
_TARGET_BY_ID = {"sqlite": _TARGET["sqlite"].replace("c.key = :key", "c.id = :code_id")}
_LOCK_TARGET = _sql(
    "SELECT d.id, d.title, length(d.text), c.id, c.key, c.label_da, substr(d.text, :from1, :n)"
    " FROM code c, document d WHERE d.id = :document_id AND c.key = :key",
    "FOR KEY SHARE OF d, c",
)
_CODING_COLUMNS = ("document_id", "code_id", "coder_id", "start", "end", "memo", "origin")
_NOT_TWIN = (
    " WHERE NOT EXISTS (SELECT 1 FROM coding WHERE document_id = :document_id"
    ' AND code_id = :code_id AND coder_id = :coder_id AND start = :start AND "end" = :end)'
    " RETURNING id"
)
_INSERT = _sql(
    'INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, origin, guid,'
    " created) SELECT :document_id, :code_id, :coder_id, :start, :end, :memo, :origin, :guid,"
    " :created" + _NOT_TWIN
)
_TWIN = _sql(
    "SELECT id FROM coding WHERE document_id = :document_id AND code_id = :code_id"
    ' AND coder_id = :coder_id AND start = :start AND "end" = :end'
)
_TURN = _sql(
    'SELECT t.speaker, t."end", p.id, p.name, p.title, p.organisation, p.consent,'
    " p.pseudonym FROM turn t LEFT JOIN participant p ON p.id = t.participant_id"
    " WHERE t.document_id = :document_id AND t.start <= :offset"
    " ORDER BY t.start DESC LIMIT 1"
)
_CLEAR_REDO = _sql("DELETE FROM action_log WHERE coder = :coder AND state = 'undone'")
_LOG = _sql(
    "INSERT INTO action_log (coder, label, payload, state, created)"
    " VALUES (:coder, :label, :payload, 'done', :created) RETURNING id"
)

# Runs one of the statements above with its parameters; returns a cursor (``fetchone``).
Run = Callable[[Mapping[str, str], dict[str, Any]], Any]


@dataclass(frozen=True)
class Target:
    """What a new coding hangs from: the document's id, title and length (not its text),
    the code's id, key and label, and the text of the span about to be coded. When the
    span lies inside the text, ``length`` may be just the span's end (all a check needs:
    the text is at least that long); the whole length is read to explain a refusal."""

    document_id: int
    title: str
    length: int
    code_id: int
    key: str
    label: str
    text: str


@dataclass(frozen=True)
class Added:
    """A coding ``add_coding`` made: its columns (with ``id``), what it hangs from, and
    the turn at its start (speaker, participant) if it lies in one."""

    values: dict[str, Any]
    target: Target
    speaker: str | None
    participant: models.Participant | None


@dataclass(frozen=True)
class Twin:
    """``add_coding`` found the same coding by the same coder: nothing was written."""

    coding_id: int | None
    target: Target


class _NotHere(Exception):
    """The fast path does not apply (unknown document, code or coder): roll back."""


class _Duplicate(Exception):
    def __init__(self, twin: Twin) -> None:
        self.twin = twin


def _session_run(session: Session) -> Run:
    conn = session.connection()
    name = conn.dialect.name
    return lambda statements, params: conn.exec_driver_sql(statements[name], params)


def _driver_run(raw: Any, name: str) -> Run:
    return lambda statements, params: raw.execute(statements[name], params)


_PROCESSORS: dict[tuple[str, str, str], Callable[[Any], Any] | None] = {}


def _bound(dialect: Dialect, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the driver should receive them (each column's bind processor)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        key = (dialect.name, table.name, name)
        if key not in _PROCESSORS:
            kind = table.c[name].type.dialect_impl(dialect)  # e.g. SQLite's DATETIME text
            _PROCESSORS[key] = kind.bind_processor(dialect)
        process = _PROCESSORS[key]
        out[name] = process(value) if process is not None and value is not None else value
    return out


def coding_payload(values: dict[str, Any]) -> dict[str, Any]:
    """A coding known by its column values as the undo log snapshots it (dates as ISO
    strings, every column present: ``history.coding_snapshot``'s shape)."""
    snap = {n: v.isoformat() if isinstance(v, dt.date) else v for n, v in values.items()}
    return snap | {name: None for name in _coding_columns() if name not in snap}


@functools.cache
def _coding_columns() -> tuple[str, ...]:
    return tuple(c.name for c in table_of(models.Coding).columns)


def _queue_log(run: Run, dialect: Dialect, values: dict[str, Any], redo: bool = True) -> Any:
    """Clear the coder's redo steps (``redo``: they may have some) and log the action."""
    if redo:
        run(_CLEAR_REDO, {"coder": values["coder"]})
    bound = _bound(dialect, table_of(models.ActionLog), {"created": values["created"]})
    text = json.dumps(values["payload"])  # as the JSON column's default serializer writes it
    return run(_LOG, {**values, **bound, "payload": text})


def log_action(session: Session, values: dict[str, Any]) -> int:
    """Log one undoable action (``coder``, ``label``, ``payload``, ``created``) inside the
    session's transaction and clear that coder's redo steps: the one writer of undo steps
    (``history.record_action`` is built on it). Returns the action's id."""
    dialect = session.connection().dialect
    return int(_queue_log(_session_run(session), dialect, values).fetchone()[0])


def lock_target(
    session: Session, document_id: int, key: str, start: int, end: int
) -> Target | None:
    """The document and the code, ``FOR KEY SHARE`` on PostgreSQL: neither is merged,
    moved or deleted until we commit (a structure write waits for us; we wait for it)."""
    params = {"document_id": document_id, "key": key, "from1": start + 1, "n": max(end - start, 0)}
    row = _session_run(session)(_LOCK_TARGET, params).first()
    return None if row is None else Target(*row)


@dataclass(frozen=True)
class NewCoding:
    """What ``add_coding`` is asked to make: ``label`` names the undo step."""

    document_id: int
    key: str
    start: int
    end: int
    coder: str
    memo: str
    origin: str
    guid: str
    created: dt.datetime
    label: str


def add_coding(
    project: Project, new: NewCoding, check: Callable[[Target], None]
) -> Added | Twin | None:
    """Apply a code (by key) to a span of a document (by id) for a coder who exists, and
    log the undo step, in one transaction of a few statements. ``check`` may refuse the
    target (raises; nothing is written). None: the document, code or coder is unknown
    (nothing written; the caller takes the general path, which explains or makes them).
    """
    if new.origin not in models.CODING_ORIGINS:
        return None
    if not project.is_sqlite:
        return _add_postgres(project, new, check)
    try:
        with project.driver_transaction() as raw:
            return _add_sqlite(project, raw, new, check)
    except _NotHere:
        return None
    except _Duplicate as dup:
        return dup.twin


def _locked(run: Run, new: NewCoding, code_id: int | None = None) -> tuple[Target, int, bool]:
    """The target (``_TARGET``), the coder's id and whether they have undone steps."""
    params = {
        "document_id": new.document_id,
        "key": new.key,
        "code_id": code_id,
        "coder": new.coder,
        "from1": new.start + 1,
        "n": max(new.end - new.start, 0),
    }
    row = run(_TARGET if code_id is None else _TARGET_BY_ID, params).fetchone()
    if row is None or row[7] is None:
        raise _NotHere
    inside = 0 <= new.start < new.end and len(row[6]) == new.end - new.start
    length = new.end if inside else _length(run, new.document_id)
    return Target(row[0], row[1], length, *row[3:7]), int(row[7]), bool(row[8])


_LENGTH = _sql("SELECT length(text) FROM document WHERE id = :document_id")


def _length(run: Run, document_id: int) -> int:
    return int(run(_LENGTH, {"document_id": document_id}).fetchone()[0])


def _values(new: NewCoding, target: Target, coder_id: int) -> dict[str, Any]:
    return {
        "document_id": target.document_id,
        "code_id": target.code_id,
        "coder_id": coder_id,
        "start": new.start,
        "end": new.end,
        "memo": new.memo,
        "origin": new.origin,
        "guid": new.guid,
        "created": new.created,
    }


def _log_values(new: NewCoding, values: dict[str, Any]) -> dict[str, Any]:
    payload = {"added": [coding_payload(values)], "removed": [], "changed": []}
    return {"coder": new.coder, "label": new.label, "payload": payload, "created": new.created}


def _turn(row: Any) -> tuple[str | None, models.Participant | None]:
    """The speaker and participant of a ``_TURN`` row (None, None: no turn there)."""
    if row is None:
        return None, None
    if row[2] is None:
        return str(row[0]), None
    fields = ("id", "name", "title", "organisation", "consent", "pseudonym")
    return str(row[0]), models.Participant(**dict(zip(fields, row[2:], strict=True)))


def _turn_params(values: dict[str, Any]) -> dict[str, Any]:
    return {"document_id": values["document_id"], "offset": values["start"]}


def _in_turn(row: Any, offset: int) -> Any:
    return row if row is not None and row[1] is not None and offset < row[1] else None


def _add_sqlite(
    project: Project, raw: Any, new: NewCoding, check: Callable[[Target], None]
) -> Added:
    run = _driver_run(raw, "sqlite")
    dialect = project.engine.dialect
    target, coder_id, undone = _locked(run, new)
    check(target)
    values = _values(new, target, coder_id)
    made = run(_INSERT, _bound(dialect, table_of(models.Coding), values)).fetchone()
    if made is None:
        raise _Duplicate(Twin(_twin(run, values), target))
    values = {"id": int(made[0])} | values
    _queue_log(run, dialect, _log_values(new, values), redo=undone).fetchone()
    turn = _in_turn(run(_TURN, _turn_params(values)).fetchone(), new.start)
    return Added(values, target, *_turn(turn))


def add_codings(
    project: Project,
    new: NewCoding,
    code_ids: list[int],
    check: Callable[[Target], None],
    label: Callable[[list[str]], str],
) -> list[int] | Twin | None:
    """Several codes (by id) on one span as one undoable action (``label`` names it from
    the codes' keys), on SQLite: ``add_coding``'s statements once per code, one undo step,
    one commit. None: the document, a code or the coder is unknown, or this is not SQLite
    (nothing written; the caller takes the general path)."""
    if not project.is_sqlite or not code_ids or new.origin not in models.CODING_ORIGINS:
        return None
    try:
        with project.driver_transaction() as raw:
            return _add_sqlite_many(project, raw, new, code_ids, check, label)
    except _NotHere:
        return None
    except _Duplicate as dup:
        return dup.twin


def _add_sqlite_many(
    project: Project,
    raw: Any,
    new: NewCoding,
    code_ids: list[int],
    check: Callable[[Target], None],
    label: Callable[[list[str]], str],
) -> list[int]:
    run = _driver_run(raw, "sqlite")
    dialect, table = project.engine.dialect, table_of(models.Coding)
    made: list[dict[str, Any]] = []
    keys: list[str] = []
    undone = True
    for n, code_id in enumerate(code_ids):
        target, coder_id, undone = _locked(run, new, code_id)
        check(target)
        values = _values(new, target, coder_id) | ({"guid": models.new_guid()} if n else {})
        row = run(_INSERT, _bound(dialect, table, values)).fetchone()
        if row is None:
            raise _Duplicate(Twin(_twin(run, values), target))
        made.append({"id": int(row[0])} | values)
        keys.append(target.key)
    payload = {"added": [coding_payload(v) for v in made], "removed": [], "changed": []}
    log = {"coder": new.coder, "label": label(keys), "payload": payload, "created": new.created}
    _queue_log(run, dialect, log, redo=undone).fetchone()
    return [v["id"] for v in made]


# PostgreSQL: the whole coding in one round trip. Two statements prepared once per
# connection run in one simple-protocol message (``BEGIN; EXECUTE …; EXECUTE …; COMMIT``):
# the first locks the document and code (key share) and the coder (for update); the
# second, with a snapshot taken after those locks, inserts the coding unless it is a
# duplicate or outside the text, and only then clears the coder's redo steps, logs the
# undo step (the payload is ``coding_payload``'s shape, built by the server), counts the
# commit and (when ``$13`` names a channel) notifies, and returns the turn at the coding's
# start. Nothing inserted: nothing else written either, and the caller learns why from the
# first statement's row.
# The text is read once, as far as the span's end: ``length(text)`` would decompress the
# whole stored text, twice per coding, the largest part of the server's time on a long
# interview. The first statement cuts the span (``substr`` decompresses only up to it); the
# span lies inside the text if it has all its characters. That answer passes to the second
# statement in a transaction-local setting, ``qualcode.span_ok``; the text's length is read
# only to explain a refusal (the first statement's third column; else the span's end).
# The coder the first statement locked passes the same way (``qualcode.coder_id``): the
# second inserts only for that row, so a coder another process creates between the two
# (the first found none: the caller takes the general path) gets no coding here too.
# Tables are locked in the order they are named: ``code`` before ``document``, as a
# structure write's ``LOCK TABLE code, document`` takes them, or the two wait in a circle.
_PG_LOCK = (
    "SELECT d.id, d.title, CASE WHEN s.ok THEN $2 ELSE length(d.text) END, c.id, c.key,"
    " c.label_da, s.span, w.id, set_config('qualcode.span_ok', s.ok::text, true),"
    " set_config('qualcode.coder_id', coalesce(w.id::text, ''), true)"
    " FROM code c CROSS JOIN document d CROSS JOIN LATERAL (SELECT t.span, $1 >= 0"
    " AND $1 < $2 AND char_length(t.span) = $2 - $1 AS ok FROM (SELECT substr(d.text,"
    " $1 + 1, greatest($2 - $1, 0)) AS span OFFSET 0) t OFFSET 0) s"
    " LEFT JOIN (SELECT id FROM coder WHERE name = $4 FOR UPDATE) w ON true"
    " WHERE d.id = $3 AND c.key = $5 FOR KEY SHARE OF d, c"
)
_PG_LOCK_TYPES = "int, int, int, text, text"
_PG_CODE = f"""WITH ins AS (
 INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, origin, guid, created)
 SELECT d.id, c.id, w.id, $1, $2, $6, $7, $8, $9 FROM document d, code c, coder w
 WHERE d.id = $3 AND w.name = $4 AND c.key = $5
 AND current_setting('qualcode.span_ok', true) = 'true'
 AND w.id::text = current_setting('qualcode.coder_id', true)
 AND NOT EXISTS (SELECT 1 FROM coding x WHERE x.document_id = d.id AND x.code_id = c.id
 AND x.coder_id = w.id AND x.start = $1 AND x."end" = $2)
 RETURNING *),
redo AS ({_CLEAR_REDO["postgresql"].replace("%(coder)s", "$4")} AND EXISTS (SELECT 1 FROM ins)),
log AS (INSERT INTO action_log (coder, label, payload, state, created)
 SELECT $4, $10, json_build_object('added', json_build_array(json_build_object('id', id,
 'document_id', document_id, 'code_id', code_id, 'coder_id', coder_id, 'start', start,
 'end', "end", 'memo', memo, 'origin', origin, 'guid', guid, 'created', $11::text)),
 'removed', json_build_array(), 'changed', json_build_array()), 'done', $9 FROM ins
 RETURNING id),
bump AS (INSERT INTO project_setting (key, value) SELECT $12, '1' FROM ins
 ON CONFLICT (key) DO UPDATE
 SET value = CAST(CAST(project_setting.value AS INTEGER) + 1 AS VARCHAR) RETURNING 1)
SELECT ins.id, (SELECT count(*) FROM log),
 (SELECT pg_notify($13, $14) FROM bump WHERE $13 <> ''),
 t.speaker, t."end", p.id, p.name, p.title, p.organisation, p.consent, p.pseudonym
FROM ins LEFT JOIN LATERAL (SELECT speaker, "end", participant_id FROM turn
 WHERE document_id = ins.document_id AND start <= ins.start ORDER BY start DESC LIMIT 1) t
 ON true LEFT JOIN participant p ON p.id = t.participant_id"""
_PG_CODE_TYPES = (
    "int, int, int, text, text, text, text, text, timestamptz, text, text, text, text, text"
)
_PG_RUN = (
    "BEGIN; EXECUTE qualcode_lock({start}, {end}, {document_id}, {coder}, {key});"
    " EXECUTE qualcode_code({start}, {end}, {document_id}, {coder}, {key}, {memo}, {origin},"
    " {guid}, {created}, {label}, {created_iso}, {counter}, {channel}, {token}); COMMIT"
)
# The columns of the two rows that are integers (the rest is text): ``_PG_LOCK``'s
# document, length, code and coder; ``_PG_CODE``'s coding, turn end and participant.
_LOCK_INTS = frozenset({0, 2, 3, 7})
_CODE_INTS = frozenset({0, 4, 5})
_PREPARED: weakref.WeakSet[Any] = weakref.WeakSet()  # connections that have both


def _prepare(raw: Any) -> None:
    if raw in _PREPARED:
        return
    raw.execute(f"PREPARE qualcode_lock ({_PG_LOCK_TYPES}) AS {_PG_LOCK}")
    raw.execute(f"PREPARE qualcode_code ({_PG_CODE_TYPES}) AS {_PG_CODE}")
    raw.commit()
    _PREPARED.add(raw)


def _send(project: Project, raw: Any, params: dict[str, Any]) -> tuple[Any, Any]:
    """Send the coding's one message; the lock's row and the insert's (None: nothing
    inserted, nothing written). Prepares the statements first where they are missing:
    psycopg deallocates every prepared statement of a connection after DDL on it, so a
    message that finds them gone prepares them again and is sent once more."""
    # The driver is loaded already (the project is open on it); imported here so that a
    # SQLite user never pays for importing it.
    import psycopg

    for attempt in (1, 2):
        _prepare(raw)
        try:
            with project.commit_lock:
                results = _exchange(raw, _message(raw, params))
                locked = _first_row(results[1], _LOCK_INTS, raw.info.encoding)
                made = _first_row(results[2], _CODE_INTS, raw.info.encoding)
                if made is not None:
                    project.own_commits += 1
            return locked, made
        except BaseException as exc:
            if not raw.closed and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raw.rollback()
            if attempt == 2 or not isinstance(exc, psycopg.errors.InvalidSqlStatementName):
                raise
            _PREPARED.discard(raw)
    raise AssertionError("unreachable")


# The message goes to libpq as it is (psycopg's ``pq``, its documented wrapper of libpq),
# not through a psycopg cursor: a cursor's machinery (query conversion, adapters, result
# loaders, its generator-driven waits, switching autocommit on and off) cost about 0.4 ms
# of the client's CPU per coding, four times the work itself. The values are the
# statement's literals, quoted by libpq (``PQescapeLiteral``); integers as numbers.


def _message(raw: Any, params: dict[str, Any]) -> bytes:
    import psycopg

    escape = psycopg.pq.Escaping(raw.pgconn).escape_literal
    encoding = raw.info.encoding
    literals: dict[str, str] = {}
    for name, value in params.items():
        if type(value) is int:
            literals[name] = str(value)
            continue
        text = str(value)
        if "\x00" in text:  # libpq's quoting would stop there: refused, as psycopg does
            raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        literals[name] = escape(text.encode(encoding)).decode(encoding)
    return _PG_RUN.format_map(literals).encode(encoding)


def _exchange(raw: Any, message: bytes) -> list[Any]:
    """Send ``message`` (simple protocol) and read every result; the first error raised
    as psycopg raises it. Waits in ``select`` (the GIL released, no polling)."""
    import psycopg

    pgconn = raw.pgconn
    try:
        pgconn.send_query(message)
        while pgconn.flush():  # a non-blocking connection: the rest waits for room
            select.select([], [pgconn.socket], [])
        results = []
        while True:
            while pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                break
            results.append(result)
    except BaseException:
        raw.close()  # a message half sent or half read: the connection is of no more use
        raise
    for result in results:
        if result.status == psycopg.pq.ExecStatus.FATAL_ERROR:
            raise psycopg.errors.error_from_result(result, encoding=raw.info.encoding)
    return results


def _first_row(result: Any, ints: frozenset[int], encoding: str) -> tuple[Any, ...] | None:
    """The first row of a text-format result (None: no row), integers as ``int``."""
    if result.ntuples == 0:
        return None
    values = (result.get_value(0, n) for n in range(result.nfields))
    return tuple(
        None if v is None else int(v) if n in ints else v.decode(encoding)
        for n, v in enumerate(values)
    )


def _add_postgres(
    project: Project, new: NewCoding, check: Callable[[Target], None]
) -> Added | Twin | None:
    params = {
        "start": new.start,
        "end": new.end,
        "document_id": new.document_id,
        "coder": new.coder,
        "key": new.key,
        "memo": new.memo,
        "origin": new.origin,
        "guid": new.guid,
        "created": new.created,
        "label": new.label,
        "created_iso": new.created.isoformat(),
        **change_params(project.token),
    }
    notify = project.announcer.due()
    if not notify:
        params["channel"] = ""  # sent after the commit, with any others held back
    with project.coding_connection() as raw:
        locked, made = _send(project, raw, params)
        if made is not None and not notify:
            project.announcer.held_back()
        if locked is None or locked[7] is None:
            return None
        target = Target(*locked[:7])
        values = _values(new, target, int(locked[7]))
        if made is None:
            check(target)  # outside the text: says why; else a duplicate
            twin = _twin(_driver_run(raw, "postgresql"), values)
            raw.rollback()
            return Twin(twin, target)
    speaker, participant = _turn(_in_turn(made[3:], new.start))
    return Added({"id": int(made[0])} | values, target, speaker, participant)


def _twin(run: Run, values: dict[str, Any]) -> int | None:
    row = run(_TWIN, {name: values[name] for name in _CODING_COLUMNS[:5]}).fetchone()
    return None if row is None else int(row[0])
