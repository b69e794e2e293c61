"""The documents screen: every document with kind, participants, words and codings.

Enter opens one in the coding view; ``i`` imports files from a path prompt in a thread
worker with a progress bar (escape cancels between files; the screen never freezes).
"""

from __future__ import annotations

import glob
import shlex
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from qualcode.documents import list_documents
from qualcode.importing import ImportOutcome, import_files
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.format import plural
from qualcode.tui.widgets.memo import edit_memo


class ImportCancelled(Exception):
    """Raised from the progress callback to stop an import between two files."""


def expand_import_paths(spec: str) -> list[Path]:
    """Paths from what the user typed: files, folders (their files) and glob patterns."""
    out: list[Path] = []
    for part in shlex.split(spec):
        part = str(Path(part).expanduser())
        matches = sorted(glob.glob(part)) if any(ch in part for ch in "*?[") else [part]
        for match in matches:
            path = Path(match)
            if path.is_dir():
                out.extend(
                    sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                )
            else:
                out.append(path)
    return out


class DocumentsScreen(QualcodeScreen[None]):
    """The project's documents."""

    BINDINGS = [
        Binding("enter", "open", "open", id="documents.open", tooltip="Open in the coding view"),
        Binding("i", "import", "import", id="documents.import", tooltip="Import files from a path"),
        Binding("M", "memo", "memo", id="documents.memo", tooltip="Memo on the document"),
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
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id", key="id")
        table.add_column("title", key="title")
        table.add_column("kind", key="kind")
        table.add_column("participants", key="participants")
        table.add_column("words", key="words")
        table.add_column("codings", key="codings")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        try:
            rows = list_documents(self.app.project)
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)
            return
        keep = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(
                str(row["id"]),
                _clip(row["title"], 40),
                row["kind"],
                _clip(", ".join(row["participants"]) or "—", 34),
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
        from qualcode.tui.widgets.dialogs import TextPrompt

        def start(spec: str | None) -> None:
            if not spec:
                return
            paths = expand_import_paths(spec)
            if not paths:
                self.notify(f"nothing to import at {spec}", severity="warning", markup=False)
                return
            self.run_import(paths)

        self.app.push_screen(
            TextPrompt(
                "Import files",
                placeholder="~/interviews/*.docx  or a folder",
                help="Files, folders or patterns separated by spaces "
                "(.txt .md .docx .pdf .vtt .srt .qdpx).",
            ),
            start,
        )

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

        try:
            outcomes = import_files(self.app.project, paths, progress=progress)
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
        summary = f"imported {len(imported)}"
        if duplicates:
            summary += f", {len(duplicates)} already there"
        self.notify(summary, timeout=5)
        if failed:
            from qualcode.tui.widgets.dialogs import ErrorModal

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
        self.app.action_back()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
