"""The dashboard: how far the project is — documents, codings per area, quotes and deadlines.

It is the app's first screen, painted before the project is open (``QualcodeApp`` opens
it in a worker), so it imports the figures (and with them the database layer) only when
it first fills in; until then its panels say the project is opening.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Header, Static

from qualcode.tui.base import QualcodeScreen

if TYPE_CHECKING:
    from qualcode.dashboard import DashboardFigures

KEYS = (
    "o documents · c codebook · / search · Q quotes · S synthesis · R review · , settings · "
    "d here · F1 help · ctrl+p everything"
)


class DashboardScreen(QualcodeScreen[None]):
    """Counts at a glance; d from anywhere comes back here."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Grid(id="dashboard-grid"):
            yield Static(id="dash-project", classes="panel")
            yield Static(id="dash-quotes", classes="panel")
            with VerticalScroll(classes="panel wide", id="dash-areas-scroll"):
                yield Static(id="dash-areas")
        yield Static(KEYS, id="dash-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        project = self.app.opened_project
        if project is None:
            self.query_one("#dash-project", Static).update(Text("opening the project…"))
            return
        from qualcode.dashboard import dashboard_figures

        try:
            figures = dashboard_figures(project, viewer=self.app.coder)
        except Exception as exc:  # noqa: BLE001 - a busy database: say so, keep the screen
            self.app.notify_error(exc)
            return
        self.query_one("#dash-project", Static).update(self._project_panel(figures))
        self.query_one("#dash-quotes", Static).update(self._quotes_panel(figures))
        self.query_one("#dash-areas", Static).update(self._areas_panel(figures))

    def _project_panel(self, f: DashboardFigures) -> Table:
        table = Table.grid(padding=(0, 2))
        table.title = "Project"
        table.add_column(justify="right", style="bold")
        table.add_column()
        for n, one in (
            (f.documents, "document"),
            (f.participants, "participant"),
            (f.codes, "code"),
            (f.codings, "coding"),
            (f.coders, "coder"),
            (f.open_suggestions, "open suggestion"),
        ):
            table.add_row(str(n), one if n == 1 else one + "s")
        return table

    def _quotes_panel(self, f: DashboardFigures) -> Table:
        """Quotes by status, one a line (statuses nobody has reached yet are left out)."""
        table = Table.grid(padding=(0, 1), expand=True)
        table.title = "Quotes"
        table.add_column(justify="right", style="bold", width=4)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for status, n in f.quotes.items():
            if n or status in ("candidate", "sent"):
                table.add_row(str(n), status.replace("_", " "))
        due = f.nearest_deadline.isoformat() if f.nearest_deadline else "no deadline"
        table.add_row("due", Text(due, style="bold"))
        if f.overdue:
            table.add_row(str(f.overdue), Text("overdue", style="bold red"))
        return table

    def _areas_panel(self, f: DashboardFigures) -> Table:
        table = Table(
            title="Codings per area (with its attention points)",
            expand=True,
            box=None,
            pad_edge=False,
        )
        table.add_column("", width=2)
        table.add_column("area", ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("codes used", justify="right")
        table.add_column("codings", justify="right")
        if not f.areas:
            table.add_row(
                "", "no codebook yet: load one with `qualcode codebook load FILE`", "", ""
            )
        for area in f.areas:
            table.add_row(
                Text("■", style=area.colour),
                f"{area.key}  {area.label}",
                f"{area.codes_used}/{area.codes}",
                str(area.codings),
            )
        return table
