"""The qualcode TUI: the app shell shared by ``qualcode tui``, ``qualcode demo`` and the tests.

``make_app(project, coder=None)`` is the one factory. The shell owns the header (project and
coder), the footer, the command palette, the help screen (F1 or ?), the user keymap and one
key per screen (``SCREENS`` below).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from qualcode import codebook_edit
from qualcode.codebook import export_codebook
from qualcode.coding import default_coder_name
from qualcode.db import ChangeFeed, Project, backup
from qualcode.errors import QualcodeError
from qualcode.passages import document_titles
from qualcode.tui import config
from qualcode.tui.screens.audit import AuditScreen
from qualcode.tui.screens.codebook import CodebookScreen
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.dashboard import DashboardScreen
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.quotes import QuotesScreen
from qualcode.tui.screens.review import ReviewScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.settings import SettingsScreen
from qualcode.tui.screens.synthesis import SynthesisScreen
from qualcode.tui.widgets.dialogs import ErrorModal, TextPrompt

P = ParamSpec("P")
R = TypeVar("R")

# The screens one key away: (key, name, class, title, binding id). The ids are what a
# keymap rebinds (the old "go.<class>" ids are kept for the feature screens).
SCREENS: list[tuple[str, str, type[Screen[Any]], str, str]] = [
    ("d", "dashboard", DashboardScreen, "Dashboard", "go.dashboard"),
    ("o", "documents", DocumentsScreen, "Documents", "go.documents"),
    ("c", "codebook", CodebookScreen, "Codebook", "go.codebook"),
    ("slash", "search", SearchScreen, "Search", "go.searchscreen"),
    ("R", "review", ReviewScreen, "Agreement review", "go.reviewscreen"),
    ("Q", "quotes", QuotesScreen, "Quotes", "go.quotesscreen"),
    ("S", "synthesis", SynthesisScreen, "Synthesis", "go.synthesisscreen"),
    ("comma", "settings", SettingsScreen, "Settings", "go.settings"),
    ("L", "audit", AuditScreen, "Audit log", "go.auditscreen"),
]
SCREEN_TIPS = {
    "dashboard": "Counts, quotes and deadlines",
    "documents": "List, open, fix and import documents",
    "codebook": "Edit the codebook",
}


class QualcodeApp(App[None]):
    """The coding workbench."""

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS = [
        *(
            Binding(
                key,
                f"go('{name}')",
                name,
                show=False,  # the dashboard lists them; F1 and the palette have them all
                id=ident,
                tooltip=SCREEN_TIPS.get(name, f"Open {title}"),
            )
            for key, name, _cls, title, ident in SCREENS
        ),
        Binding(
            "f1,question_mark",
            "help",
            "help",
            key_display="F1",
            id="app.help",
            tooltip="Keys and what they do",
        ),
        Binding(
            "ctrl+z",
            "undo",
            "undo",
            show=False,
            id="app.undo",
            tooltip="Undo your last coding action",
        ),
        Binding("ctrl+y", "redo", "redo", show=False, id="app.redo", tooltip="Redo what you undid"),
        Binding("ctrl+q", "quit", "quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(self, project: Project, coder: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder: str = coder or ""
        self._ask_coder = not coder
        self.tree_share: int | None = None  # the coding view's codebook pane, % of the width
        self.title = f"qualcode · {project.name}"

    # ----- set-up --------------------------------------------------------------------

    def on_mount(self) -> None:
        keymap, problem = config.load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if problem:
            self.notify(problem, title="keymap", severity="warning")
        self.push_screen(DashboardScreen())
        remembered = config.remembered_coder() if self._ask_coder else None
        if remembered:
            self.coder = remembered
            self._show_coder()
            self.notify(f"coding as {remembered} (ctrl+p → coder: switch)", timeout=4)
        elif self._ask_coder:
            self._prompt_for_coder()
        else:
            self._show_coder()
        self._feed = ChangeFeed(self.project, self._changed_elsewhere)
        self._feed.start()

    def on_unmount(self) -> None:
        self._feed.stop()

    def _changed_elsewhere(self) -> None:
        """From the change feed's thread: someone else committed (LISTEN/NOTIFY or poll)."""
        try:
            self.call_from_thread(self.refresh_data)
        except RuntimeError:  # the app is shutting down
            pass

    def action_switch_coder(self) -> None:
        """Ask for the coder again (the palette's "coder: switch")."""
        self._prompt_for_coder()

    def _prompt_for_coder(self) -> None:
        suggested = config.remembered_coder() or default_coder_name()

        def chosen(name: str | None) -> None:
            self.coder = (name or suggested).strip() or suggested
            try:
                config.remember_coder(self.coder)
            except OSError as exc:
                self.notify(f"could not remember the coder: {exc}", severity="warning")
            self._show_coder()

        self.push_screen(
            TextPrompt(
                "Who is coding?",
                value=suggested,
                help="Your name is written on every coding and memo; it is remembered.",
            ),
            chosen,
        )

    def _show_coder(self) -> None:
        self.sub_title = f"coder: {self.coder}"

    # ----- the contract other screens use ---------------------------------------------

    def notify_error(self, exc: BaseException, title: str = "error") -> None:
        """A domain error as a notification (with its hint); anything else as a modal."""
        if isinstance(exc, QualcodeError):
            text = exc.message + (f"\nhint: {exc.hint}" if exc.hint else "")
            self.notify(text, title=title, severity="error", timeout=8, markup=False)
            return
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.push_screen(ErrorModal("Something went wrong (this is a bug in qualcode)", detail))

    def guarded(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Call a domain function; errors become notifications and the call returns None."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the UI must not crash on domain errors
            self.notify_error(exc)
            return None

    def open_document(
        self,
        document_id: int,
        start: int | None = None,
        end: int | None = None,
        replace: bool = False,
    ) -> None:
        """Push the coding view on a document, with the cursor (or selection) at a span.

        ``replace``: a coding view on another document takes the current one's place (the
        suggestion queue walks across documents without piling up screens)."""
        current = self.screen
        if isinstance(current, CodingScreen) and current.document_id == document_id:
            current.show_span(start, end)
            return
        screen = CodingScreen(document_id, start=start, end=end)
        if replace and isinstance(current, CodingScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # ----- navigation ----------------------------------------------------------------

    def action_go(self, name: str) -> None:
        """Show a screen (coming back to one of the same kind already on the stack)."""
        classes = {n: cls for _key, n, cls, _title, _ident in SCREENS}
        cls = classes[name]
        for i, existing in enumerate(self.screen_stack):
            if type(existing) is cls and i > 0:
                while len(self.screen_stack) > i + 1:
                    self.pop_screen()
                reload = getattr(existing, "reload", None)
                if callable(reload):
                    reload()
                return
        try:
            screen = cls()
        except Exception as exc:  # noqa: BLE001 - a broken screen must not take the app down
            self.notify_error(exc, title=f"cannot open {name}")
            return
        self.push_screen(screen)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def go_back(self) -> None:
        """Back to the previous screen, never past the dashboard (screens call it)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()

    async def action_back(self) -> None:
        self.go_back()

    # ----- undo / redo ----------------------------------------------------------------

    def action_undo(self) -> None:
        label = self.guarded(codebook_edit.undo, self.project, self.coder)
        self._after_history(label, "undid", "nothing to undo")

    def action_redo(self) -> None:
        label = self.guarded(codebook_edit.redo, self.project, self.coder)
        self._after_history(label, "redid", "nothing to redo")

    def _after_history(self, label: str | None, verb: str, empty: str) -> None:
        if label is None:
            self.notify(empty, timeout=3)
            return
        self.notify(f"{verb}: {label}", timeout=3, markup=False)
        self.note_own_write()
        self.refresh_data()

    def note_own_write(self) -> None:
        """Kept for the screens that call it: the change feed tells this app's own commits
        from everyone else's (``qualcode.db.ChangeFeed``), so there is nothing to note."""

    def _poll_changes(self) -> None:
        """Reload the screens now if someone else changed the project (teams, the CLI)."""
        if self._feed.check():
            self.refresh_data()

    def refresh_data(self) -> None:
        """Tell every screen on the stack that project data changed."""
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()

    # ----- command palette ------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for key, name, _cls, title, _ident in SCREENS:
            yield SystemCommand(
                f"go: {title}",
                f"{SCREEN_TIPS.get(name, f'Open {title}')} (key {key})",
                partial(self.action_go, name),
            )
        yield SystemCommand("go: Help", "Every key and what it does (F1)", self.action_help)
        yield SystemCommand("code: undo", "Undo your last coding action", self.action_undo)
        yield SystemCommand("code: redo", "Redo the last undone action", self.action_redo)
        yield SystemCommand(
            "coder: switch", "Code as someone else (remembered)", self.action_switch_coder
        )
        yield from self._document_commands()
        provider: Callable[[], Iterable[SystemCommand]] | None = getattr(
            screen, "palette_commands", None
        )
        if provider is not None:
            yield from provider()
        yield from self._binding_commands(screen)
        yield from self._export_commands()
        yield from super().get_system_commands(screen)

    def _binding_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the screen (and its focused widget) is also a palette command, so the
        palette really has every action, under the binding's area ("coding: …")."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            ident = binding.id or ""
            area = ident.split(".", 1)[0]
            if not ident or area in ("app", "go") or ident in seen:
                continue
            seen.add(ident)
            what = binding.tooltip or binding.description
            yield SystemCommand(
                f"{area}: {what[:1].lower()}{what[1:]}",
                f"key: {self.get_key_display(binding)}",
                partial(self._run_bound, binding.action, active.node),
                discover=False,
            )

    def _run_bound(self, action: str, node: Any) -> None:
        self.call_later(self.run_action, action, node)

    def _document_commands(self) -> Iterable[SystemCommand]:
        try:
            rows = document_titles(self.project)
        except Exception:  # noqa: BLE001 - the palette must open even if the db is busy
            return
        for doc_id, title in rows:
            yield SystemCommand(
                f"go: document {title}",
                f"Open document {doc_id} in the coding view",
                partial(self.open_document, doc_id),
                discover=False,
            )

    def _export_commands(self) -> Iterable[SystemCommand]:
        for fmt in ("toml", "md", "qdc"):
            yield SystemCommand(
                f"export: codebook as {fmt}",
                f"Write the codebook to a .{fmt} file",
                partial(self._export_codebook, fmt),
            )
        yield SystemCommand(
            "export: project as qdpx",
            "REFI-QDA project for other tools",
            partial(self._export_project, "qdpx"),
        )
        yield SystemCommand(
            "export: codings as csv", "One row per coding", partial(self._export_project, "csv")
        )
        yield SystemCommand(
            "project: backup",
            "A consistent copy of the project while you work (a .qualcode file)",
            self.action_backup,
        )

    def action_backup(self) -> None:
        """Ask where, then copy the project in a worker (a PostgreSQL copy takes a while)."""

        def start(path: str | None) -> None:
            if path:
                self._backup_worker(path)

        self.push_screen(TextPrompt("Back up the project to", value="backup.qualcode"), start)

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup")
    def _backup_worker(self, path: str) -> None:
        result = backup(self.project, Path(path).expanduser())
        self.call_from_thread(self.notify, f"backup written: {result.path}", markup=False)

    def _export_codebook(self, fmt: str) -> None:
        from pathlib import Path

        from qualcode.exchange import export_qdc
        from qualcode.tui.widgets.dialogs import TextPrompt

        def write(path: str | None) -> None:
            if path:
                target = Path(path).expanduser()
                if fmt == "qdc":  # REFI-QDA goes through exchange (consent applies)
                    out = self.guarded(export_qdc, self.project, target)
                else:
                    out = self.guarded(export_codebook, self.project, fmt, target)
                if out is not None:
                    self.notify(f"wrote {out}", markup=False)

        self.push_screen(
            TextPrompt(f"Export the codebook as {fmt} to", value=f"codebook.{fmt}"), write
        )

    def _export_project(self, fmt: str) -> None:
        # The exporters bring the file-format libraries (lxml, openpyxl, numpy: about a
        # second); the app loads them when an export is asked for, not before its first
        # paint (``tests/tui/test_startup.py``).
        from qualcode.exchange.exporters import export_to

        def write(path: str | None) -> None:
            if not path:
                return
            out = self.guarded(export_to, self.project, fmt, Path(path).expanduser())
            if out is not None:
                self.notify(f"wrote {path}", markup=False)

        self.push_screen(TextPrompt(f"Export as {fmt} to", value=f"project.{fmt}"), write)

    # ----- workers ---------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed worker becomes a notification or an error modal, never a crash."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify_error(event.worker.error)


def make_app(project: Project, coder: str | None = None) -> QualcodeApp:
    """The one app factory: the CLI, the demo and the tests all start here.

    With ``coder`` the app starts at once as that coder; without, it asks (suggesting the
    remembered one) and remembers the answer in ``$XDG_CONFIG_HOME/qualcode/config.toml``.
    """
    return QualcodeApp(project, coder=coder)
