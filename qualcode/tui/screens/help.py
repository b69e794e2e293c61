"""The help screen: every key of the screen you came from, with its binding id for keymaps."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

INTRO = (
    "qualcode works from the keyboard. ctrl+p opens the command palette with every action "
    "(type 'code:', 'go:', 'export:'). Rebind any key in "
    "$XDG_CONFIG_HOME/qualcode/keymap.toml (default ~/.config/qualcode/keymap.toml) with "
    'lines like  go.codebook = "k"  using the ids below.'
)


class HelpScreen(ModalScreen[None]):
    """Keys of the current screen and of the whole app."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "close", id="help.close")]

    def __init__(self, origin: Screen[Any]) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static("Help", classes="dialog-title")
            yield Static(INTRO, classes="dialog-help")
            yield Static(self._table())

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, what it does, binding id) for every active binding of the origin screen."""
        out = []
        seen: set[tuple[str, str]] = set()
        for key, active in self.origin.active_bindings.items():
            binding = active.binding
            if binding.system or (binding.action, binding.id or "") in seen:
                continue
            seen.add((binding.action, binding.id or ""))
            shown = binding.key_display or self.app.get_key_display(binding) or key
            description = binding.description or binding.action
            if binding.tooltip:
                description = f"{description} — {binding.tooltip}"
            out.append((shown, description, binding.id or ""))
        # qualcode's own bindings (with ids) first; Textual's scrolling and focus keys last
        return sorted(out, key=lambda row: row[2] == "")

    def _table(self) -> Table:
        table = Table(box=None, expand=True, pad_edge=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        table.add_column("id", style="dim", no_wrap=True)
        for key, description, ident in self.rows():
            table.add_row(Text(key), Text(description), Text(ident))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
