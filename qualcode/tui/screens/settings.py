"""The settings screen: every project setting with its value, default and what it does.

Enter changes the highlighted setting: yes/no and language settings offer their choices,
the others a line of text. Values are checked by ``qualcode.settings`` (a bad value is a
notification with a hint, and the setting keeps its value).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from qualcode import settings
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.code_picker import ChoicePicker
from qualcode.tui.widgets.dialogs import TextPrompt


class SettingsScreen(QualcodeScreen[None]):
    """Project settings (name, languages, silence as consent, packet letters)."""

    BINDINGS = [
        Binding("enter", "edit", "change", id="settings.edit", tooltip="Change the setting"),
        Binding(
            "delete",
            "reset",
            "default",
            id="settings.reset",
            tooltip="Put the setting back to its default",
        ),
        Binding("escape", "back", "back", id="settings.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[settings.Setting] = []

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield DataTable(id="settings-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="settings-help-scroll"):
            yield Static(id="settings-help", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        rows = self.app.guarded(settings.list_settings, self.app.project)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear(columns=True)  # a longer value widens its column
        table.add_column("setting", key="key")
        table.add_column("value", key="value")
        table.add_column("default", key="default")
        for row in rows:
            value = Text(row.value or "—", style="bold" if row.is_set else "dim")
            table.add_row(row.key, value, row.default or "—", key=row.key)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._show_help()

    def current(self) -> settings.Setting | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_help()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _show_help(self) -> None:
        row = self.current()
        text = ""
        if row is not None:
            choices = f" ({' / '.join(row.choices)})" if row.choices else ""
            text = f"{row.key}{choices}: {row.help}"
        self.query_one("#settings-help", Static).update(text)

    def save(self, key: str, value: str) -> None:
        stored = self.app.guarded(settings.set_setting, self.app.project, key, value)
        if stored is None:
            return
        self.app.note_own_write()
        self.reload()
        self.notify(f"{key} = {stored or '(empty)'}", timeout=3, markup=False)

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.choices:
            choices: list[tuple[int, Text | str]] = list(enumerate(row.choices))
            current = row.choices.index(row.value) if row.value in row.choices else 0

            def chosen(index: int | None) -> None:
                if index is not None:
                    self.save(row.key, row.choices[index])

            self.app.push_screen(ChoicePicker(row.key, choices, highlighted=current), chosen)
            return

        def typed(value: str | None) -> None:
            if value is not None:
                self.save(row.key, value)

        self.app.push_screen(TextPrompt(row.key, value=row.value, help=row.help), typed)

    def action_reset(self) -> None:
        row = self.current()
        if row is not None:
            self.save(row.key, row.default)

    def action_back(self) -> None:
        self.app.go_back()
