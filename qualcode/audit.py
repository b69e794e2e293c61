"""The audit log: who did what, when — read from what the project keeps anyway.

Sources: the undo history (``action_log``: codings, reviews, code merges and deletions, each
with its state, done or undone), the quote events (every answer and status change), and
``log_event`` entries for what cannot be undone but should be seen (imports, codebook
edits). Nothing here writes except ``log_event``, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, TypedDict

from qualcode.errors import QualcodeError
from qualcode.naming import default_coder_name
from qualcode.vocabulary import utcnow

if TYPE_CHECKING:
    # The ORM is imported where the log is read, so that an import on the light write path
    # (``store.light_write``) can log without loading it.
    from sqlmodel import Session

    from qualcode.db import Project
    from qualcode.models import ActionLog
    from qualcode.store.light_write import Writer

# An ``action_log`` row in this state is a record only: undo and redo never pick it.
LOGGED = "logged"
KINDS = ("coding", "review", "codebook", "import", "quote")
_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class LogEntry(TypedDict):
    """One line of the log (JSON shape of ``qualcode log --json``)."""

    at: str
    who: str
    kind: str
    what: str
    state: str


_LOG_EVENT = (
    "INSERT INTO action_log (coder, label, payload, state, created)"
    " VALUES (:coder, :label, :payload, :state, :created)"
)


def log_event(session: Session, who: str, what: str, kind: str) -> None:
    """Record something that is not undoable (an import, a codebook edit) for the log;
    ``who`` empty: the coder this program runs as (``$QUALCODE_CODER``, the user)."""
    from qualcode.store.writer import SessionWriter

    log_event_with(SessionWriter(session), who, what, kind)


def log_event_with(writer: Writer, who: str, what: str, kind: str) -> None:
    """``log_event`` inside a ``store.light_write.Writer``'s transaction."""
    writer.execute(
        _LOG_EVENT,
        {
            "coder": who or default_coder_name(),
            "label": what[:500],
            "payload": {"kind": kind},
            "state": LOGGED,
            "created": utcnow(),
        },
    )


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """``2026-11-30``, ``2026-11-30T09:00`` or relative: ``30m``, ``6h``, ``2d``, ``1w``."""
    now = now or dt.datetime.now(dt.UTC)
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - dt.timedelta(days=1 if word == "yesterday" else 0)
    found = _RELATIVE.match(text.strip().lower())
    if found:
        return now - dt.timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise QualcodeError(
            f"cannot read --since {text!r}",
            "Give today, yesterday, a date (2026-11-30), a time (2026-11-30T09:00) "
            "or an age (30m, 6h, 2d, 1w).",
        ) from None
    return _aware(when)


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC; PostgreSQL aware: compare them as aware UTC."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _action_kind(action: ActionLog) -> str:
    payload = action.payload or {}
    if payload.get("kind") in KINDS:
        return str(payload["kind"])
    if payload.get("codebook") is not None or action.label.startswith(("merge ", "delete code")):
        return "codebook"
    if action.label.startswith("review "):
        return "review"
    return "coding"


def _actions(s: Session, coder: str | None, since: dt.datetime | None) -> list[LogEntry]:
    from sqlmodel import select

    from qualcode.models import ActionLog

    query = select(ActionLog)
    if coder:
        query = query.where(ActionLog.coder == coder)
    out = []
    for action in s.exec(query):
        at = _aware(action.created)
        if since is not None and at < since:
            continue
        state = "" if action.state == LOGGED else action.state
        out.append(
            LogEntry(
                at=at.isoformat(),
                who=action.coder,
                kind=_action_kind(action),
                what=action.label,
                state=state,
            )
        )
    return out


def _quote_events(s: Session, coder: str | None, since: dt.datetime | None) -> list[LogEntry]:
    from sqlmodel import col, select

    from qualcode.models import Quote, QuoteEvent

    query = select(QuoteEvent, Quote.wording).join(Quote, col(Quote.id) == QuoteEvent.quote_id)
    if coder:
        query = query.where(QuoteEvent.who == coder)
    out = []
    for event, wording in s.exec(query):
        at = _aware(event.at)
        if since is not None and at < since:
            continue
        short = " ".join(wording.split())
        short = short if len(short) <= 40 else short[:39] + "…"
        change = (
            f"{event.from_status} → {event.to_status}" if event.from_status else event.to_status
        )
        note = f" ({event.note})" if event.note else ""
        out.append(
            LogEntry(
                at=at.isoformat(),
                who=event.who,
                kind="quote",
                what=f"quote {event.quote_id} “{short}”: {change}{note}",
                state="",
            )
        )
    return out


def audit_log(
    project: Project,
    coder: str | None = None,
    since: dt.datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    limit: int | None = None,
) -> list[LogEntry]:
    """Everything logged, newest first; filtered by who, since when and what kind."""
    since = _aware(since) if since is not None else None
    with project.session() as s:
        entries = _actions(s, coder, since) + _quote_events(s, coder, since)
    if kinds:
        entries = [e for e in entries if e["kind"] in kinds]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit] if limit else entries
