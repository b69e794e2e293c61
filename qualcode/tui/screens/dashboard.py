"""The dashboard: how far the project is — documents, codings per area, quotes and deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.table import Table
from rich.text import Text
from sqlalchemy import func
from sqlmodel import select
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from qualcode.codebook import all_codes, area_of
from qualcode.db import Project
from qualcode.models import QUOTE_STATUSES, Coder, Coding, Document, Participant, Quote, Suggestion

PENDING_STATUSES = ("candidate", "sent")


def dashboard_figures(project: Project) -> dict[str, Any]:
    """The numbers the dashboard shows, read straight from the tables."""
    with project.session() as s:
        documents = s.exec(select(func.count()).select_from(Document)).one()
        participants = s.exec(select(func.count()).select_from(Participant)).one()
        codings = s.exec(select(func.count()).select_from(Coding)).one()
        coders = s.exec(select(func.count()).select_from(Coder)).one()
        codes = all_codes(s)
        by_id = {c.id: c for c in codes}
        per_code = dict(s.exec(select(Coding.code_id, func.count()).group_by(Coding.code_id)).all())
        areas: dict[int, dict[str, Any]] = {}
        for code in codes:
            area = area_of(code, by_id)  # type: ignore[arg-type]
            entry = areas.setdefault(
                area.id,  # type: ignore[arg-type]
                {
                    "key": area.key,
                    "label": area.label_da,
                    "colour": area.colour,
                    "codings": 0,
                    "codes": 0,
                },
            )
            entry["codings"] += per_code.get(code.id, 0)
            entry["codes"] += 1 if per_code.get(code.id) else 0
        statuses = dict(s.exec(select(Quote.status, func.count()).group_by(Quote.status)).all())
        today = dt.date.today()
        nearest = s.exec(
            select(func.min(Quote.due_date)).where(
                Quote.status.in_(PENDING_STATUSES),  # type: ignore[attr-defined]
                Quote.due_date.is_not(None),  # type: ignore[union-attr]
                Quote.due_date >= today,  # type: ignore[operator]
            )
        ).one()
        overdue = s.exec(
            select(func.count())
            .select_from(Quote)
            .where(
                Quote.status == "sent",
                Quote.due_date.is_not(None),  # type: ignore[union-attr]
                Quote.due_date < today,  # type: ignore[operator]
            )
        ).one()
        open_suggestions = s.exec(
            select(func.count()).select_from(Suggestion).where(Suggestion.status == "open")
        ).one()
    return {
        "documents": int(documents),
        "participants": int(participants),
        "codings": int(codings),
        "coders": int(coders),
        "codes": len(codes),
        "areas": list(areas.values()),
        "quotes": {status: int(statuses.get(status, 0)) for status in QUOTE_STATUSES},
        "nearest_deadline": nearest.isoformat() if nearest else None,
        "overdue": int(overdue),
        "open_suggestions": int(open_suggestions),
    }


class DashboardScreen(Screen[None]):
    """Counts at a glance; d from anywhere comes back here."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Grid(id="dashboard-grid"):
            yield Static(id="dash-project", classes="panel")
            yield Static(id="dash-quotes", classes="panel")
            with VerticalScroll(classes="panel wide", id="dash-areas-scroll"):
                yield Static(id="dash-areas")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        try:
            figures = dashboard_figures(self.app.project)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)  # type: ignore[attr-defined]
            return
        self.query_one("#dash-project", Static).update(self._project_panel(figures))
        self.query_one("#dash-quotes", Static).update(self._quotes_panel(figures))
        self.query_one("#dash-areas", Static).update(self._areas_panel(figures))

    def _project_panel(self, f: dict[str, Any]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.title = "Project"
        table.add_column(justify="right", style="bold")
        table.add_column()
        table.add_row(str(f["documents"]), "documents")
        table.add_row(str(f["participants"]), "participants")
        table.add_row(str(f["codes"]), "codes")
        table.add_row(str(f["codings"]), "codings")
        table.add_row(str(f["coders"]), "coders")
        table.add_row(str(f["open_suggestions"]), "open suggestions")
        return table

    def _quotes_panel(self, f: dict[str, Any]) -> Table:
        table = Table.grid(padding=(0, 1), expand=True)
        table.title = "Quotes"
        table.add_column(justify="right", style="bold", width=3)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column(justify="right", style="bold", width=3)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        items = [(str(n), status.replace("_", " ")) for status, n in f["quotes"].items()]
        half = (len(items) + 1) // 2
        left, right = items[:half], items[half:]
        for i, (n, label) in enumerate(left):
            other = right[i] if i < len(right) else ("", "")
            table.add_row(n, label, other[0], other[1])
        table.add_row("", "", "", "")
        table.add_row("due", Text(f["nearest_deadline"] or "no deadline", style="bold"), "", "")
        if f["overdue"]:
            table.add_row(str(f["overdue"]), Text("overdue", style="bold red"), "", "")
        return table

    def _areas_panel(self, f: dict[str, Any]) -> Table:
        table = Table(title="Codings per area", expand=True, box=None, pad_edge=False)
        table.add_column("", width=2)
        table.add_column("area", ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("codes used", justify="right")
        table.add_column("codings", justify="right")
        if not f["areas"]:
            table.add_row(
                "", "no codebook yet: load one with `qualcode codebook load FILE`", "", ""
            )
        for area in f["areas"]:
            table.add_row(
                Text("■", style=area["colour"]),
                f"{area['key']}  {area['label']}",
                str(area["codes"]),
                str(area["codings"]),
            )
        return table
