"""The statements of the hottest write, applying one code, in plain SQL.

A coder applies codes many times an hour and several coders do at once, so this path is
kept to a few statements, each sent to the driver as it is (no ORM objects, no statement
building per call): lock what the coding hangs from, lock the coder, insert unless it
is a duplicate, log the undo step. Values pass through the columns' own bind processors,
so what is stored is exactly what the ORM would have stored (timestamps, JSON).
``qualcode.coding.apply_code`` uses these; everything else writes through the ORM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

from qualcode import models


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


_TARGET = _sql(
    "SELECT d.id, d.title, length(d.text), c.id, c.key, c.label_da, substr(d.text, :from1, :n)"
    " FROM document d, code c WHERE d.id = :document_id AND c.key = :key",
    "FOR KEY SHARE OF d, c",
)
_CODER = _sql("SELECT id FROM coder WHERE name = :name", "FOR UPDATE")
_CODING_COLUMNS = ("document_id", "code_id", "coder_id", "start", "end", "memo", "origin")
_INSERT = _sql(
    'INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, origin, guid,'
    " created) SELECT :document_id, :code_id, :coder_id, :start, :end, :memo, :origin, :guid,"
    " :created WHERE NOT EXISTS (SELECT 1 FROM coding WHERE document_id = :document_id"
    ' AND code_id = :code_id AND coder_id = :coder_id AND start = :start AND "end" = :end)'
    " RETURNING id"
)
_TWIN = _sql(
    "SELECT id FROM coding WHERE document_id = :document_id AND code_id = :code_id"
    ' AND coder_id = :coder_id AND start = :start AND "end" = :end'
)
_TURN = _sql(
    'SELECT speaker, "end", participant_id FROM turn WHERE document_id = :document_id'
    " AND start <= :offset ORDER BY start DESC LIMIT 1"
)
_CLEAR_REDO = _sql("DELETE FROM action_log WHERE coder = :coder AND state = 'undone'")
_LOG = _sql(
    "INSERT INTO action_log (coder, label, payload, state, created)"
    " VALUES (:coder, :label, :payload, 'done', :created) RETURNING id"
)


@dataclass(frozen=True)
class Target:
    """What a new coding hangs from: the document's id, title and length (not its text),
    the code's id, key and label, and the text of the span about to be coded."""

    document_id: int
    title: str
    length: int
    code_id: int
    key: str
    label: str
    text: str


def _run(session: Session, statements: Mapping[str, str], params: dict[str, Any]) -> Any:
    conn = session.connection()
    return conn.exec_driver_sql(statements[conn.dialect.name], params)


def _bound(session: Session, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the driver should receive them (each column's bind processor)."""
    dialect = session.connection().dialect
    out: dict[str, Any] = {}
    for name, value in values.items():
        process = table.c[name].type.bind_processor(dialect)
        out[name] = process(value) if process is not None and value is not None else value
    return out


def lock_target(
    session: Session, document_id: int, key: str, start: int, end: int
) -> Target | None:
    """The document and the code, ``FOR KEY SHARE`` on PostgreSQL: neither is merged,
    moved or deleted until we commit (a structure write waits for us; we wait for it)."""
    params = {"document_id": document_id, "key": key, "from1": start + 1, "n": max(end - start, 0)}
    row = _run(session, _TARGET, params).first()
    return None if row is None else Target(*row)


def lock_coder_id(session: Session, name: str) -> int | None:
    """The coder's id, their row locked ``FOR UPDATE`` (PostgreSQL) until commit."""
    row = _run(session, _CODER, {"name": name}).first()
    return None if row is None else int(row[0])


def insert_coding_once(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a coding (all columns but ``id``) unless the same coder coded the same span
    with the same code: its id, or None for a duplicate. Race-free while the coder's row
    is locked (``lock_coder_id``)."""
    row = _run(session, _INSERT, _bound(session, table_of(models.Coding), values)).first()
    return None if row is None else int(row[0])


def twin_coding(session: Session, values: dict[str, Any]) -> int | None:
    """The id of the coding a duplicate repeats."""
    key = {name: values[name] for name in _CODING_COLUMNS[:5]}
    row = _run(session, _TWIN, key).first()
    return None if row is None else int(row[0])


def log_action(session: Session, values: dict[str, Any]) -> int:
    """Log one undoable action (``coder``, ``label``, ``payload``, ``created``) and clear
    that coder's redo steps, as ``qualcode.history.record_action`` does."""
    _run(session, _CLEAR_REDO, {"coder": values["coder"]})
    bound = _bound(session, table_of(models.ActionLog), {"created": values["created"]})
    text = json.dumps(values["payload"])  # as the JSON column's default serializer writes it
    row = _run(session, _LOG, {**values, **bound, "payload": text}).one()
    return int(row[0])


def turn_at(session: Session, document_id: int, offset: int) -> tuple[str, int | None] | None:
    """The speaker and participant id of the turn ``offset`` lies in (None: no turn)."""
    row = _run(session, _TURN, {"document_id": document_id, "offset": offset}).first()
    if row is None or not offset < row[1]:
        return None
    return str(row[0]), None if row[2] is None else int(row[2])
