"""Blind coding: who sees whose codings.

With blind coding on (for the project, or for one coder), a coder sees only their own
codings and the reviewed ones (origin ``review``) — in the coding view, the code counts and
the listings — so their coding is independent and the agreement figures mean something. A
lead always sees everyone; once a lead opens review, everyone does. One function,
``visible_coder_filter``, is applied in the domain queries; the settings are kept in the
project's settings table by the few small functions below.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from qualcode.blind import BLIND, BLIND_CODER, LEADS, REVIEW, BlindSettings, blind_settings
from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.models import Coder, Coding, ProjectSetting, Suggestion
from qualcode.store.fastpath import table_of

# A suggestion made for a blind coder (from their own codings only) carries the coder's id
# in its method: "codebook@7". Suggestions without it are the project's.
OWNER_MARK = "@"


class BlindStatusDict(TypedDict):
    """`blind status --json`."""

    project_wide: bool
    coders: list[str]
    leads: list[str]
    review_open: bool


def read_settings_in(session: Session) -> BlindSettings:
    query = sm_select(ProjectSetting).where(col(ProjectSetting.key).startswith(BLIND))
    return blind_settings({r.key: r.value for r in session.exec(query)})


def read_settings(project: Project) -> BlindSettings:
    with project.session() as s:
        return read_settings_in(s)


def blind_status(project: Project) -> BlindStatusDict:
    """`blind status --json`: whether blind coding is on for everyone, for whom, who leads,
    whether review is open."""
    settings = read_settings(project)
    return BlindStatusDict(
        project_wide=settings.project_wide,
        coders=sorted(settings.coders),
        leads=sorted(settings.leads),
        review_open=settings.review_open,
    )


def visible_coder_filter(project: Project, viewer: str | None) -> ColumnElement[bool] | None:
    """A condition on ``coding`` rows for what ``viewer`` may see; None: everything.

    Use it in ORM and Core queries alike: ``query.where(condition)``.
    """
    if not read_settings(project).is_blind(viewer):
        return None
    return coding_condition(viewer)


def coding_condition(viewer: str | None) -> ColumnElement[bool]:
    """The viewer's own codings and the reviewed ones."""
    table = table_of(Coding)
    own = select(col(Coder.id)).where(col(Coder.name) == (viewer or "")).scalar_subquery()
    return or_(table.c.coder_id == own, table.c.origin == "review")


def suggestion_owner_condition(owner: int | None) -> ColumnElement[bool]:
    """Suggestions made for the blind coder ``owner`` (an id), or the project's (None)."""
    method = table_of(Suggestion).c.method
    if owner is None:
        return ~method.contains(OWNER_MARK)
    return method.endswith(f"{OWNER_MARK}{owner}")


def visible_suggestion_filter(project: Project, viewer: str | None) -> ColumnElement[bool]:
    """A condition on ``suggestion`` rows for what ``viewer`` is offered: with blind coding
    on for them, only the suggestions made for them (made from their own codings, so they
    tell nothing of a colleague's); otherwise (a lead, review open, blind coding off) the
    project's. The same rule as the coding view's marks (``suggest.open_suggestions``)."""
    if viewer is None or not read_settings(project).is_blind(viewer):
        return suggestion_owner_condition(None)
    with project.session() as s:
        found = s.exec(sm_select(Coder.id).where(Coder.name == viewer)).first()
    return suggestion_owner_condition(-1 if found is None else found)


def reviewed_only(project: Project) -> ColumnElement[bool] | None:
    """For the synthesis: with blind coding on and review not yet closed in, only the
    reviewed codings count (None: every coding counts)."""
    settings = read_settings(project)
    if not settings.enabled:
        return None
    return table_of(Coding).c.origin == "review"


def _put(session: Session, key: str, value: str | None) -> None:
    row = session.get(ProjectSetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(ProjectSetting(key=key, value=value))
    else:
        row.value = value


def set_blind(project: Project, on: bool, coder: str | None = None) -> BlindSettings:
    """Blind coding on or off, for the project or (``coder``) for one coder."""
    with project.transaction() as s:
        if coder:
            _put(s, BLIND_CODER + coder.strip(), "on" if on else None)
        else:
            _put(s, BLIND, "on" if on else "off")
            if on:
                _put(s, REVIEW, None)
        return read_settings_in(s)


def set_lead(project: Project, name: str, lead: bool = True) -> BlindSettings:
    """Make ``name`` a lead (sees everyone, opens review), or no longer one."""
    name = name.strip()
    if not name or "," in name:
        raise QualcodeError(f"not a coder name: {name!r}", "Give one name, without commas.")
    with project.transaction() as s:
        leads = set(read_settings_in(s).leads)
        leads = leads | {name} if lead else leads - {name}
        _put(s, LEADS, ",".join(sorted(leads)) or None)
        return read_settings_in(s)


def open_review(project: Project, lead: str, open_: bool = True) -> BlindSettings:
    """A lead ends the blind phase (everyone sees everyone) or starts it again."""
    with project.transaction() as s:
        settings = read_settings_in(s)
        if lead not in settings.leads:
            raise QualcodeError(
                f"{lead} is not a lead of this project",
                "A lead opens review: `qualcode blind lead NAME` makes one.",
            )
        _put(s, REVIEW, "open" if open_ else None)
        return read_settings_in(s)
