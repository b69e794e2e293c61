"""The qualcode TUI: the app shell shared by ``qualcode tui``, ``qualcode demo`` and the tests.

``make_app(project, coder=None)`` is the one factory. The shell owns the header (project and
coder), the footer, the command palette, the help screen, the user keymap and the feature
screens other modules register in ``qualcode.tui.screens.FEATURE_SCREENS``.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from qualcode.db import ChangeFeed, Project
from qualcode.errors import QualcodeError
from qualcode.tui import config
from qualcode.tui.screens import FEATURE_SCREENS

# Keys the shell reserves; feature screens must not take them.
RESERVED_KEYS = {"d", "o", "c", "question_mark", "?", "ctrl+p", "ctrl+z", "ctrl+y", "escape"}


class QualcodeApp(App[None]):
    """The coding workbench."""

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS = [
        Binding(
            "d",
            "go('dashboard')",
            "dashboard",
            id="go.dashboard",
            tooltip="Counts, quotes and deadlines",
        ),
        Binding(
            "o",
            "go('documents')",
            "documents",
            id="go.documents",
            tooltip="List, open and import documents",
        ),
        Binding("c", "go('codebook')", "codebook", id="go.codebook", tooltip="Edit the codebook"),
        Binding("question_mark", "help", "help", id="app.help", tooltip="Keys and what they do"),
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
        self.feature_screens = list(FEATURE_SCREENS)
        self.title = f"qualcode · {project.name}"
        self._install_feature_bindings()

    # ----- set-up --------------------------------------------------------------------

    def _install_feature_bindings(self) -> None:
        """One binding (with an id a keymap can rebind) per registered feature screen."""
        for module, cls, key, title in self.feature_screens:
            if key in RESERVED_KEYS:
                continue
            binding = Binding(
                key,
                f"feature('{module}', '{cls}')",
                title.lower(),
                id=f"go.{cls.lower()}",
                tooltip=f"Open {title}",
            )
            self._bindings.key_to_bindings.setdefault(key, []).append(binding)

    def on_mount(self) -> None:
        keymap, problem = config.load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if problem:
            self.notify(problem, title="keymap", severity="warning")
        from qualcode.tui.screens.dashboard import DashboardScreen

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
        self.call_after_refresh(self._preload)
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

    def _preload(self) -> None:
        """Import the coding view's modules while the user reads the dashboard, so the
        first document opens as fast as the next."""
        import qualcode.tui.screens.coding  # noqa: F401

    def action_switch_coder(self) -> None:
        """Ask for the coder again (the palette's "coder: switch")."""
        self._prompt_for_coder()

    def _prompt_for_coder(self) -> None:
        from qualcode.coding import default_coder_name
        from qualcode.tui.widgets.dialogs import TextPrompt

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
        from qualcode.tui.widgets.dialogs import ErrorModal

        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.push_screen(ErrorModal("Something went wrong (this is a bug in qualcode)", detail))

    def guarded(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a domain function; errors become notifications and the call returns None."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the UI must not crash on domain errors
            self.notify_error(exc)
            return None

    def open_document(
        self, document_id: int, start: int | None = None, end: int | None = None
    ) -> None:
        """Push the coding view on a document, with the cursor (or selection) at a span."""
        from qualcode.tui.screens.coding import CodingScreen

        current = self.screen
        if isinstance(current, CodingScreen) and current.document_id == document_id:
            current.show_span(start, end)
            return
        self.push_screen(CodingScreen(document_id, start=start, end=end))

    # ----- navigation ----------------------------------------------------------------

    def _go_screen(self, name: str) -> Screen[Any]:
        if name == "dashboard":
            from qualcode.tui.screens.dashboard import DashboardScreen

            return DashboardScreen()
        if name == "documents":
            from qualcode.tui.screens.documents import DocumentsScreen

            return DocumentsScreen()
        from qualcode.tui.screens.codebook import CodebookScreen

        return CodebookScreen()

    def action_go(self, name: str) -> None:
        """Show a main screen (replacing one of the same kind on the stack)."""
        screen = self._go_screen(name)
        for i, existing in enumerate(self.screen_stack):
            if type(existing) is type(screen) and i > 0:
                while len(self.screen_stack) > i + 1:
                    self.pop_screen()
                if hasattr(existing, "reload"):
                    existing.reload()
                return
        self.push_screen(screen)

    def action_feature(self, module: str, cls: str) -> None:
        """Push a feature screen registered in FEATURE_SCREENS."""
        try:
            screen_cls = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as exc:
            self.notify(f"{cls} is not available: {exc}", severity="warning", markup=False)
            return
        try:
            screen = screen_cls()
        except Exception as exc:  # noqa: BLE001 - a broken feature must not take the app down
            self.notify_error(exc, title=f"cannot open {cls}")
            return
        self.push_screen(screen)

    def action_help(self) -> None:
        from qualcode.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    # ----- undo / redo ----------------------------------------------------------------

    def action_undo(self) -> None:
        from qualcode import codebook_edit

        label = self.guarded(codebook_edit.undo, self.project, self.coder)
        self._after_history(label, "undid", "nothing to undo")

    def action_redo(self) -> None:
        from qualcode import codebook_edit

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
        yield SystemCommand(
            "go: Dashboard",
            "Counts, quotes by status, deadlines",
            partial(self.action_go, "dashboard"),
        )
        yield SystemCommand(
            "go: Documents", "List, open and import documents", partial(self.action_go, "documents")
        )
        yield SystemCommand(
            "go: Codebook",
            "Add, rename, move, recolour, merge, delete codes",
            partial(self.action_go, "codebook"),
        )
        yield SystemCommand("go: Help", "Every key and what it does", self.action_help)
        for module, cls, _key, title in self.feature_screens:
            yield SystemCommand(
                f"go: {title}",
                f"Open the {title} screen",
                partial(self.action_feature, module, cls),
            )
        yield SystemCommand("code: undo", "Undo your last coding action", self.action_undo)
        yield SystemCommand("code: redo", "Redo the last undone action", self.action_redo)
        yield SystemCommand(
            "coder: switch", "Code as someone else (remembered)", self.action_switch_coder
        )
        yield from self._document_commands()
        provider = getattr(screen, "palette_commands", None)
        if callable(provider):
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
        from sqlmodel import select

        from qualcode.models import Document

        try:
            with self.project.session() as s:
                rows = s.exec(select(Document.id, Document.title).order_by(Document.id)).all()
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
        from qualcode.tui.widgets.dialogs import TextPrompt

        def start(path: str | None) -> None:
            if path:
                self._backup_worker(path)

        self.push_screen(TextPrompt("Back up the project to", value="backup.qualcode"), start)

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup")
    def _backup_worker(self, path: str) -> None:
        from pathlib import Path

        from qualcode.db import backup

        result = backup(self.project, Path(path).expanduser())
        self.call_from_thread(self.notify, f"backup written: {result.path}", markup=False)

    def _export_codebook(self, fmt: str) -> None:
        from pathlib import Path

        from qualcode.codebook import export_codebook
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
        from pathlib import Path

        from qualcode.tui.widgets.dialogs import TextPrompt

        def write(path: str | None) -> None:
            if not path:
                return
            try:
                module = importlib.import_module("qualcode.exchange")
                fn = getattr(module, f"export_{fmt}")
            except (ImportError, AttributeError):
                self.notify(f"export to {fmt} is not available in this build", severity="warning")
                return
            out = self.guarded(fn, self.project, Path(path).expanduser())
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
