"""A file picker for import: browse folders, mark several files, import them.

Only folders and files qualcode can import are listed (``IMPORTABLE``). Paths are never
split at spaces: the path line at the top takes one path (a folder to go to, or a file to
mark), and files are marked in the tree with space or Enter. ``i`` (or ctrl+s) imports what
is marked — or the highlighted file when nothing is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, Static
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

# What the import dialog offers: documents, REFI-QDA projects and codebooks.
IMPORTABLE = (".txt", ".md", ".docx", ".pdf", ".vtt", ".srt", ".qdpx", ".qde", ".qdc")


def importable(path: Path) -> bool:
    return path.suffix.lower() in IMPORTABLE and not path.name.startswith(".")


def importable_in(folder: Path) -> list[Path]:
    """The importable files directly in a folder, by name."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and importable(p))
    except OSError:
        return []


class ImportTree(DirectoryTree):
    """Folders and importable files; marked files carry a ✓."""

    # space marks (Tree's space folds a folder; Enter still does that)
    BINDINGS = [Binding("space", "screen.mark_here", "mark", show=False, id="files.tree_mark")]

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.marked: list[Path] = []

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (self._safe_is_dir(p) or importable(p))
        ]

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        if node.data is not None and node.data.path in self.marked:
            return Text.assemble(("✓ ", "bold green"), text)
        return text


class FilePicker(ModalScreen["list[Path] | None"]):
    """Choose files to import; dismisses with the marked paths (or None)."""

    BINDINGS = [
        Binding(
            "space",
            "toggle",
            "mark",
            id="files.mark",
            tooltip="Mark or unmark the file (a folder: its files)",
        ),
        Binding(
            "i,ctrl+s", "import", "import", id="files.import", tooltip="Import the marked files"
        ),
        Binding("backspace", "up", "up", id="files.up", tooltip="Go to the parent folder"),
        Binding("escape", "cancel", "cancel", id="files.cancel"),
    ]
    AUTO_FOCUS = "#files-tree"
    DEFAULT_CSS = """
    FilePicker .files-dialog { width: 90%; max-width: 110; height: 85%; }
    FilePicker ImportTree { height: 1fr; }
    """

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = (start or Path.cwd()).expanduser()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog files-dialog"):
            yield Label("Import files", classes="dialog-title")
            yield Input(value=str(self.start), id="files-path")
            yield ImportTree(self.start, id="files-tree")
            yield Static(id="files-marked", markup=False)
            yield Static(
                "space/enter mark · i import · backspace up a folder · a path + Enter above "
                "goes there (spaces are fine) · " + " ".join(IMPORTABLE),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one(ImportTree).focus()
        self._show_marked()

    @property
    def files(self) -> ImportTree:
        return self.query_one(ImportTree)

    def _show_marked(self) -> None:
        marked = self.files.marked
        if not marked:
            text = "nothing marked yet"
        else:
            names = ", ".join(p.name for p in marked[:4])
            more = f" and {len(marked) - 4} more" if len(marked) > 4 else ""
            text = f"{len(marked)} marked: {names}{more}"
        self.query_one("#files-marked", Static).update(text)

    def mark(self, paths: list[Path]) -> None:
        """Mark the paths, or unmark them all when every one is marked already."""
        tree = self.files
        if paths and all(p in tree.marked for p in paths):
            tree.marked = [p for p in tree.marked if p not in paths]
        else:
            tree.marked += [p for p in paths if p not in tree.marked]
        tree.refresh()
        tree._invalidate()  # labels carry the marks: rebuild the cached lines
        self._show_marked()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.mark([event.path])

    def action_mark_here(self) -> None:
        node = self.files.cursor_node
        if node is None or node.data is None:
            return
        path = node.data.path
        self.mark(importable_in(path) if path.is_dir() else [path])

    def go(self, folder: Path) -> None:
        self.files.path = folder
        self.query_one("#files-path", Input).value = str(folder)

    def action_up(self) -> None:
        if self.focused is self.query_one("#files-path", Input):
            return
        self.go(Path(self.files.path).parent)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """One path: a folder to show, or a file to mark (never split at spaces)."""
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            self.go(path)
            self.files.focus()
        elif path.is_file() and importable(path):
            self.mark([path])
        elif path.is_file():
            self.notify(f"qualcode cannot import {path.suffix or 'this'} files", severity="warning")
        else:
            self.notify(f"no such file or folder: {path}", severity="warning", markup=False)

    def action_import(self) -> None:
        marked = list(self.files.marked)
        if not marked:
            node = self.files.cursor_node
            if node is not None and node.data is not None and node.data.path.is_file():
                marked = [node.data.path]
        if not marked:
            self.notify("mark files first (space), or highlight one", timeout=3)
            return
        self.dismiss(marked)

    def action_cancel(self) -> None:
        self.dismiss(None)
