"""Agreement review: walk the disagreements of two coders side by side and settle each.

Each disagreement is one sentence and one code that coder A marked and coder B did not (or
the other way round). ``a`` keeps A's codings, ``b`` keeps B's, ``t`` keeps both, ``n``
neither; the kept codings are copied as the reviewer's own (origin ``review``) and the
decision is recorded, so the screen shows it next time. ``p`` moves to the next pair of
coders who coded a same document; ``c`` shows the figures by code (all units and coded
units, side by side), where ``enter`` jumps to that code's first disagreement. The figures
are computed in a thread worker; the screen never blocks.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, LoadingIndicator, Static

from qualcode.agreement import (
    AgreementReport,
    CodeRow,
    Disagreement,
    coder_pairs,
    compute_agreement,
    default_review_pair,
    resolve_disagreement,
)
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.format import figure

TABLE_ROWS = 12  # codes shown at once in the by-code table

DECISION_LABELS = {
    "keep_a": "keep A",
    "keep_b": "keep B",
    "both": "both",
    "neither": "neither",
}


class ReviewScreen(QualcodeScreen[None]):
    """Disagreements between two coders, one at a time, with the decision keys."""

    DEFAULT_CSS = """
    ReviewScreen #review-status { height: auto; padding: 0 1; background: $boost; }
    ReviewScreen #review-unit {
        height: auto; max-height: 40%; border: round $primary; padding: 0 1;
    }
    ReviewScreen #review-sides { height: 1fr; }
    ReviewScreen #review-unit.table { max-height: 100%; }
    ReviewScreen .review-side { width: 1fr; border: round $secondary; padding: 0 1; }
    ReviewScreen .review-side.coded { border: round $success; }
    ReviewScreen #review-resolution { height: auto; padding: 0 1; }
    ReviewScreen #review-loading { height: 3; }
    """

    BINDINGS = [
        Binding(
            "a",
            "resolve('keep_a')",
            "keep A",
            id="review.keep_a",
            tooltip="Keep coder A's codings as yours",
        ),
        Binding(
            "b",
            "resolve('keep_b')",
            "keep B",
            id="review.keep_b",
            tooltip="Keep coder B's codings as yours",
        ),
        Binding(
            "t", "resolve('both')", "both", id="review.both", tooltip="Keep both coders' codings"
        ),
        Binding(
            "n",
            "resolve('neither')",
            "neither",
            id="review.neither",
            tooltip="The code does not apply here",
        ),
        Binding("j,down", "move(1)", "next", id="review.next", tooltip="Next disagreement"),
        Binding(
            "k,up", "move(-1)", "previous", id="review.previous", tooltip="Previous disagreement"
        ),
        Binding(
            "u",
            "next_open",
            "next open",
            id="review.next_open",
            tooltip="Jump to the next unresolved disagreement",
        ),
        Binding(
            "enter",
            "open_text",
            "in text",
            id="review.open",
            tooltip="Open the sentence in the coding view",
        ),
        Binding(
            "p", "next_pair", "pair", id="review.pair", tooltip="Review the next pair of coders"
        ),
        Binding(
            "c",
            "toggle_table",
            "by code",
            id="review.by_code",
            tooltip="Figures by code; enter jumps to a code's disagreements",
        ),
        Binding("escape", "app.back", "back", id="review.back"),
    ]

    class Resolved(Message):
        """A disagreement was settled (tests and other screens may listen)."""

        def __init__(self, disagreement: Disagreement, decision: str) -> None:
            super().__init__()
            self.disagreement = disagreement
            self.decision = decision

    def __init__(self, coders: list[str] | None = None) -> None:
        super().__init__()
        self.coders = coders
        self.report: AgreementReport | None = None
        self.index = 0
        self.pairs: list[list[str]] = []
        self.table_open = False
        self.code_cursor = 0

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static("computing agreement…", id="review-status", markup=False)
            yield LoadingIndicator(id="review-loading")
            yield Static("", id="review-unit", markup=False)
            with Horizontal(id="review-sides"):
                with VerticalScroll(classes="review-side", id="review-side-a"):
                    yield Static("", id="review-a")
                with VerticalScroll(classes="review-side", id="review-side-b"):
                    yield Static("", id="review-b")
            yield Static("", id="review-resolution", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    # ----- data -------------------------------------------------------------------------

    def reload(self) -> None:
        """(Re)compute the agreement in a worker; the screen stays responsive."""
        self.query_one("#review-loading").display = True
        self._compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def _compute(self) -> None:
        project = self.app.project
        reviewer = getattr(self.app, "coder", "") or None
        self.pairs = coder_pairs(project, reviewer=reviewer)
        pair = self.coders or default_review_pair(project, reviewer=reviewer)
        if len(pair) < 2:
            self.app.call_from_thread(
                self._show_empty, "Agreement review needs two coders who coded the same document."
            )
            return
        try:
            report = compute_agreement(project, pair[:2])
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._loaded, report)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#review-loading").display = False
        self.query_one("#review-status", Static).update("no agreement figures")
        notify_error = getattr(self.app, "notify_error", None)
        if callable(notify_error):
            notify_error(exc)

    def _show_empty(self, message: str) -> None:
        self.query_one("#review-loading").display = False
        self.query_one("#review-status", Static).update(message)

    def _loaded(self, report: AgreementReport) -> None:
        self.report = report
        self.coders = report.coders[:2]
        self.query_one("#review-loading").display = False
        open_items = [i for i, d in enumerate(report.disagreements) if d.resolution is None]
        self.index = open_items[0] if open_items else 0
        self._show()

    @property
    def current(self) -> Disagreement | None:
        if self.report is None or not self.report.disagreements:
            return None
        return self.report.disagreements[self.index]

    # ----- display ----------------------------------------------------------------------

    def _side(self, name: str, d: Disagreement, letter: str) -> str:
        items = d.codings.get(name, [])
        if not items:
            return f"[b]{letter}: {escape(name)}[/b] — did not code {escape(d.code)}"
        lines = [f"[b]{letter}: {escape(name)}[/b] — coded {escape(d.code)}"]
        for item in items:
            text = " ".join(item["text"].split())
            lines.append(f"\n{item['start']}–{item['end']}: {escape(text)}")
            if item.get("memo"):
                lines.append(f"[i]memo: {escape(item['memo'])}[/i]")
        return "\n".join(lines)

    def _table_line(self, row: CodeRow, chosen: bool) -> str:
        def two(f: dict[str, Any]) -> str:
            k, a = f["cohen_kappa"], f["krippendorff_alpha"]
            return ("   -  " if k is None else f"{k:6.2f}") + (
                "   -  " if a is None else f"{a:6.2f}"
            )

        mark = "▶" if chosen else " "
        return (
            f"{mark} {row['code'][:10]:<10} {two(dict(row['all_units']))}   "
            f"{two(dict(row['coded_units']))}   {row['disagreements']:>4}  {row['label'][:20]}"
        )

    def _show_table(self) -> None:
        report = self.report
        assert report is not None
        a, b = report.coders[:2]
        self.query_one("#review-status", Static).update(
            f"{a} ↔ {b} · by code · j/k: choose · enter: its disagreements · c: back"
        )
        lines = [
            f"  {'code':<10} {'all units':^12}   {'coded units':^12}   diff",
            f"  {'':<10} {'kappa alpha':>12}   {'kappa alpha':>12}",
        ]
        # A window of rows around the cursor: the panel does not scroll.
        first = max(0, min(self.code_cursor - TABLE_ROWS // 2, len(report.codes) - TABLE_ROWS))
        shown = report.codes[first : first + TABLE_ROWS]
        lines += [
            self._table_line(row, first + n == self.code_cursor) for n, row in enumerate(shown)
        ]
        if len(report.codes) > TABLE_ROWS:
            lines.append(f"  ({self.code_cursor + 1} of {len(report.codes)} codes)")
        self.query_one("#review-unit", Static).update("\n".join(lines))
        self.query_one("#review-a", Static).update("")
        self.query_one("#review-b", Static).update("")
        self.query_one("#review-resolution", Static).update(
            "all units: every sentence; coded units: those a coder marked with the code"
        )

    def _show(self) -> None:
        report = self.report
        assert report is not None
        self.query_one("#review-sides").display = not self.table_open
        self.query_one("#review-unit").set_class(self.table_open, "table")
        if self.table_open:
            self._show_table()
            return
        status = self.query_one("#review-status", Static)
        d = self.current
        overall = report.overall
        kappa = overall.get("cohen_kappa")
        alpha = overall.get("krippendorff_alpha")
        figures = (f"kappa {figure(kappa)}" if kappa is not None else "kappa -") + (
            f", alpha {figure(alpha)}" if alpha is not None else ""
        )
        a, b = report.coders[:2]
        if d is None:
            status.update(f"{a} ↔ {b}: no disagreements ({figures})")
            self.query_one("#review-unit", Static).update("")
            self.query_one("#review-a", Static).update("")
            self.query_one("#review-b", Static).update("")
            self.query_one("#review-resolution", Static).update("")
            return
        done = sum(1 for x in report.disagreements if x.resolution is not None)
        row = next((r for r in report.codes if r["code"] == d.code), {})
        code_kappa = row.get("cohen_kappa")
        code_figure = f" (kappa {figure(code_kappa)})" if code_kappa is not None else ""
        status.update(
            f"{a} ↔ {b} · disagreement {self.index + 1} of {len(report.disagreements)} · "
            f"{done} resolved · overall {figures}\n{d.document} · {d.start}–{d.end} · "
            f"code {d.code} {d.code_label}{code_figure}"
        )
        self.query_one("#review-unit", Static).update(d.text)
        self.query_one("#review-a", Static).update(self._side(a, d, "A"))
        self.query_one("#review-b", Static).update(self._side(b, d, "B"))
        self.query_one("#review-side-a").set_class(bool(d.codings.get(a)), "coded")
        self.query_one("#review-side-b").set_class(bool(d.codings.get(b)), "coded")
        if d.resolution:
            label = DECISION_LABELS.get(d.resolution.get("decision", ""), "?")
            text = f"resolved: {label} (by {d.resolution.get('reviewer', '?')})"
        else:
            text = "open — a: keep A · b: keep B · t: both · n: neither"
        self.query_one("#review-resolution", Static).update(text)

    # ----- actions ----------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.report is not None and self.table_open and self.report.codes:
            self.code_cursor = (self.code_cursor + step) % len(self.report.codes)
            self._show()
            return
        if self.report is None or not self.report.disagreements:
            return
        self.index = (self.index + step) % len(self.report.disagreements)
        self._show()

    def action_next_open(self) -> None:
        if self.report is None:
            return
        n = len(self.report.disagreements)
        for k in range(1, n + 1):
            i = (self.index + k) % n
            if self.report.disagreements[i].resolution is None:
                self.index = i
                self._show()
                return
        self.notify("every disagreement is resolved", timeout=3)

    def action_resolve(self, decision: str) -> None:
        d = self.current
        if d is None or self.report is None:
            return
        reviewer = getattr(self.app, "coder", "") or "reviewer"
        a, b = self.report.coders[:2]
        try:
            added = resolve_disagreement(self.app.project, d, decision, reviewer, a, b)
        except Exception as exc:  # noqa: BLE001 - a domain error becomes a notification
            notify_error = getattr(self.app, "notify_error", None)
            if callable(notify_error):
                notify_error(exc)
            return
        self.notify(
            f"{DECISION_LABELS[decision]}: {len(added)} coding(s) recorded as {reviewer}",
            timeout=3,
            markup=False,
        )
        self.post_message(self.Resolved(d, decision))
        if any(x.resolution is None for x in self.report.disagreements):
            self.action_next_open()
        else:
            self._show()

    def action_toggle_table(self) -> None:
        if self.report is None:
            return
        self.table_open = not self.table_open
        self._show()

    def action_next_pair(self) -> None:
        """Review the next pair of coders (of those who coded a same document)."""
        if len(self.pairs) < 2:
            self.notify("no other pair of coders shares a document", timeout=3)
            return
        current = self.report.coders[:2] if self.report else self.coders
        at = self.pairs.index(current) if current in self.pairs else -1
        self.coders = self.pairs[(at + 1) % len(self.pairs)]
        self.table_open = False
        self.reload()

    def _jump_to_code(self) -> None:
        report = self.report
        assert report is not None
        code = report.codes[self.code_cursor]["code"] if report.codes else None
        found = [i for i, d in enumerate(report.disagreements) if d.code == code]
        self.table_open = False
        if found:
            self.index = found[0]
        else:
            self.notify(f"no disagreements on {code}", timeout=3)
        self._show()

    def action_open_text(self) -> None:
        if self.report is not None and self.table_open:
            self._jump_to_code()
            return
        d = self.current
        opener = getattr(self.app, "open_document", None)
        if d is not None and callable(opener):
            opener(d.document_id, d.start, d.end)

    def palette_commands(self) -> Any:
        from functools import partial

        from textual.app import SystemCommand

        for decision, label in DECISION_LABELS.items():
            yield SystemCommand(
                f"review: {label}",
                "Settle the shown disagreement",
                partial(self.action_resolve, decision),
            )
