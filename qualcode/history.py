"""Undo and redo of coding actions, stored in the project so they survive a restart.

Each action records the codings it added, removed and changed; undo reverses exactly that,
redo replays it. A code merge or delete (``codebook_edit``) also carries, under
``payload["codebook"]``, what the codings alone cannot restore: the deleted code, its
children's old parent, the quotes, suggestions and memos that moved. Actions are per coder:
ctrl+z undoes your own last action, not a colleague's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from qualcode.db import Project
from qualcode.errors import ConflictError
from qualcode.models import ActionLog, Code, Coding, Memo, Quote, Suggestion

_CODE_FIELDS = (
    "id",
    "key",
    "parent_id",
    "kind",
    "label_da",
    "label_en",
    "description_da",
    "description_en",
    "guiding_question_da",
    "guiding_question_en",
    "use_when",
    "not_when",
    "keywords",
    "colour",
    "position",
    "guid",
)
_CODING_FIELDS = (
    "id",
    "document_id",
    "code_id",
    "coder_id",
    "start",
    "end",
    "memo",
    "origin",
    "guid",
)


def coding_snapshot(coding: Coding) -> dict[str, Any]:
    """Everything needed to put a coding back exactly as it was."""
    snap = {name: getattr(coding, name) for name in _CODING_FIELDS}
    snap["created"] = coding.created.isoformat() if coding.created else None
    return snap


def code_snapshot(code: Code) -> dict[str, Any]:
    """Every field of a code, JSON-ready, so a deleted code can be put back as it was."""
    snap = {name: getattr(code, name) for name in _CODE_FIELDS}
    snap["keywords"] = list(code.keywords or [])
    snap["created"] = code.created.isoformat() if code.created else None
    return snap


def _restore(snap: dict[str, Any], model: type[Coding] | type[Code] = Coding) -> Any:
    data = dict(snap)
    created = data.pop("created", None)
    row = model(**data)
    if created:
        row.created = dt.datetime.fromisoformat(created)
    return row


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
) -> ActionLog:
    """Log one action inside the caller's transaction; a new action clears the redo stack.

    ``added`` are flushed codings, ``removed`` snapshots of deleted ones, ``changed`` is
    ``(coding_id, before_fields, after_fields)``.
    """
    session.flush()
    for stale in session.exec(
        select(ActionLog).where(ActionLog.coder == coder, ActionLog.state == "undone")
    ):
        session.delete(stale)
    action = ActionLog(
        coder=coder,
        label=label,
        payload={
            "added": [coding_snapshot(c) for c in added or []],
            "removed": list(removed or []),
            "changed": [[cid, before, after] for cid, before, after in changed or []],
        },
    )
    session.add(action)
    return action


def _apply(session: Session, payload: dict[str, Any], reverse: bool) -> None:
    to_delete = payload["added"] if reverse else payload["removed"]
    to_insert = payload["removed"] if reverse else payload["added"]
    for snap in to_delete:
        existing = session.get(Coding, snap["id"])
        if existing is not None:
            session.delete(existing)
    session.flush()
    for snap in to_insert:
        existing = session.get(Coding, snap["id"])
        if existing is None:
            session.add(_restore(snap))
        elif existing.guid != snap["guid"]:
            # The id was reused by a newer coding (SQLite reuses the highest id).
            raise ConflictError(
                f"cannot restore coding {snap['id']}: a newer coding has its id",
                "Delete the newer coding first, or code the passage again.",
            )
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


def _step(project: Project, coder: str, reverse: bool) -> str | None:
    # Undone actions are always the newest ones (a new action clears them), undone newest
    # first: undo takes the newest done action, redo the oldest undone one.
    order = col(ActionLog.id).desc() if reverse else col(ActionLog.id)
    with project.transaction() as s:
        action = s.exec(
            select(ActionLog)
            .where(ActionLog.coder == coder, ActionLog.state == ("done" if reverse else "undone"))
            .order_by(order)
        ).first()
        if action is None:
            return None
        extra = action.payload.get("codebook") or {}
        # Codes an action deleted come back on undo; codes it added (a new code made while
        # coding) come back on redo. Either way: codes first, then their codings.
        restore = extra.get("deleted_codes" if reverse else "added_codes", [])
        drop = extra.get("added_codes" if reverse else "deleted_codes", [])
        for snap in restore:
            if s.get(Code, snap["id"]) is None:
                s.add(_restore(snap, Code))
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
        action.state = "undone" if reverse else "done"
        return action.label


def undo(project: Project, coder: str) -> str | None:
    """Reverse the coder's last action; returns its label, or None when nothing is left."""
    return _step(project, coder, reverse=True)


def redo(project: Project, coder: str) -> str | None:
    """Replay the coder's most recently undone action; None when there is none."""
    return _step(project, coder, reverse=False)
