"""The figures the dashboard shows: how far the project is.

One read of the tables into a typed result; no Textual. Codings per area count the area's
own codings and those of every code under it (its attention points), the same total the
codebook screen shows for an area.

The quote counts and "overdue" are read here through two thin functions until
``quotes.status_counts`` and ``quotes.overdue`` (the consent branch) land; then these two
call them, so "overdue" is defined in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from qualcode.codebook import CodeCount, all_codes, area_of, code_counts
from qualcode.db import Project
from qualcode.models import (
    QUOTE_STATUSES,
    Code,
    Coder,
    Coding,
    Document,
    Participant,
    Quote,
    Suggestion,
)
from qualcode.visibility import visible_coder_filter

PENDING_STATUSES = ("candidate", "sent")


@dataclass
class AreaFigures:
    """One top-level code (a development area) with everything under it."""

    id: int
    key: str
    label: str
    colour: str
    codings: int = 0
    codes_used: int = 0
    codes: int = 0


@dataclass
class DashboardFigures:
    documents: int
    participants: int
    codings: int
    coders: int
    codes: int
    open_suggestions: int
    areas: list[AreaFigures] = field(default_factory=list)
    quotes: dict[str, int] = field(default_factory=dict)
    nearest_deadline: dt.date | None = None
    overdue: int = 0


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def quote_status_counts(session: Session) -> dict[str, int]:
    """Quotes per status, every status present (0 when none)."""
    rows = dict(session.exec(select(Quote.status, func.count()).group_by(col(Quote.status))).all())
    return {status: int(rows.get(status, 0)) for status in QUOTE_STATUSES}


def overdue_count(session: Session, today: dt.date) -> int:
    """Sent quotes whose due date has passed."""
    due = col(Quote.due_date)
    return int(
        session.exec(
            select(func.count())
            .select_from(Quote)
            .where(Quote.status == "sent", due.is_not(None), due < today)
        ).one()
    )


def nearest_deadline(session: Session, today: dt.date) -> dt.date | None:
    """The nearest due date not yet passed of a pending quote."""
    due = col(Quote.due_date)
    return session.exec(
        select(func.min(due)).where(
            col(Quote.status).in_(PENDING_STATUSES), due.is_not(None), due >= today
        )
    ).one()


def area_figures(codes: list[Code], counts: dict[int, CodeCount]) -> list[AreaFigures]:
    """Codings per area (its own and its descendants', ``codebook.code_counts``), and how
    many of its codes are used, in codebook order. Pure."""
    by_id = {c.id: c for c in codes if c.id is not None}
    areas: dict[int, AreaFigures] = {}
    for code in codes:
        area = area_of(code, by_id)
        if area.id is None or code.id is None:
            continue
        if area.id not in areas:
            total = counts[area.id].with_descendants if area.id in counts else 0
            areas[area.id] = AreaFigures(area.id, area.key, area.label_da, area.colour, total)
        entry = areas[area.id]
        entry.codes += 1
        entry.codes_used += 1 if code.id in counts and counts[code.id].own else 0
    return list(areas.values())


def dashboard_figures(
    project: Project, today: dt.date | None = None, viewer: str | None = None
) -> DashboardFigures:
    """Every number the dashboard shows, in one session; codings as ``viewer`` may see
    them (with blind coding on, only their own and the reviewed ones)."""
    today = today or dt.date.today()
    visible = visible_coder_filter(project, viewer)
    with project.session() as s:
        codes = all_codes(s)
        counts = code_counts(s, visible)
        codings = select(func.count()).select_from(Coding)
        if visible is not None:
            codings = codings.where(visible)
        open_suggestions = s.exec(
            select(func.count()).select_from(Suggestion).where(Suggestion.status == "open")
        ).one()
        return DashboardFigures(
            documents=_count(s, Document),
            participants=_count(s, Participant),
            codings=int(s.exec(codings).one()),
            coders=_count(s, Coder),
            codes=len(codes),
            open_suggestions=int(open_suggestions),
            areas=area_figures(codes, counts),
            quotes=quote_status_counts(s),
            nearest_deadline=nearest_deadline(s, today),
            overdue=overdue_count(s, today),
        )
