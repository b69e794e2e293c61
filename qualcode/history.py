"""Undo and redo of coding actions, stored in the project so they survive a restart.

Each action records the codings it added, removed and changed; undo reverses exactly that,
redo replays it. Actions are per coder: ctrl+z undoes your own last action, not a
colleague's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from qualcode.db import Project
from qualcode.models import ActionLog, Coding

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


def _restore(snap: dict[str, Any]) -> Coding:
    data = dict(snap)
    created = data.pop("created", None)
    coding = Coding(**data)
    if created:
        coding.created = dt.datetime.fromisoformat(created)
    return coding


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
        if session.get(Coding, snap["id"]) is None:
            session.add(_restore(snap))
    for coding_id, before, after in payload["changed"]:
        coding = session.get(Coding, coding_id)
        if coding is not None:
            for name, value in (before if reverse else after).items():
                setattr(coding, name, value)


def undo(project: Project, coder: str) -> str | None:
    """Reverse the coder's last action; returns its label, or None when nothing is left."""
    with project.transaction() as s:
        action = s.exec(
            select(ActionLog)
            .where(ActionLog.coder == coder, ActionLog.state == "done")
            .order_by(col(ActionLog.id).desc())
        ).first()
        if action is None:
            return None
        _apply(s, action.payload, reverse=True)
        action.state = "undone"
        return action.label


def redo(project: Project, coder: str) -> str | None:
    """Replay the coder's most recently undone action; None when there is none.

    Undone actions are always the newest ones (a new action clears them), undone newest
    first, so the most recently undone is the oldest of them.
    """
    with project.transaction() as s:
        action = s.exec(
            select(ActionLog)
            .where(ActionLog.coder == coder, ActionLog.state == "undone")
            .order_by(col(ActionLog.id))
        ).first()
        if action is None:
            return None
        _apply(s, action.payload, reverse=False)
        action.state = "done"
        return action.label
