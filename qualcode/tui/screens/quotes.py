"""The quotes board: every quote by status and expert, with deadlines and what is overdue.

Keys: ``f`` cycles the status filter, ``e`` the expert filter; ``n`` adds a quote, ``w``
edits a candidate's wording (the fidelity check runs as you type), ``k`` sets the code the
quote supports, ``a``/``v``/``r``
record an answer (approve, approve with changes, reject), ``x`` withdraws, ``m`` makes
packets in a worker with a progress bar, ``s`` sweeps overdue quotes, ``g`` opens the
source passage in the coding view.

Every write passes the version of the quote the screen showed, so an answer someone else
recorded in the meantime is refused (ConflictError) instead of overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from qualcode import fidelity
from qualcode import quotes as quotes_mod
from qualcode.codebook import all_codes
from qualcode.packets import MadePacket, make_packets
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.code_picker import CodePicker, NewCode, pickable
from qualcode.tui.widgets.dialogs import TextPrompt
from qualcode.tui.widgets.format import plural

STATUS_STYLE = {
    "candidate": "cyan",
    "sent": "yellow",
    "approved": "green",
    "approved_with_changes": "green",
    "rejected": "red",
    "deemed_accepted": "green italic",
    "withdrawn": "dim",
}
STATUS_FILTERS: list[str | None] = [None, *quotes_mod.TRANSITIONS]


def fidelity_text(source: str, wording: str) -> Text:
    """The live check line shown under a wording being edited."""
    report = fidelity.check(source, wording)
    style = "green" if report.ok else ("bold red" if report.flags else "yellow")
    return Text(f"check: {report.summary()}", style=style)


class WordingEditor(ModalScreen[str | None]):
    """Edit a wording against its source; the fidelity check updates on every change."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save", id="quotes.wording.save"),
        Binding("escape", "cancel", "cancel", id="quotes.wording.cancel"),
    ]
    DEFAULT_CSS = """
    WordingEditor TextArea { height: 8; }
    WordingEditor #wording-source { color: $text-muted; padding-bottom: 1; }
    """

    def __init__(self, title: str, source: str, wording: str) -> None:
        super().__init__()
        self.editor_title = title
        self.source = source
        self.wording = wording

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.editor_title, classes="dialog-title")
            yield Static(Text(f"source: {self.source}"), id="wording-source")
            yield TextArea(self.wording, id="wording-text", soft_wrap=True)
            yield Static(fidelity_text(self.source, self.wording), id="wording-check")
            yield Static("ctrl+s saves, escape cancels", classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.query_one("#wording-check", Static).update(
            fidelity_text(self.source, event.text_area.text)
        )

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuoteForm(ModalScreen[dict[str, str] | None]):
    """A new quote: document, the exact passage, the code and (optionally) a wording."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="quotes.form.cancel")]
    FIELDS = (
        ("document", "Document (id or title)"),
        ("match", "Exact passage (occurs once in the document)"),
        ("wording", "Wording for the report (optional)"),
    )

    def __init__(self, document: str = "") -> None:
        super().__init__()
        self.document = document

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New quote", classes="dialog-title")
            for name, placeholder in self.FIELDS:
                value = self.document if name == "document" else ""
                yield Input(value=value, placeholder=placeholder, id=f"form-{name}")
            yield Static(
                "enter on the last field goes on to the code picker (esc there: no code), "
                "escape cancels",
                classes="dialog-help",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        idx = inputs.index(event.input)
        if idx < len(inputs) - 1:
            inputs[idx + 1].focus()
            return
        self.dismiss({name: self.query_one(f"#form-{name}", Input).value.strip()
                      for name, _ in self.FIELDS})  # fmt: skip

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuotesScreen(QualcodeScreen[None]):
    """The quotes board."""

    BINDINGS = [
        Binding("f", "cycle_status", "status", id="quotes.filter_status",
                tooltip="Show one status at a time (cycles)"),
        Binding("e", "cycle_expert", "expert", show=False, id="quotes.filter_expert",
                tooltip="Show one expert at a time (cycles)"),
        Binding("n", "new_quote", "new", id="quotes.new", tooltip="Add a quote"),
        Binding("w", "edit_wording", "wording", id="quotes.wording",
                tooltip="Edit the wording (candidates), with the fidelity check"),
        Binding("k", "set_code", "code", id="quotes.code", tooltip="The code the quote supports"),
        Binding("a", "approve", "approve", id="quotes.approve", tooltip="Record: approved"),
        Binding("v", "revise", "revise", show=False, id="quotes.revise",
                tooltip="Record: approved with changes (new wording)"),
        Binding("r", "reject", "reject", id="quotes.reject", tooltip="Record: rejected"),
        Binding("x", "withdraw", "withdraw", show=False, id="quotes.withdraw",
                tooltip="Withdraw the quote"),
        Binding("m", "make_packets", "packets", id="quotes.packets",
                tooltip="Make packets for every expert with candidate quotes"),
        Binding("s", "sweep", "sweep", show=False, id="quotes.sweep",
                tooltip="Overdue sent quotes become deemed accepted (if silence is consent)"),
        Binding("g", "goto_source", "source", show=False, id="quotes.source",
                tooltip="Open the passage in the coding view"),
        Binding("escape", "app.back", "back", show=False),
    ]  # fmt: skip
    DEFAULT_CSS = """
    QuotesScreen #quotes-bar { height: 1; padding: 0 1; background: $boost; }
    QuotesScreen #quotes-body { height: 1fr; }
    QuotesScreen #quotes-table { width: 3fr; }
    QuotesScreen #quotes-detail { width: 2fr; border-left: solid $primary; padding: 0 1; }
    QuotesScreen #quotes-progress { height: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[quotes_mod.QuoteRow] = []
        self.status_filter: str | None = None
        self.expert_filter: str | None = None
        self.today = dt.date.today()
        self.last_packets: list[MadePacket] = []

    def compose(self) -> ComposeResult:
        yield Static(id="quotes-bar")
        with Horizontal(id="quotes-body"):
            yield DataTable(id="quotes-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="quotes-detail"):
                yield Static(id="quotes-detail-text")
        yield ProgressBar(id="quotes-progress", show_eta=False, classes="hidden")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "status", "expert", "code", "due", "check", "wording")
        self.reload()
        table.focus()

    # ----- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the quotes again (after any change, here or elsewhere)."""
        app = self.app
        rows = app.guarded(quotes_mod.list_quotes, app.project)
        self.rows = rows or []
        self._fill()

    def shown_quotes(self) -> list[quotes_mod.QuoteRow]:
        return [
            q for q in self.rows
            if (self.status_filter is None or q["status"] == self.status_filter)
            and (self.expert_filter is None or q["participant"] == self.expert_filter)
        ]  # fmt: skip

    def _is_overdue(self, q: quotes_mod.QuoteRow) -> bool:
        return bool(
            q["status"] == quotes_mod.SENT
            and q["due_date"]
            and dt.date.fromisoformat(q["due_date"]) < self.today
        )

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self.current()
        table.clear()
        for q in self.shown_quotes():
            check = q["fidelity"].get("approved_wording") or q["fidelity"].get("wording") or {}
            flags = check.get("flags") or []
            check_text = Text(
                "verbatim" if check.get("identical") else f"{check.get('similarity', 0):.0f}%",
                style="bold red" if flags else "",
            )
            if flags:
                check_text.append(f" ⚑{len(flags)}")
            due = Text(q["due_date"] or "")
            if self._is_overdue(q):
                due = Text(f"{q['due_date']} overdue", style="bold red")
            table.add_row(
                f"Q{q['id']}",
                Text(q["status"], style=STATUS_STYLE.get(q["status"], "")),
                q["attribution"][:22],
                q["code"] or "",
                due,
                check_text,
                q["final_wording"].replace("\n", " ")[:40],
                key=str(q["id"]),
            )
        if keep is not None:
            for i, q in enumerate(self.shown_quotes()):
                if q["id"] == keep["id"]:
                    table.move_cursor(row=i)
        self._update_bar()
        self._update_detail()

    def _update_bar(self) -> None:
        counts: dict[str, int] = {}
        for q in self.rows:
            counts[q["status"]] = counts.get(q["status"], 0) + 1
        overdue = sum(1 for q in self.rows if self._is_overdue(q))
        parts = [f"{s} {n}" for s, n in counts.items() if n]
        bar = Text(f"Quotes: {len(self.shown_quotes())} shown · " + " · ".join(parts))
        if overdue:
            bar.append(f" · {overdue} overdue", style="bold red")
        bar.append(f" · filter: {self.status_filter or 'all'} / {self.expert_filter or 'all'}")
        self.query_one("#quotes-bar", Static).update(bar)

    def current(self) -> quotes_mod.QuoteRow | None:
        """The quote under the cursor (None on an empty board)."""
        try:
            table = self.query_one(DataTable)
        except Exception:  # noqa: BLE001 - before compose
            return None
        visible = self.shown_quotes()
        if not visible or table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), len(visible) - 1)
        return visible[row]

    def _update_detail(self) -> None:
        q = self.current()
        detail = self.query_one("#quotes-detail-text", Static)
        if q is None:
            detail.update("No quotes here. Select a passage in the coding view and press q, "
                          "or press n.")  # fmt: skip
            return
        t = Text()
        t.append(f"Q{q['id']} · {q['status']}\n", style="bold")
        t.append(f"{q['attribution']}\n", style="italic")
        t.append(f"{q['document']} {q['start']}-{q['end']}\n")
        if q["code"]:
            t.append(f"code {q['code']} {q['code_label']} (area {q['area']})\n")
        if q["due_date"]:
            t.append(f"due {q['due_date']}", style="bold red" if self._is_overdue(q) else "")
            t.append("\n")
        t.append("\nsource\n", style="bold")
        t.append(q["source_text"] + "\n")
        t.append("\nwording\n", style="bold")
        t.append(q["wording"] + "\n")
        for key, title in (("wording", "wording check"), ("approved_wording", "expert's check")):
            entry = q["fidelity"].get(key)
            if entry and not (key == "wording" and entry.get("identical")):
                t.append(f"{title}: {entry['summary']}\n",
                         style="bold red" if entry.get("flags") else "green")  # fmt: skip
        if q["approved_wording"] and q["approved_wording"] != q["wording"]:
            t.append("\napproved wording\n", style="bold")
            t.append(q["approved_wording"] + "\n")
        if q["draft_paragraph"]:
            t.append("\ndraft paragraph\n", style="bold")
            t.append(q["draft_paragraph"] + "\n")
        t.append("\nhistory\n", style="bold")
        for e in q["events"]:
            frm = e["from"] or "·"
            t.append(f"{e['at'][:16].replace('T', ' ')} {e['who']}: {frm} → {e['to']}")
            t.append(f"  {e['note']}\n" if e["note"] else "\n", style="dim")
        detail.update(t)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_detail()

    # ----- filters -----------------------------------------------------------------------

    def action_cycle_status(self) -> None:
        i = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(i + 1) % len(STATUS_FILTERS)]
        self._fill()

    def action_cycle_expert(self) -> None:
        experts: list[str | None] = [None, *dict.fromkeys(q["participant"] for q in self.rows)]
        i = experts.index(self.expert_filter) if self.expert_filter in experts else 0
        self.expert_filter = experts[(i + 1) % len(experts)]
        self._fill()

    # ----- writes --------------------------------------------------------------------------

    def _write(self, fn: Any, *args: Any, done: str = "", **kwargs: Any) -> Any:
        result = self.app.guarded(fn, *args, **kwargs)
        self.reload()
        if result is not None and done:
            self.notify(done, timeout=3, markup=False)
        return result

    def action_new_quote(self) -> None:
        def added(values: dict[str, str] | None) -> None:
            if not values or not values.get("document") or not values.get("match"):
                return
            app = self.app

            def coded(code: str | None) -> None:
                self._write(
                    quotes_mod.add_quote_by_match, app.project, values["document"],
                    values["match"], code, app.coder,
                    wording=values.get("wording") or None, done="quote added",
                )  # fmt: skip

            self.pick_code("The quote supports which code? (esc: none yet)", coded)

        self.app.push_screen(QuoteForm(), added)

    def action_edit_wording(self) -> None:
        q = self.current()
        if q is None:
            return
        if q["status"] != quotes_mod.CANDIDATE:
            self.notify(f"Q{q['id']} is {q['status']}: record the expert's wording with v",
                        severity="warning", timeout=4)  # fmt: skip
            return
        version = q["version"]

        def save(text: str | None) -> None:
            if text:
                app = self.app
                self._write(quotes_mod.edit_quote, app.project, q["id"], app.coder,
                            wording=text, expected_version=version,
                            done="wording saved")  # fmt: skip

        self.app.push_screen(
            WordingEditor(f"Wording of Q{q['id']}", q["source_text"], q["wording"]), save
        )

    def pick_code(self, title: str, then: Callable[[str | None], None]) -> None:
        """The same fuzzy picker as the coding view; ``then`` gets the code's key (or None
        when the picker was closed with escape)."""
        with self.app.project.session() as s:
            codes = all_codes(s)
        keys = {c.id: c.key for c in codes}

        def chosen(ids: list[int] | NewCode | None) -> None:
            then(keys.get(ids[0]) if isinstance(ids, list) and ids else None)

        self.app.push_screen(CodePicker(pickable(codes), title=title, multiple=False), chosen)

    def action_set_code(self) -> None:
        q = self.current()
        if q is None:
            return
        version = q["version"]

        def save(code: str | None) -> None:
            if code is not None:
                app = self.app
                self._write(quotes_mod.edit_quote, app.project, q["id"], app.coder,
                            code=code, expected_version=version,
                            done=f"Q{q['id']}: code {code}")  # fmt: skip

        self.pick_code(f"Q{q['id']} supports which code?", save)

    def respond(self, action: str, text: str | None = None, note: str = "") -> Any:
        """Record an answer for the quote under the cursor (also used by tests)."""
        q = self.current()
        if q is None:
            return None
        return self._write(
            quotes_mod.respond, self.app.project, q["id"], action, self.app.coder,
            text=text, note=note, expected_version=q["version"],
            done=f"Q{q['id']}: {action} recorded",
        )  # fmt: skip

    def action_approve(self) -> None:
        self.respond("approve")

    def action_revise(self) -> None:
        q = self.current()
        if q is None:
            return

        def save(text: str | None) -> None:
            if text:
                self.respond("revise", text=text)

        self.app.push_screen(
            WordingEditor(f"The expert's wording for Q{q['id']}", q["source_text"],
                          q["approved_wording"] or q["wording"]), save)  # fmt: skip

    def action_reject(self) -> None:

        if self.current() is None:
            return

        def save(note: str | None) -> None:
            self.respond("reject", note=note or "")

        self.app.push_screen(TextPrompt("Rejected — a note (optional)", ""), save)

    def action_withdraw(self) -> None:
        q = self.current()
        if q is None:
            return
        self._write(quotes_mod.withdraw, self.app.project, q["id"], self.app.coder,
                    expected_version=q["version"], done=f"Q{q['id']} withdrawn")  # fmt: skip

    def action_sweep(self) -> None:
        result = self._write(quotes_mod.sweep, self.app.project, self.today,
                             who=self.app.coder)  # fmt: skip
        if result is None:
            return
        if result["silence_as_consent"]:
            n = len(result["deemed_accepted"])
            self.notify(f"{plural(n, 'overdue quote')} deemed accepted")
        else:
            self.notify(f"{len(result['overdue'])} overdue; silence is not consent here",
                        severity="warning")  # fmt: skip

    def action_goto_source(self) -> None:
        q = self.current()
        if q is not None:
            self.app.open_document(q["document_id"], q["start"], q["end"])

    # ----- packets (a worker with a progress bar) ----------------------------------------

    def action_make_packets(self) -> None:

        default_due = (self.today + dt.timedelta(days=14)).isoformat()

        def got_due(value: str | None) -> None:
            if not value:
                return
            try:
                due = dt.date.fromisoformat(value)
            except ValueError:
                self.notify(f"{value!r} is not a date (YYYY-MM-DD)", severity="error")
                return

            def got_dir(folder: str | None) -> None:
                if folder:
                    self.make_packets(Path(folder).expanduser(), due)

            self.app.push_screen(TextPrompt("Folder for the packets", "packets"), got_dir)

        self.app.push_screen(
            TextPrompt("Answer deadline (YYYY-MM-DD)", default_due,
                       help="Packets go to every expert with candidate quotes."),
            got_due)  # fmt: skip

    def make_packets(self, out: Path, due: dt.date) -> None:
        bar = self.query_one("#quotes-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=None, progress=0)
        self._packets_worker(out, due)

    @work(thread=True, exclusive=True, exit_on_error=False, group="packets")
    def _packets_worker(self, out: Path, due: dt.date) -> list[MadePacket]:
        worker = get_current_worker()

        def progress(done: int, total: int, label: str) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, done, total)

        app = self.app
        result = make_packets(app.project, out, due, who=app.coder, today=self.today,
                              progress=progress)  # fmt: skip
        app.call_from_thread(self._packets_done, result)
        return result

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#quotes-progress", ProgressBar).update(total=total, progress=done)

    def _packets_done(self, result: list[MadePacket]) -> None:
        self.last_packets = result
        self.query_one("#quotes-progress", ProgressBar).add_class("hidden")
        n = sum(len(p["quotes"]) for p in result)
        self.notify(f"{plural(len(result), 'packet')} with {plural(n, 'quote')} written", timeout=5)
        self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "packets" and event.state == WorkerState.ERROR:
            self.query_one("#quotes-progress", ProgressBar).add_class("hidden")
