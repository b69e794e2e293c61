"""Undo and redo of coding actions, stored in the project so they survive a restart.

Each action records the codings it added, removed and changed; undo reverses exactly that,
redo replays it. A code merge or delete (``codebook_edit``) also carries, under
``payload["codebook"]``, what the codings alone cannot restore: the deleted code, its
children's old parent, the quotes, suggestions and memos that moved. Actions are per coder:
ctrl+z undoes your own last action, not a colleague's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any, TypedDict

from sqlalchemy import Column, Date, DateTime, delete, insert
from sqlmodel import Session, SQLModel, col, select

from qualcode.db import Project, WriteScope, lock_coder
from qualcode.errors import ConflictError
from qualcode.models import ActionLog, Code, Coding, Memo, Quote, Suggestion, utcnow
from qualcode.store.fastpath import log_action
from qualcode.store.light import chunked


def _columns(model: type[SQLModel]) -> tuple[Column[Any], ...]:
    return tuple(model.__table__.columns)  # type: ignore[attr-defined]  # sqlmodel table


def _snapshot(row: SQLModel) -> dict[str, Any]:
    """Every column of a row, JSON-ready: read from the table, so a new column is kept."""
    snap: dict[str, Any] = {}
    for column in _columns(type(row)):
        value = getattr(row, column.name)
        if isinstance(value, dt.date):  # datetimes too: both have isoformat
            value = value.isoformat()
        elif isinstance(value, list | dict):
            value = json.loads(json.dumps(value))  # a copy, never the row's own list
        snap[column.name] = value
    return snap


def coding_snapshot(coding: Coding) -> dict[str, Any]:
    """Everything needed to put a coding back exactly as it was."""
    return _snapshot(coding)


def code_snapshot(code: Code) -> dict[str, Any]:
    """Every field of a code, JSON-ready, so a deleted code can be put back as it was."""
    return _snapshot(code)


def _restore(snap: dict[str, Any], model: type[Coding] | type[Code] = Coding) -> Any:
    return model(**_row_values(snap, model))


def _date_kind(column: Column[Any]) -> type[dt.date] | None:
    """``datetime`` or ``date`` for a column holding one (also under a TypeDecorator)."""
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, DateTime):
        return dt.datetime
    if isinstance(kind, Date):
        return dt.date
    return None


def _models() -> dict[str, type[SQLModel]]:
    return {m.__tablename__: m for m in SQLModel.__subclasses__() if hasattr(m, "__table__")}  # type: ignore[misc]  # table models carry __tablename__


def row_snapshot(row: SQLModel) -> list[Any]:
    """``[table, fields]`` of any stored row, JSON-ready, for ``restore_rows``."""
    return [row.__tablename__, row.model_dump(mode="json")]


def restore_rows(session: Session, rows: list[list[Any]]) -> None:
    """Put snapshotted rows back, in the order given (parents first), as they were."""
    models = _models()
    for table, data in rows:
        model = models[table]
        if session.get(model, _ident(model, data)) is not None:
            raise ConflictError(
                f"cannot undo: {table} {_ident(model, data)} has been taken by a newer "
                f"{table.replace('_', ' ')}",
                "Something made after the delete took its place; delete that first, or "
                "re-import the document.",
            )
        session.add(model.model_validate(data))
        session.flush()


def _ident(model: type[SQLModel], data: dict[str, Any]) -> Any:
    keys = [c.name for c in model.__table__.primary_key.columns]  # type: ignore[attr-defined]  # SQLModel table
    ident = tuple(data[k] for k in keys)
    return ident[0] if len(ident) == 1 else ident


def drop_rows(session: Session, rows: list[list[Any]]) -> None:
    """Delete snapshotted rows again (children first: the reverse order)."""
    models = _models()
    for table, data in reversed(rows):
        model = models[table]
        existing = session.get(model, _ident(model, data))
        if existing is not None:
            session.delete(existing)
            session.flush()


def record_action(
    session: Session,
    coder: str,
    label: str,
    added: list[Coding] | None = None,
    removed: list[dict[str, Any]] | None = None,
    changed: list[tuple[int, dict[str, Any], dict[str, Any]]] | None = None,
    *,
    added_snapshots: list[dict[str, Any]] | None = None,
    codebook: dict[str, Any] | None = None,
) -> int:
    """Log one action inside the caller's transaction; a new action clears the redo stack.
    Returns the action's id.

    ``added`` are flushed codings (or ``added_snapshots``, codings already snapshotted,
    e.g. thousands inserted without ORM objects), ``removed`` snapshots of deleted ones,
    ``changed`` is ``(coding_id, before_fields, after_fields)``; ``codebook`` is what a
    code merge or delete, a new code or a document delete needs besides the codings
    (see the module's docstring). Written by ``store.fastpath.log_action``, the one writer
    of undo steps (the coding hot path queues the same statements).
    """
    session.flush()
    payload: dict[str, Any] = {
        "added": [coding_snapshot(c) for c in added or []] + list(added_snapshots or []),
        "removed": list(removed or []),
        "changed": [[cid, before, after] for cid, before, after in changed or []],
    }
    if codebook is not None:
        payload["codebook"] = codebook
    return log_action(
        session, {"coder": coder, "label": label, "payload": payload, "created": utcnow()}
    )


def _row_values(snap: dict[str, Any], model: type[Coding] | type[Code] = Coding) -> dict[str, Any]:
    """A snapshot as column values (dates parsed back), for a bulk insert."""
    data: dict[str, Any] = {}
    for column in _columns(model):
        if column.name not in snap:
            continue  # a snapshot older than the column: the default applies
        value = snap[column.name]
        kind = _date_kind(column)
        if isinstance(value, str) and kind is not None:
            value = kind.fromisoformat(value)
        data[column.name] = value
    return data


def _apply(session: Session, payload: dict[str, Any], reverse: bool) -> None:
    """Delete and insert an action's codings with one statement per 900, not one per row:
    undoing a bulk step of 20,000 codings is a handful of statements."""
    to_delete = payload["added"] if reverse else payload["removed"]
    to_insert = payload["removed"] if reverse else payload["added"]
    session.flush()
    for chunk in chunked([int(snap["id"]) for snap in to_delete]):
        session.execute(
            delete(Coding).where(col(Coding.id).in_(chunk)),
            execution_options={"synchronize_session": "fetch"},
        )
    taken: dict[int, str] = {}
    for chunk in chunked([int(snap["id"]) for snap in to_insert]):
        stmt = select(Coding.id, Coding.guid).where(col(Coding.id).in_(chunk))
        taken.update((int(i), g) for i, g in session.connection().execute(stmt).all())
    rows = []
    for snap in to_insert:
        guid = taken.get(int(snap["id"]))
        if guid is None:
            rows.append(_row_values(snap))
        elif guid != snap["guid"]:
            # The id was reused by a newer coding (SQLite reuses the highest id).
            raise ConflictError(
                f"cannot restore coding {snap['id']}: a newer coding has its id",
                "Delete the newer coding first, or code the passage again.",
            )
    if rows:
        session.execute(insert(Coding), rows)
    for coding_id, before, after in payload["changed"]:
        coding = session.get(Coding, coding_id)
        if coding is not None:
            for name, value in (before if reverse else after).items():
                setattr(coding, name, value)


def _apply_codebook(session: Session, extra: dict[str, Any], reverse: bool) -> None:
    """The codebook part of a merge/delete: parents and moved rows back (undo) or over."""
    for child_id, old_parent, new_parent in extra.get("parents", []):
        child = session.get(Code, child_id)
        if child is not None:
            child.parent_id = old_parent if reverse else new_parent
    moved = extra.get("moved") or {}
    if moved:
        code_id = extra["source"] if reverse else extra["target"]
        for name, model in (("quote", Quote), ("suggestion", Suggestion)):
            for row_id in moved.get(name, []):
                row = session.get(model, row_id)
                if row is not None:
                    row.code_id = code_id
        for memo_id in moved.get("memo", []):
            memo = session.get(Memo, memo_id)
            if memo is not None:
                memo.target_id = code_id


def _restore_code(session: Session, snap: dict[str, Any]) -> None:
    """Put a deleted code back under its own id. Its codings come back under that id, so a
    newer code holding it stops
    the step: restoring onto it would file the codings under the wrong code (a project
    whose codes were made before ``fresh_code_ids`` chose their ids may have one)."""
    holder = session.get(Code, snap["id"])
    if holder is None:
        session.add(_restore(snap, Code))
    elif holder.guid != snap.get("guid", holder.guid):
        raise ConflictError(
            f"cannot restore code {snap.get('key')!r}: code {holder.key!r} now has its id",
            f"Delete or merge {holder.key!r} first (its codings can be moved with merge), "
            "then undo again.",
        )


# The largest code id any undo step names: a code a step deleted, or one it made.
_LOGGED_CODE_ID = (
    "SELECT max(CAST(json_extract(item.value, '$.id') AS INTEGER)) FROM action_log,"
    " json_each(action_log.payload, '$.codebook.{part}') AS item"
    " WHERE action_log.payload LIKE '%{part}%' AND json_valid(action_log.payload)"
)


def fresh_code_ids(session: Session) -> Iterator[int | None]:
    """The ids new codes should take, one after another, so that no undo step can find one
    taken: above every stored code and every code the history may bring back. SQLite gives
    a new row the largest id + 1, so the id of a deleted code went to the next one;
    PostgreSQL's sequence never gives an id twice (None for ever: let it choose)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return itertools.repeat(None)
    stored = conn.exec_driver_sql("SELECT max(id) FROM code").scalar()
    logged = [
        conn.exec_driver_sql(_LOGGED_CODE_ID.format(part=part)).scalar()
        for part in ("deleted_codes", "added_codes")
    ]
    return itertools.count(max([int(n) for n in (stored, *logged) if n is not None], default=0) + 1)


def _next_action(session: Session, coder: str, reverse: bool) -> ActionLog | None:
    # Undone actions are always the newest ones (a new action clears them), undone newest
    # first: undo takes the newest done action, redo the oldest undone one.
    order = col(ActionLog.id).desc() if reverse else col(ActionLog.id)
    return session.exec(
        select(ActionLog)
        .where(ActionLog.coder == coder, ActionLog.state == ("done" if reverse else "undone"))
        .order_by(order)
    ).first()


def _step(project: Project, coder: str, reverse: bool) -> str | None:
    """Undo or redo the coder's next action; only their own rows are touched, so other
    coders write on meanwhile (a codebook action takes the exclusive lock it had)."""
    with project.session() as s:
        peek = _next_action(s, coder, reverse)
    if peek is None:
        return None
    scope: WriteScope = "structure" if peek.payload.get("codebook") else "rows"
    with project.transaction(scope) as s:
        lock_coder(s, coder)  # one coder's undo and coding queue; others write on
        action = _next_action(s, coder, reverse)
        if action is None:
            return None
        if action.id != peek.id and scope == "rows" and action.payload.get("codebook"):
            return None  # the same coder changed their history meanwhile: nothing done
        _replay(s, action, reverse)
        action.state = "undone" if reverse else "done"
        return action.label


def _replay(s: Session, action: ActionLog, reverse: bool) -> None:
    extra = action.payload.get("codebook") or {}
    # Codes an action deleted come back on undo; codes it added (a new code made while
    # coding) come back on redo. Either way: codes first, then their codings.
    restore = extra.get("deleted_codes" if reverse else "added_codes", [])
    drop = extra.get("added_codes" if reverse else "deleted_codes", [])
    for snap in restore:
        _restore_code(s, snap)
    # Rows a deleted document took with it (``documents.delete_document``).
    if reverse:
        restore_rows(s, extra.get("deleted_rows", []))
    s.flush()
    _apply(s, action.payload, reverse=reverse)
    _apply_codebook(s, extra, reverse)
    s.flush()
    for snap in drop:
        existing = s.get(Code, snap["id"])
        if existing is not None:
            s.delete(existing)
    if not reverse:
        drop_rows(s, extra.get("deleted_rows", []))


class StepDict(TypedDict):
    """`undo --json` / `redo --json`: whether a step was taken, and its label."""

    done: bool
    action: str | None


def step_dict(label: str | None) -> StepDict:
    """What ``undo`` or ``redo`` returned, as `undo --json` prints it."""
    return StepDict(done=label is not None, action=label)


def undo(project: Project, coder: str) -> str | None:
    """Reverse the coder's last action; returns its label, or None when nothing is left."""
    return _step(project, coder, reverse=True)


def redo(project: Project, coder: str) -> str | None:
    """Replay the coder's most recently undone action; None when there is none."""
    return _step(project, coder, reverse=False)
