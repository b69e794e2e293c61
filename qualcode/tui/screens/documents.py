"""The documents screen: every document with kind, participants, words and codings.

Enter opens one in the coding view; ``i`` opens a file picker and imports the marked files
in a thread worker with a progress bar (escape cancels between files; the screen never
freezes). An imported document can be fixed here: ``e`` its properties (title, kind, date,
language), ``s`` who its speakers are, ``E`` its text (codings follow their words), and
``delete`` removes it (saying what goes with it; ctrl+z brings it all back).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from qualcode import document_text, documents
from qualcode.codebook import load_codebook
from qualcode.documents import list_documents
from qualcode.importing import ImportOutcome, import_files
from qualcode.participants import list_participants
from qualcode.passages import load_document_view
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.screens.document_forms import DocumentProperties, PropertiesForm, TextEditor
from qualcode.tui.widgets.code_picker import ChoicePicker
from qualcode.tui.widgets.dialogs import Confirm, ErrorModal
from qualcode.tui.widgets.file_picker import FilePicker
from qualcode.tui.widgets.format import plural
from qualcode.tui.widgets.memo import edit_memo

UNLINK = -1


class ImportCancelled(Exception):
    """Raised from the progress callback to stop an import between two files."""


class DocumentsScreen(QualcodeScreen[None]):
    """The project's documents."""

    BINDINGS = [
        Binding("enter", "open", "open", id="documents.open", tooltip="Open in the coding view"),
        Binding(
            "i", "import", "import", id="documents.import", tooltip="Import files (a file picker)"
        ),
        Binding(
            "e",
            "properties",
            "edit",
            id="documents.properties",
            tooltip="Title, kind, date, language",
        ),
        Binding(
            "s",
            "speakers",
            "speakers",
            id="documents.speakers",
            tooltip="Link a speaker to a participant (or unlink)",
        ),
        Binding(
            "E",
            "edit_text",
            "text",
            show=False,
            id="documents.edit_text",
            tooltip="Correct the text (codings follow their words)",
        ),
        Binding(
            "delete",
            "delete",
            "delete",
            show=False,
            id="documents.delete",
            tooltip="Delete the document (says what goes; ctrl+z undoes)",
        ),
        Binding(
            "M", "memo", "memo", show=False, id="documents.memo", tooltip="Memo on the document"
        ),
        Binding("escape", "cancel_or_back", "back", id="documents.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(
            "No documents yet. Press i to import files (or a folder).",
            id="documents-empty",
            classes="hidden",
        )
        yield DataTable(id="documents-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="import-bar", classes="hidden"):
            yield Label("importing", id="import-label")
            yield ProgressBar(id="import-progress", show_eta=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        self.reload()

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, documents.DocumentSummary] = {}

    def reload(self) -> None:
        table = self.query_one(DataTable)
        try:
            rows = list_documents(self.app.project, viewer=self.app.coder)
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)
            return
        keep = table.cursor_row
        room = max((self.size.width or 120) - 46, 30)  # what id, kind, words, codings leave
        title_width, people_width = min(room * 11 // 20, 70), min(room * 9 // 20, 60)
        table.clear(columns=True)  # widths follow the screen: columns are made anew
        for label, width in (
            ("id", 3),
            ("title", title_width),
            ("kind", 9),
            ("participants", people_width),
            ("words", 6),
            ("codings", 7),
        ):
            table.add_column(label, key=label, width=width)
        self.rows = {int(row["id"]): row for row in rows}
        for row in rows:
            table.add_row(
                str(row["id"]),
                _clip(row["title"], title_width),
                row["kind"],
                _clip(", ".join(row["participants"]) or "—", people_width),
                f"{row['words']:,}".replace(",", " "),
                str(row["codings"]),
                key=str(row["id"]),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#documents-empty").set_class(bool(rows), "hidden")

    def selected_document_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        doc_id = self.selected_document_id()
        if doc_id is None:
            self.notify("no documents yet: press i to import some", timeout=4)
            return
        self.app.open_document(doc_id)

    def action_memo(self) -> None:
        doc_id = self.selected_document_id()
        if doc_id is not None:
            edit_memo(self.app, "document", doc_id, "Memo on the document")

    def action_import(self) -> None:
        def start(paths: list[Path] | None) -> None:
            if paths:
                self.run_import(paths)

        self.app.push_screen(FilePicker(), start)

    # ----- fixing a document -----------------------------------------------------------

    def _current(self) -> documents.DocumentSummary | None:
        doc_id = self.selected_document_id()
        row = self.rows.get(doc_id) if doc_id is not None else None
        if row is None:
            self.notify("no documents yet: press i to import some", timeout=3)
        return row

    def _changed(self, message: str) -> None:
        self.app.note_own_write()
        self.app.refresh_data()
        self.reload()
        self.notify(message, timeout=4, markup=False)

    def action_properties(self) -> None:
        row = self._current()
        if row is None:
            return
        current = DocumentProperties(
            row["title"], row["kind"], row["date"] or "", row["language"] or "da"
        )

        def save(new: DocumentProperties | None) -> None:
            if new is None or new == current:
                return
            try:
                date = dt.date.fromisoformat(new.date) if new.date else None
            except ValueError:
                self.notify(f"{new.date!r} is not a date: write it as YYYY-MM-DD", severity="error")
                return
            done = self.app.guarded(
                documents.update_document,
                self.app.project,
                int(row["id"]),
                title=new.title if new.title != current.title else None,
                kind=new.kind if new.kind != current.kind else None,
                date=date if new.date != current.date else None,
                language=new.language if new.language != current.language else None,
            )
            if done is not None:
                self._changed(f"saved: {new.title}")

        self.app.push_screen(PropertiesForm(current), save)

    def action_speakers(self) -> None:
        row = self._current()
        if row is None:
            return
        doc_id = int(row["id"])
        rows = self.app.guarded(documents.speakers, self.app.project, doc_id)
        if rows is None:
            return
        if not rows:
            self.notify("this document has no speaker turns", timeout=3)
            return
        choices: list[tuple[int, Text | str]] = []
        for i, sp in enumerate(rows):
            label = Text(sp["speaker"], style="bold")
            label.append(
                f" → {sp['participant'] or 'not linked'}", style="" if sp["participant"] else "dim"
            )
            label.append(f"  ({plural(sp['turns'], 'turn')})", style="dim")
            choices.append((i, label))

        def picked(index: int | None) -> None:
            if index is not None:
                self._link(doc_id, rows[index]["speaker"])

        self.app.push_screen(ChoicePicker("Whose is which speaker label?", choices), picked)

    def _link(self, doc_id: int, speaker: str) -> None:
        people = self.app.guarded(list_participants, self.app.project) or []
        choices: list[tuple[int, Text | str]] = [
            (UNLINK, "— not linked (an interviewer or unknown)")
        ]
        for p in people:
            label = Text(str(p["name"]), style="bold")
            if p.get("title"):
                label.append(f"  {p['title']}", style="dim")
            choices.append((int(p["id"]), label))

        def chosen(person: int | None) -> None:
            if person is None:
                return
            result = self.app.guarded(
                documents.link_speaker,
                self.app.project,
                doc_id,
                speaker,
                None if person == UNLINK else person,
            )
            if result is None:
                return
            who = result.participant or "nobody"
            extra = (
                f"; {plural(len(result.quotes_kept), 'sent quote')} kept as they were"
                if result.quotes_kept
                else ""
            )
            self._changed(f"{speaker} → {who} ({plural(result.turns, 'turn')}){extra}")

        self.app.push_screen(ChoicePicker(f"“{speaker}” is…", choices), chosen)

    def action_delete(self) -> None:
        row = self._current()
        if row is None:
            return
        impact = self.app.guarded(documents.deletion_impact, self.app.project, int(row["id"]))
        if impact is None:
            return
        goes = [
            plural(impact["codings"], "coding"),
            plural(impact["quotes"], "quote"),
            plural(impact["memos"], "memo"),
            plural(impact["suggestions"], "suggestion"),
        ]
        sent = impact["sent_quotes"]
        question = f"Delete {impact['title']!r}?\nWith it go {', '.join(goes)}."
        if sent:
            names = ", ".join(f"Q{i}" for i in sent)
            question += f"\n{plural(len(sent), 'quote')} went to an expert ({names}): "
            question += "their answers go too."
        question += "\nctrl+z brings everything back."

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            done = self.app.guarded(
                documents.delete_document,
                self.app.project,
                int(row["id"]),
                self.app.coder,
                bool(sent),
            )
            if done is not None:
                self._changed(f"deleted {impact['title']!r} (ctrl+z undoes)")

        self.app.push_screen(
            Confirm(question, yes="Delete anyway" if sent else "Delete"), confirmed
        )

    def action_edit_text(self) -> None:
        row = self._current()
        if row is None:
            return
        doc_id = int(row["id"])
        view = self.app.guarded(load_document_view, self.app.project, doc_id)
        if view is None:
            return

        def save(text: str | None) -> None:
            if text is None or text == view.text:
                return
            report = self.app.guarded(
                document_text.edit_text, self.app.project, doc_id, text, self.app.coder
            )
            if report is None:
                return
            moved = [m for m in report.moved if m["method"] != "unplaced"]
            self._changed(f"text saved: {plural(len(moved), 'span')} moved with their words")
            if report.unplaced:
                lines = [
                    f"{m['kind']} {m['id']} {m['code'] or ''}: “{m['text'][:60]}”"
                    for m in report.unplaced
                ]
                self.app.push_screen(
                    ErrorModal(
                        f"{plural(len(report.unplaced), 'span')} could not be placed "
                        "(kept, their old text in the memo)",
                        "\n".join(lines),
                    )
                )

        self.app.push_screen(TextEditor(f"Text of {view.title}", view.text), save)

    def _show_bar(self, visible: bool) -> None:
        self.query_one("#import-bar").set_class(not visible, "hidden")

    def _progress(self, done: int, total: int, label: str) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        self.query_one("#import-label", Label).update(
            f"importing {label}" if label else "finishing"
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, paths: list[Path]) -> list[ImportOutcome]:
        """Import in a thread; the progress callback feeds the bar and checks for cancel."""
        worker = get_current_worker()
        self.app.call_from_thread(self._show_bar, True)

        def progress(done: int, total: int, label: str) -> None:
            if worker.is_cancelled:
                raise ImportCancelled()
            self.app.call_from_thread(self._progress, done, total, label)

        books = [p for p in paths if p.suffix.lower() == ".qdc"]
        for book in books:  # a REFI-QDA codebook: into the codebook, not the documents
            load_codebook(self.app.project, book)
        paths = [p for p in paths if p not in books]
        try:
            outcomes = import_files(self.app.project, paths, progress=progress) if paths else []
        except ImportCancelled:
            self.app.call_from_thread(self._finish, None)
            return []
        self.app.call_from_thread(self._finish, outcomes)
        return outcomes

    def _finish(self, outcomes: list[ImportOutcome] | None) -> None:
        self._show_bar(False)
        self.app.note_own_write()
        self.reload()
        if outcomes is None:
            self.notify("import cancelled (files already imported stay)", severity="warning")
            return
        imported = [o for o in outcomes if o.status == "imported"]
        duplicates = [o for o in outcomes if o.status == "duplicate"]
        failed = [o for o in outcomes if o.status == "failed"]
        summary = f"imported {plural(len(imported), 'file')}"
        if duplicates:
            summary += f", {len(duplicates)} already there"
        self.notify(summary, timeout=5)
        if failed:
            lines = [f"{o.message}" + (f"\n  hint: {o.hint}" if o.hint else "") for o in failed]
            self.app.push_screen(
                ErrorModal(f"{plural(len(failed), 'file')} not imported", "\n".join(lines))
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An import that failed as a whole (not one bad file) is an error shown, not a crash."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self._show_bar(False)
            self.app.notify_error(event.worker.error)

    def action_cancel_or_back(self) -> None:
        running = [w for w in self.workers if w.group == "import" and w.is_running]
        if running:
            for w in running:
                w.cancel()
            self.notify("cancelling after the current file…", timeout=3)
            return
        self.app.go_back()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
