"""The fuzzy code picker: type part of a key, a Danish or English label or a keyword.

Enter applies the highlighted code (or every code marked with tab) — one key from the
coding view, a few letters, Enter. Also used to choose one code (filter, merge target).
When nothing matches well, the first row offers to create a new code with what was typed
(inductive coding): Enter on it dismisses with a ``NewCode``, never with the nearest code.
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

from qualcode.models import Code


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


def pickable(codes: list[Code]) -> list[PickableCode]:
    """Codes in tree order (parents before children) with their depth, for the picker."""
    by_parent: dict[int | None, list[Code]] = {}
    ids = {c.id for c in codes}
    for c in codes:
        parent = c.parent_id if c.parent_id in ids else None
        by_parent.setdefault(parent, []).append(c)
    out: list[PickableCode] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in by_parent.get(parent, []):
            if c.id is None:
                continue
            out.append(
                PickableCode(
                    c.id, c.key, c.label_da, c.label_en, list(c.keywords or []), c.colour, depth
                )
            )
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


# A match is taken as what the user meant when what was typed is in a key, label or keyword
# (scores of 100 and more), or is that word with a typo (similarity of the whole words at
# least STRONG_MATCH: "ulihged" → "ulighed" is 86). Otherwise the first row offers to create a
# new code and Enter takes that row; with a good match the create row is last.
STRONG_MATCH = 80.0


def strong_match(query: str, code: PickableCode) -> bool:
    """Whether ``query`` names ``code``: a substring of its key, labels or keywords, or one
    of them with a typo. (A fuzzy partial match like "tidspres i hjemmeplejen" ~ "… hjem"
    is listed, but it is not taken for the user's meaning.)"""
    folded = utils.default_process(query)
    if not folded:
        return False
    one_word = " " not in folded
    for text in code.haystacks():
        t = utils.default_process(text) if text else ""
        if t and (folded in t or fuzz.ratio(folded, t) >= STRONG_MATCH):
            return True
        if t and one_word and any(fuzz.ratio(folded, w) >= STRONG_MATCH for w in t.split()):
            return True
    return False


@dataclass(frozen=True, slots=True)
class NewCode:
    """The picker's answer when the user chose to create a code with the typed label."""

    label: str


def score_codes(query: str, codes: list[PickableCode]) -> list[tuple[float, PickableCode]]:
    """Codes matching ``query`` with their score, best first (60 and up)."""
    q = query.strip()
    if not q:
        return [(0.0, c) for c in codes]
    folded = utils.default_process(q)
    scored: list[tuple[float, int, PickableCode]] = []
    for i, code in enumerate(codes):
        if code.key.lower() == q.lower():
            score = 300.0
        elif code.key.lower().startswith(q.lower()):
            score = 200.0 - len(code.key)
        else:
            score = 0.0
            for n, text in enumerate(code.haystacks()):
                t = utils.default_process(text) if text else ""
                if not t:
                    continue
                if folded and folded in t:
                    s = 150.0 - t.index(folded) * 0.5
                elif n == 0 or len(t) < len(folded):
                    # a key, or a word shorter than what was typed: "a" is in "tema", but
                    # "xyzzy nyt tema" does not mean code A
                    s = fuzz.ratio(folded, t)
                else:
                    s = max(fuzz.WRatio(folded, t), fuzz.partial_ratio(folded, t) * 0.95)
                score = max(score, s)
        if score >= 60:
            scored.append((score, -i, code))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [(score, c) for score, _, c in scored]


def rank_codes(query: str, codes: list[PickableCode], limit: int = 50) -> list[PickableCode]:
    """Codes best matching ``query``: exact key, key prefix, then fuzzy over labels/keywords."""
    ranked = [c for _, c in score_codes(query, codes)]
    return ranked[:limit] if limit else ranked


class CodePicker(ModalScreen["list[int] | NewCode | None"]):
    """Pick one or more codes by fuzzy search; dismisses with their ids, a ``NewCode`` (only
    with ``allow_create``) or None."""

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
        allow_create: bool = False,
    ) -> None:
        super().__init__()
        self.codes = codes
        self.allow_create = allow_create
        self.create_label: str | None = None  # the "create code" row is shown for this
        self.create_first = False  # ... first (nothing matches well) or last
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
        scored = score_codes(query, self.codes)
        if query.strip():
            scored = scored[:50]
        self.shown = [c for _, c in scored]
        weak = not scored or not strong_match(query, scored[0][1])
        typed = query.strip()
        exact = any(
            typed.casefold() in (c.key.casefold(), c.label_da.casefold()) for c in self.shown
        )
        self.create_label = typed if self.allow_create and typed and not exact else None
        self.create_first = weak
        options = self.query_one(OptionList)
        options.clear_options()
        rows = [Option(self._label(c), id=str(c.id)) for c in self.shown]
        if self.create_label is not None:
            row = Text()
            row.append("+ ", style="bold green")
            row.append("create code ", style="bold")
            row.append(f"“{self.create_label}”", style="bold green")
            row.append("  (enter: choose where)", style="dim")
            create = Option(row, id="create")
            rows = [create, *rows] if weak else [*rows, create]
        options.add_options(rows)
        if options.option_count:
            options.highlighted = 0

    def _label(self, code: PickableCode) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
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
        if index is not None and self.create_label is not None and self.create_first:
            index -= 1
        if index is None or not 0 <= index < len(self.shown):
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
        if options.highlighted is not None:
            options.replace_option_prompt_at_index(options.highlighted, self._label(code))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        if self.marked:
            self.dismiss(list(self.marked))
            return
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is not None and self.create_label is not None:
            create_at = 0 if self.create_first else options.option_count - 1
            if index == create_at:
                self.dismiss(NewCode(self.create_label))
                return
        code = self.highlighted_code()
        if code is not None:
            self.dismiss([code.id])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoicePicker(ModalScreen[int | None]):
    """Choose one of a few things (which coding to remove, which memo to edit)."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="choice.cancel")]

    def __init__(
        self,
        title: str,
        choices: list[tuple[int, Text | str]],
        highlighted: int = 0,
        help: str = "",
    ) -> None:
        super().__init__()
        self.choice_title = title
        self.choices = choices
        self.initial = highlighted
        self.help_text = help

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.choice_title, classes="dialog-title")
            yield OptionList(*[Option(label, id=str(value)) for value, label in self.choices])
            if self.help_text:
                yield Static(self.help_text, classes="dialog-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = min(max(self.initial, 0), max(len(self.choices) - 1, 0))
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id) if event.option.id is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
