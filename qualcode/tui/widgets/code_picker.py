"""The fuzzy code picker: type part of a key, a Danish or English label or a keyword.

Enter applies the highlighted code (or every code marked with tab) — one key from the
coding view, a few letters, Enter. Also used to choose one code (filter, merge target).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


@dataclass(slots=True)
class PickableCode:
    """A code as the picker shows and searches it."""

    id: int
    key: str
    label_da: str
    label_en: str = ""
    keywords: list[str] = field(default_factory=list)
    colour: str = "#888888"
    depth: int = 0

    def haystacks(self) -> list[str]:
        return [self.key, self.label_da, self.label_en, *self.keywords]


def rank_codes(query: str, codes: list[PickableCode], limit: int = 50) -> list[PickableCode]:
    """Codes best matching ``query``: exact key, key prefix, then fuzzy over labels/keywords."""
    q = query.strip()
    if not q:
        return codes[:limit] if limit else list(codes)
    folded = utils.default_process(q)
    scored: list[tuple[float, int, PickableCode]] = []
    for i, code in enumerate(codes):
        if code.key.lower() == q.lower():
            score = 300.0
        elif code.key.lower().startswith(q.lower()):
            score = 200.0 - len(code.key)
        else:
            score = 0.0
            for text in code.haystacks():
                if not text:
                    continue
                t = utils.default_process(text)
                if folded and folded in t:
                    s = 150.0 - t.index(folded) * 0.5
                else:
                    s = max(fuzz.WRatio(folded, t), fuzz.partial_ratio(folded, t) * 0.95)
                score = max(score, s)
        if score >= 60:
            scored.append((score, -i, code))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [c for _, _, c in scored[:limit]]


class CodePicker(ModalScreen[list[int] | None]):
    """Pick one or more codes by fuzzy search; dismisses with their ids or None."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="picker.cancel"),
        Binding("down", "cursor(1)", "next", show=False, priority=True, id="picker.down"),
        Binding("up", "cursor(-1)", "previous", show=False, priority=True, id="picker.up"),
        Binding(
            "tab",
            "toggle_mark",
            "mark",
            priority=True,
            id="picker.mark",
            tooltip="Mark the highlighted code to apply several at once",
        ),
        Binding("enter", "choose", "apply", priority=True, id="picker.apply"),
    ]

    def __init__(
        self,
        codes: list[PickableCode],
        title: str = "Apply code",
        multiple: bool = True,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.codes = codes
        self.picker_title = title
        self.multiple = multiple
        self.hint = hint
        self.marked: list[int] = []
        self.shown: list[PickableCode] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.picker_title, classes="dialog-title")
            if self.hint:
                yield Static(self.hint, classes="dialog-help", markup=False)
            yield Input(placeholder="key, label or keyword…", id="picker-input")
            yield OptionList(id="picker-options")
            yield Static(
                "enter apply · tab mark several · esc cancel"
                if self.multiple
                else "enter choose · esc cancel",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self._refill("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    def _refill(self, query: str) -> None:
        self.shown = rank_codes(query, self.codes, limit=0 if not query.strip() else 50)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._label(c), id=str(c.id)) for c in self.shown])
        if self.shown:
            options.highlighted = 0

    def _label(self, code: PickableCode) -> Text:
        text = Text()
        text.append("✓ " if code.id in self.marked else "  ", style="bold")
        text.append("  " * code.depth if not self.query_one(Input).value.strip() else "")
        text.append("■ ", style=code.colour)
        text.append(code.key, style="bold")
        text.append("  " + code.label_da)
        if code.label_en:
            text.append(f" · {code.label_en}", style="dim")
        return text

    def highlighted_code(self) -> PickableCode | None:
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.shown):
            return None
        return self.shown[index]

    def action_cursor(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_toggle_mark(self) -> None:
        code = self.highlighted_code()
        if code is None or not self.multiple:
            return
        if code.id in self.marked:
            self.marked.remove(code.id)
        else:
            self.marked.append(code.id)
        options = self.query_one(OptionList)
        index = options.highlighted
        options.replace_option_prompt_at_index(index, self._label(code))  # type: ignore[arg-type]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        if self.marked:
            self.dismiss(list(self.marked))
            return
        code = self.highlighted_code()
        if code is not None:
            self.dismiss([code.id])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoicePicker(ModalScreen[int | None]):
    """Choose one of a few things (which coding to remove, which memo to edit)."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="choice.cancel")]

    def __init__(self, title: str, choices: list[tuple[int, Text | str]]) -> None:
        super().__init__()
        self.choice_title = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.choice_title, classes="dialog-title")
            yield OptionList(*[Option(label, id=str(value)) for value, label in self.choices])

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id) if event.option.id is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
