"""Search and suggestions: keyword-in-context hits, counts per document, code all hits.

Type a query and press Enter. ``ctrl+t`` cycles the mode (exact → lemma → fuzzy),
``ctrl+k`` the document kind (all, interviews, notes, desk documents). In the hit list,
Enter (or ``g``) opens the passage in the coding view, ``a`` codes every hit with a code
you pick (one action: ctrl+z undoes it), ``/`` goes back to the query. ``s`` makes code
suggestions for all documents, ``T`` trains the suggestion model on your codings first;
both run in a worker with a progress bar, and the coding view shows the suggestions.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from qualcode import search as search_mod
from qualcode import suggest as suggest_mod
from qualcode.codebook import all_codes
from qualcode.models import DOCUMENT_KINDS
from qualcode.progress import Progress
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.code_picker import CodePicker, NewCode, pickable
from qualcode.tui.widgets.format import plural

MODES: list[str] = list(search_mod.MODES)
KINDS: list[str | None] = [None, *DOCUMENT_KINDS]
HIT_LIMIT = 500
SIDE = 42  # characters of context each side in the list


def kwic_line(hit: search_mod.SearchHit, side: int = SIDE) -> Text:
    """Left context right-aligned, the match highlighted, right context."""
    left = hit.left[-side:].rjust(side)
    line = Text(left, style="dim")
    line.append(hit.text, style="bold reverse")
    line.append(hit.right[:side], style="dim")
    return line


def match_mark(hit: search_mod.SearchHit) -> str:
    """How a hit matched when it is not the word itself or an inflection of it: a compound
    (``kræftopfølgningsplanen`` for opfølgningsplan) or a fuzzy hit with its score."""
    if hit.match == "compound":
        return "compound"
    if hit.match == "fuzzy":
        return f"fuzzy {hit.score:.0f}"
    return ""


class SearchScreen(QualcodeScreen[None]):
    """Search the corpus; jump to passages; code all hits; make suggestions."""

    BINDINGS = [
        Binding("ctrl+t", "cycle_mode", "mode", id="search.mode",
                tooltip="exact → lemma (any inflection) → fuzzy (typos, compounds)"),
        Binding("ctrl+k", "cycle_kind", "kind", id="search.kind",
                tooltip="Search all documents, or one kind (interviews, notes, desk documents)"),
        Binding("enter,g", "goto", "open", id="search.goto",
                tooltip="Open the passage in the coding view"),
        Binding("a", "code_all", "code all", id="search.code_all",
                tooltip="Code every hit with one code (one undoable action)"),
        Binding("slash", "focus_query", "query", id="search.query", show=False),
        Binding("s", "suggest", "suggest", id="search.suggest",
                tooltip="Make code suggestions for uncoded sentences (codebook and model)"),
        Binding("T", "train", "train", id="search.train",
                tooltip="Train the suggestion model on the project's codings, then suggest"),
        Binding("escape", "app.back", "back", show=False),
    ]  # fmt: skip
    DEFAULT_CSS = """
    SearchScreen #search-query { height: 3; }
    SearchScreen #search-bar { height: 1; padding: 0 1; background: $boost; }
    SearchScreen #search-body { height: 1fr; }
    SearchScreen #search-hits { width: 3fr; }
    SearchScreen #search-docs { width: 1fr; border-left: solid $primary; }
    SearchScreen #search-progress { height: 1; }
    SearchScreen .hidden { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.mode = "lemma"
        self.kind: str | None = None
        self.result: search_mod.SearchResult | None = None
        self.message = "type a word or phrase and press Enter"

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search: a word or a phrase …", id="search-query")
        yield Static(id="search-bar")
        with Horizontal(id="search-body"):
            yield DataTable(id="search-hits", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="search-docs", cursor_type="row")
        yield ProgressBar(id="search-progress", show_eta=False, classes="hidden")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        hits = self.query_one("#search-hits", DataTable)
        hits.add_columns("document", "at", "in context")
        docs = self.query_one("#search-docs", DataTable)
        docs.add_columns("hits", "document")
        self._show_bar()
        self.query_one(Input).focus()

    # ----- state shown -----------------------------------------------------------------

    def _show_bar(self) -> None:
        """Mode, filter and the latest news on one line; on a narrow screen the key hints
        go first (the footer has them), so the news is never cut."""
        kind = self.kind or "all documents"
        bar = self.query_one("#search-bar", Static)
        room = bar.size.width - 2 if bar.size.width else 10_000  # padding 0 1
        text = f"mode {self.mode} (ctrl+t) · {kind} (ctrl+k) · {self.message}"
        if len(text) > room:
            text = f"{self.mode} · {kind} · {self.message}"
        bar.update(Text(text))

    def _fill(self, result: search_mod.SearchResult) -> None:
        self.result = result
        hits = self.query_one("#search-hits", DataTable)
        hits.clear()
        # The keyword stays in view: context shrinks to what the table's width leaves after
        # the document (24) and offset (7) columns and cell padding.
        # The "at" column also marks compound and fuzzy hits ("1234 fuzzy 88").
        ats = [f"{hit.start} {match_mark(hit)}".rstrip() for hit in result.hits]
        at_width = max([7, *map(len, ats)])
        room = hits.size.width - 24 - at_width - 8 if hits.size.width else 2 * SIDE + 12
        for n, (hit, at) in enumerate(zip(result.hits, ats, strict=True)):
            side = max(8, min(SIDE, (room - len(hit.text)) // 2))
            hits.add_row(hit.document[:24], at, kwic_line(hit, side), key=str(n))
        docs = self.query_one("#search-docs", DataTable)
        docs.clear()
        for d in result.documents:
            docs.add_row(str(d.count), d.title, key=str(d.document_id))
        more = f" (showing {len(result.hits)})" if result.truncated else ""
        self.message = (
            f"{plural(result.total, 'hit')} in {plural(len(result.documents), 'document')}{more}"
            if result.total
            else f"no hits for {result.query!r}"
        )
        self._show_bar()
        if result.hits:
            hits.focus()

    # ----- searching -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query:
            self.run_search(query)

    def run_search(self, query: str) -> None:
        """Search in a worker (the first search may annotate documents imported without NLP)."""
        self.message = "searching …"
        self._show_bar()
        self._search_worker(query, self.mode, self.kind)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search_worker(self, query: str, mode: str, kind: str | None) -> None:
        app = self.app
        worker = get_current_worker()
        result = search_mod.search(
            app.project,
            query,
            mode=mode,
            kind=kind,
            limit=HIT_LIMIT,
            progress=self._progress_callback(worker),
        )
        if not worker.is_cancelled:
            app.call_from_thread(self._search_done, result)

    def _search_done(self, result: search_mod.SearchResult) -> None:
        self.query_one("#search-progress", ProgressBar).add_class("hidden")
        self._fill(result)

    def action_cycle_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self._rerun()

    def action_cycle_kind(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self._rerun()

    def _rerun(self) -> None:
        query = self.query_one(Input).value.strip()
        if query:
            self.run_search(query)
        else:
            self._show_bar()

    def action_focus_query(self) -> None:
        self.query_one(Input).focus()

    # ----- acting on hits --------------------------------------------------------------

    def _current_hit(self) -> search_mod.SearchHit | None:
        if self.result is None or not self.result.hits:
            return None
        table = self.query_one("#search-hits", DataTable)
        row = table.cursor_row
        if 0 <= row < len(self.result.hits):
            return self.result.hits[row]
        return None

    def action_goto(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id == "search-docs":
            self._goto_document(focused)
            return
        hit = self._current_hit()
        if hit is None:
            return
        self.app.open_document(hit.document_id, hit.start, hit.end)

    def _goto_document(self, table: DataTable[Any]) -> None:
        if self.result is None or not self.result.documents:
            return
        row = table.cursor_row
        if 0 <= row < len(self.result.documents):
            doc = self.result.documents[row]
            first = doc.offsets[0]
            hit = next((h for h in self.result.hits if h.document_id == doc.document_id), None)
            self.app.open_document(doc.document_id, first, hit.end if hit else None)

    def action_code_all(self) -> None:
        result = self.result
        if result is None or result.total == 0:
            self.notify("search first: there are no hits to code", severity="warning")
            return
        app = self.app
        with app.project.session() as s:
            codes = list(all_codes(s))
        keys = {c.id: c.key for c in codes}

        def chosen(ids: list[int] | NewCode | None) -> None:
            if not isinstance(ids, list) or not ids:
                return
            done = app.guarded(search_mod.code_hits, app.project, result, keys[ids[0]], app.coder)
            if done is not None:
                skipped = f" ({done['skipped']} already coded)" if done["skipped"] else ""
                self.notify(
                    f"coded {plural(done['coded'], 'hit')} with {done['code']}{skipped}; "
                    "ctrl+z undoes",
                    timeout=5,
                )

        app.push_screen(
            CodePicker(
                pickable(codes),
                title=f"Code all {plural(result.total, 'hit')} of “{result.query}” with",
                multiple=False,
            ),
            chosen,
        )

    # ----- suggestions -----------------------------------------------------------------

    def action_suggest(self) -> None:
        self._suggest_worker(train=False)

    def action_train(self) -> None:
        self._suggest_worker(train=True)

    def _progress_callback(self, worker: Worker[Any]) -> Progress:
        def progress(done: int, total: int, label: str) -> None:
            if not worker.is_cancelled and total:
                self.app.call_from_thread(self._progress, done, total, label)

        return progress

    def _progress(self, done: int, total: int, label: str) -> None:
        bar = self.query_one("#search-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=total, progress=done)
        if label:
            self.message = label
            self._show_bar()

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _suggest_worker(self, train: bool) -> None:
        app = self.app
        worker = get_current_worker()
        progress = self._progress_callback(worker)
        trained = None
        if train:
            trained = suggest_mod.train_model(app.project, progress=progress, coder=app.coder)
        rows = suggest_mod.suggest(app.project, progress=progress, coder=app.coder)
        if not worker.is_cancelled:
            app.call_from_thread(self._suggest_done, trained, rows)

    def _suggest_done(self, trained: dict[str, Any] | None, rows: list[dict[str, Any]]) -> None:
        self.query_one("#search-progress", ProgressBar).add_class("hidden")
        docs = len({r["document_id"] for r in rows})
        model = f"model trained on {trained['passages']} passages; " if trained else ""
        self.message = (
            f"{model}{plural(len(rows), 'open suggestion')} in {plural(docs, 'document')}"
        )
        self._show_bar()
        self.notify(f"{self.message}; open a document to accept or reject them", timeout=6)
