"""The audit log: who did what when, newest first, refreshed when others write.

One row per logged action (codings and their undo, reviews, codebook edits, imports, quote
answers), from ``qualcode.audit``. ``m`` shows only your own, ``k`` cycles the kinds.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from qualcode.audit import KINDS, LogEntry, audit_log
from qualcode.tui.base import QualcodeScreen

LIMIT = 500


class AuditScreen(QualcodeScreen[None]):
    """The project's audit log as a table."""

    BINDINGS = [
        Binding("m", "toggle_mine", "mine", id="audit.mine", tooltip="Only what you did"),
        Binding("k", "next_kind", "kind", id="audit.kind", tooltip="Cycle the kinds shown"),
        Binding("escape", "app.back", "back", id="audit.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.kind: str | None = None
        self.entries: list[LogEntry] = []

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static("loading the log…", id="audit-status", markup=False)
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("when (UTC)", "who", "kind", "what")
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def _load(self) -> None:
        coder = getattr(self.app, "coder", "") if self.mine else None
        entries = audit_log(
            self.app.project,
            coder=coder or None,
            kinds=(self.kind,) if self.kind else None,
            limit=LIMIT,
        )
        self.app.call_from_thread(self._show, entries)

    def _show(self, entries: list[LogEntry]) -> None:
        self.entries = entries
        table = self.query_one(DataTable)
        table.clear()
        for e in entries:
            what = e["what"] + (f" [{e['state']}]" if e["state"] == "undone" else "")
            table.add_row(e["at"][:19].replace("T", " "), e["who"], e["kind"], what)
        scope = "yours" if self.mine else "everyone's"
        kind = self.kind or "all kinds"
        self.query_one("#audit-status", Static).update(
            f"{len(entries)} entries · {scope} · {kind} · m: mine/all · k: kind"
        )

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.reload()

    def action_next_kind(self) -> None:
        order: list[str | None] = [None, *KINDS]
        self.kind = order[(order.index(self.kind) + 1) % len(order)]
        self.reload()
