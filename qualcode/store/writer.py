"""The full path's ``Writer``: the light path's plain-SQL writes run on an ORM session.

``store.light_write`` holds the protocols; this adapter runs the same statement text
through SQLAlchemy (``text()``), so it works on SQLite and PostgreSQL alike, and bulk rows
through a Core ``INSERT`` (the dialect's own quoting and, on PostgreSQL, its batching).
``ProjectWriter`` makes a ``db.Project`` a ``WriteTarget``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, SQLModel

from qualcode.store.engine import Project
from qualcode.store.light import Reader
from qualcode.store.light_write import Scope, Writer, insert_sql, sqlite_value
from qualcode.store.reader import SessionReader

_CHUNK = 20_000  # rows in one executemany


class SessionWriter(SessionReader):
    """A ``store.light_write.Writer`` over a session (inside its write transaction)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.dialect = session.connection().dialect.name

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Values as the ORM stores them (SQLite: ``sqlite_value``; PostgreSQL: JSON as
        text, the rest as the driver takes it)."""
        plain = dict(params or {})
        if self.dialect == "sqlite":
            return {k: sqlite_value(v) for k, v in plain.items()}
        return {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in plain.items()}

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._session.connection().execute(text(sql), self._params(params))

    def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._session.connection().execute(text(sql), rows)

    def insert_id(self, sql: str, params: Mapping[str, Any]) -> int:
        return int(self._session.connection().execute(text(sql), self._params(params)).scalar_one())

    def insert_rows(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Many rows: one executemany per chunk.

        On SQLite the light path's own statement (``insert_sql``) runs with plain tuples,
        which skips SQLAlchemy's per-row parameter processing. Other databases take the
        ordinary Core path (the dialect's quoting and batching).
        """
        conn = self._session.connection()
        if self.dialect == "sqlite":
            sql = insert_sql(table, columns)
            for i in range(0, len(rows), _CHUNK):
                conn.exec_driver_sql(sql, rows[i : i + _CHUNK])
            return
        core = SQLModel.metadata.tables[table]
        for i in range(0, len(rows), _CHUNK):
            conn.execute(
                insert(core), [dict(zip(columns, r, strict=True)) for r in rows[i : i + _CHUNK]]
            )


class ProjectWriter:
    """A ``store.light_write.WriteTarget`` over a full ``db.Project`` (either backend)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.url = project.url

    @contextmanager
    def writing(self, scope: Scope = "structure") -> Iterator[Writer]:
        with self.project.transaction(scope) as session:
            yield SessionWriter(session)

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        with self.project.session() as session, session.begin():
            yield SessionReader(session)
