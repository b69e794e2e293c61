"""Ids of stored rows, typed.

A table model's ``id`` is ``int | None``: ``None`` until the row is flushed. Code that holds a
row it loaded or flushed knows the id is there; ``stored_id(row)`` says so in one place, with
a clear error if that is ever wrong, instead of a type-checker suppression at every use.
"""

from __future__ import annotations

from typing import Protocol


class HasId(Protocol):
    """Anything with an optional integer id (every table model of ``models.py``)."""

    @property
    def id(self) -> int | None: ...


def stored_id(row: HasId) -> int:
    """The id of a row that was loaded or flushed; raises if the row was never stored."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was not flushed or loaded")
    return row.id
