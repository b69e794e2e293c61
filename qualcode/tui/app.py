"""The qualcode TUI: the app shell shared by ``qualcode tui``, ``qualcode demo`` and the tests.

``make_app(project, coder=None)`` is the one factory. The shell owns the header (project and
coder), the footer, the command palette, the help screen (F1 or ?), the user keymap and one
key per screen (``SCREENS`` below).

The first frame comes before the database layer is imported. ``make_app`` takes an open
``Project`` or a ``ProjectOpener`` (``open_later(target)``): with an opener the dashboard is
painted at once, then a worker imports SQLAlchemy, opens (and if need be migrates) the
project, and the dashboard fills in. So this module and the dashboard import no domain
module at module level; each screen and each domain call is imported where it is first
used (a screen by its factory in ``SCREENS``), plainly, by name.
``tests/tui/test_startup.py`` pins what the first paint may load.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from qualcode.errors import ProjectError, QualcodeError
from qualcode.naming import default_coder_name
from qualcode.tui import config
from qualcode.tui.screens.dashboard import DashboardScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.widgets.dialogs import ErrorModal, TextPrompt

if TYPE_CHECKING:
    from qualcode.db import ChangeFeed, Project

P = ParamSpec("P")
R = TypeVar("R")

ProjectOpener = Callable[[], "Project"]
"""Opens the project when called (in the app's worker, after the first paint)."""


def open_later(target: str | None) -> ProjectOpener:
    """An opener of ``target`` (a file, a database URL, or None for ``$QUALCODE_DATABASE_URL``,
    ``$QUALCODE_PROJECT``, ``./project.qualcode``): the database layer is imported when it
    runs, not before the app's first frame."""

    def opener() -> Project:
        from qualcode.db import open_project

        return open_project(target)

    return opener


# The screens one key away, each made by a factory that imports it when first opened.
def _dashboard() -> Screen[Any]:
    return DashboardScreen()


def _documents() -> Screen[Any]:
    from qualcode.tui.screens.documents import DocumentsScreen

    return DocumentsScreen()


def _codebook() -> Screen[Any]:
    from qualcode.tui.screens.codebook import CodebookScreen

    return CodebookScreen()


def _search() -> Screen[Any]:
    from qualcode.tui.screens.search import SearchScreen

    return SearchScreen()


def _review() -> Screen[Any]:
    from qualcode.tui.screens.review import ReviewScreen

    return ReviewScreen()


def _quotes() -> Screen[Any]:
    from qualcode.tui.screens.quotes import QuotesScreen

    return QuotesScreen()


def _synthesis() -> Screen[Any]:
    from qualcode.tui.screens.synthesis import SynthesisScreen

    return SynthesisScreen()


def _settings() -> Screen[Any]:
    from qualcode.tui.screens.settings import SettingsScreen

    return SettingsScreen()


def _audit() -> Screen[Any]:
    from qualcode.tui.screens.audit import AuditScreen

    return AuditScreen()


# (key, name, factory, title, binding id). The ids are what a keymap rebinds (the old
# "go.<class>" ids are kept for the feature screens).
SCREENS: list[tuple[str, str, Callable[[], Screen[Any]], str, str]] = [
    ("d", "dashboard", _dashboard, "Dashboard", "go.dashboard"),
    ("o", "documents", _documents, "Documents", "go.documents"),
    ("c", "codebook", _codebook, "Codebook", "go.codebook"),
    ("slash", "search", _search, "Search", "go.searchscreen"),
    ("R", "review", _review, "Agreement review", "go.reviewscreen"),
    ("Q", "quotes", _quotes, "Quotes", "go.quotesscreen"),
    ("S", "synthesis", _synthesis, "Synthesis", "go.synthesisscreen"),
    ("comma", "settings", _settings, "Settings", "go.settings"),
    ("L", "audit", _audit, "Audit log", "go.auditscreen"),
]
SCREEN_TIPS = {
    "dashboard": "Counts, quotes and deadlines",
    "documents": "List, open, fix and import documents",
    "codebook": "Edit the codebook",
}


def still_opening() -> ProjectError:
    return ProjectError(
        "the project is still opening", "Wait a moment: the dashboard fills in when it is open."
    )


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

    def __init__(self, project: Project | ProjectOpener, coder: str | None = None) -> None:
        super().__init__()
        self._project: Project | None = None
        self._opener: ProjectOpener | None = None
        self._feed: ChangeFeed | None = None
        self.open_error: BaseException | None = None  # the opener's, re-raised by ``run``
        if callable(project):
            self._opener = project
        else:
            self._project = project
            self.title = f"qualcode · {project.name}"
        self.coder: str = coder or ""
        self._ask_coder = not coder
        self.tree_share: int | None = None  # the coding view's codebook pane, % of the width
        self._screen_kinds: dict[str, type[Screen[Any]]] = {}  # SCREENS name -> class made

    @property
    def project(self) -> Project:
        """The open project (a ``ProjectError`` while it is still opening)."""
        if self._project is None:
            raise still_opening()
        return self._project

    @property
    def opened_project(self) -> Project | None:
        """The project, or None while the worker is still opening it."""
        return self._project

    # ----- set-up --------------------------------------------------------------------

    def on_mount(self) -> None:
        keymap, problem = config.load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if problem:
            self.notify(problem, title="keymap", severity="warning")
        dashboard = DashboardScreen()
        self._screen_kinds["dashboard"] = type(dashboard)
        self.push_screen(dashboard)
        remembered = config.remembered_coder() if self._ask_coder else None
        if remembered:
            self.coder = remembered
            self._show_coder()
            self.notify(f"coding as {remembered} (ctrl+p → coder: switch)", timeout=4)
        elif self._ask_coder:
            self._prompt_for_coder()
        else:
            self._show_coder()
        if self._project is not None:
            self._start_feed(self._project)
        else:  # the first frame first, then the heavy imports and the database
            self.call_after_refresh(self._open_worker)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def _open_worker(self) -> None:
        assert self._opener is not None
        project = self._opener()
        try:
            self.call_from_thread(self._opened, project)
        except RuntimeError:  # the app closed while the project was opening
            project.close()

    def _opened(self, project: Project) -> None:
        self._project = project
        self.title = f"qualcode · {project.name}"
        self._start_feed(project)
        self.refresh_data()

    def _start_feed(self, project: Project) -> None:
        from qualcode.db import ChangeFeed

        self._feed = ChangeFeed(project, self._changed_elsewhere)
        self._feed.start()

    def on_unmount(self) -> None:
        if self._feed is not None:
            self._feed.stop()
        if self._opener is not None and self._project is not None:
            self._project.close()  # the app opened it, so the app closes it

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """``App.run``; a project that could not be opened is raised here, after the app
        has closed, so the CLI prints it as ``error: ...`` with its hint."""
        result = super().run(*args, **kwargs)
        if self.open_error is not None:
            raise self.open_error
        return result

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
        from qualcode.tui.screens.coding import CodingScreen

        if self._project is None:
            self.notify_error(still_opening())
            return
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
        if self._project is None and name != "dashboard":
            self.notify_error(still_opening())
            return
        factories = {n: factory for _key, n, factory, _title, _ident in SCREENS}
        cls = self._screen_kinds.get(name)
        for i, existing in enumerate(self.screen_stack):
            if cls is not None and type(existing) is cls and i > 0:
                while len(self.screen_stack) > i + 1:
                    self.pop_screen()
                reload = getattr(existing, "reload", None)
                if callable(reload):
                    reload()
                return
        try:
            screen = factories[name]()
        except Exception as exc:  # noqa: BLE001 - a broken screen must not take the app down
            self.notify_error(exc, title=f"cannot open {name}")
            return
        self._screen_kinds[name] = type(screen)
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
        from qualcode.codebook_edit import undo

        label = self.guarded(lambda: undo(self.project, self.coder))
        self._after_history(label, "undid", "nothing to undo")

    def action_redo(self) -> None:
        from qualcode.codebook_edit import redo

        label = self.guarded(lambda: redo(self.project, self.coder))
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
        if self._feed is not None and self._feed.check():
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
        from qualcode.passages import document_titles

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
        from qualcode.db import backup

        result = backup(self.project, Path(path).expanduser())
        self.call_from_thread(self.notify, f"backup written: {result.path}", markup=False)

    def _export_codebook(self, fmt: str) -> None:
        from qualcode.codebook import export_codebook
        from qualcode.exchange import export_qdc

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
        """A failed worker becomes a notification or an error modal, never a crash; a
        project that cannot be opened closes the app (``run`` raises it)."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        if event.worker.group == "open":
            self.open_error = event.worker.error
            self.exit(return_code=1)
            return
        self.notify_error(event.worker.error)


def make_app(project: Project | ProjectOpener, coder: str | None = None) -> QualcodeApp:
    """The one app factory: the CLI, the demo and the tests all start here.

    ``project`` is an open project, or ``open_later(target)``: the app paints its first
    frame, then opens the project in a worker (and closes it when it quits); a project that
    cannot be opened closes the app and ``run`` raises the error.

    With ``coder`` the app starts at once as that coder; without, it asks (suggesting the
    remembered one) and remembers the answer in ``$XDG_CONFIG_HOME/qualcode/config.toml``.
    """
    return QualcodeApp(project, coder=coder)
