"""The full path's ``Reader``: the light path's plain-SQL reads run on an ORM session.

``store.light`` holds the protocol; this adapter runs the same statement text through
SQLAlchemy (``text()``), so it works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlmodel import Session


class SessionReader:
    """A ``store.light.Reader`` over an open session (inside its transaction)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result = self._session.connection().execute(text(sql), dict(params or {}))
        return [tuple(r) for r in result]
