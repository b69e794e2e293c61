"""The coding view: the text with its coded spans, the codebook beside it, the codings at
the cursor below, and a one-key fuzzy code picker.

Select by keyboard (shift+arrows; w/b by word, s sentence, t turn) or mouse, press Enter,
type a few letters, Enter: the codes are applied as one undoable action and the span is
painted at once (only the visible lines are redrawn). When nothing matches what was typed,
Enter offers to create a code with that label (inductive coding).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.widgets import Tree

from qualcode import coding as coding_domain
from qualcode import quotes, suggest
from qualcode.passages import next_suggestion, open_suggestion_places
from qualcode.suggestion_batch import decide_code_suggestions
from qualcode.tui.screens.code_view import CodeViewScreen
from qualcode.tui.screens.coding_base import CodingScreenBase
from qualcode.tui.widgets.code_picker import ChoicePicker, CodePicker, NewCode, pickable
from qualcode.tui.widgets.dialogs import MemoEditor
from qualcode.tui.widgets.format import plural
from qualcode.tui.widgets.memo import edit_memo
from qualcode.tui.widgets.spans import Span

TOP_LEVEL = -1
NO_CODE = -1


class CodingScreen(CodingScreenBase):
    """Code one document."""

    BINDINGS = [
        Binding(
            "enter",
            "apply",
            "code",
            id="coding.apply",
            tooltip="Apply codes to the selection (fuzzy picker; no match: create a code)",
        ),
        Binding(
            "delete,backspace",
            "remove",
            "uncode",
            show=False,
            id="coding.remove",
            tooltip="Remove a coding at the cursor",
        ),
        Binding(
            "m",
            "memo",
            "memo",
            show=False,
            id="coding.memo",
            tooltip="Memo on a coding at the cursor",
        ),
        Binding(
            "M",
            "document_memo",
            "doc memo",
            show=False,
            id="coding.document_memo",
            tooltip="Memo on the document",
        ),
        Binding(
            "n",
            "jump(1)",
            "next",
            show=False,
            id="coding.next",
            tooltip="Next coding of the filtered code (or the code at the cursor), "
            "codes under it included",
        ),
        Binding(
            "p",
            "jump(-1)",
            "prev",
            show=False,
            id="coding.previous",
            tooltip="Previous coding of the filtered code (or the code at the cursor)",
        ),
        Binding(
            "f",
            "filter",
            "filter",
            id="coding.filter",
            tooltip="Show only one code (an area: with its attention points); again: show all",
        ),
        Binding(
            "v",
            "code_view",
            "passages",
            id="coding.code_view",
            tooltip="Every passage of a code across documents",
        ),
        Binding(
            "u",
            "quote",
            "quote",
            show=False,
            id="coding.quote",
            tooltip="Make a quote from the selection (it takes the code of the coded span)",
        ),
        Binding(
            "a",
            "accept_suggestion",
            "accept",
            show=False,
            id="coding.accept_suggestion",
            tooltip="Accept the suggestion at the cursor",
        ),
        Binding(
            "x",
            "reject_suggestion",
            "reject",
            show=False,
            id="coding.reject_suggestion",
            tooltip="Reject the suggestion at the cursor",
        ),
        Binding(
            "A",
            "decide_all(True)",
            "accept all",
            show=False,
            id="coding.accept_all",
            tooltip="Accept every open suggestion of the code at the cursor in this document",
        ),
        Binding(
            "X",
            "decide_all(False)",
            "reject all",
            show=False,
            id="coding.reject_all",
            tooltip="Reject every open suggestion of the code at the cursor in this document",
        ),
        Binding(
            "right_square_bracket",
            "next_suggestion(1)",
            "next suggestion",
            show=False,
            id="coding.next_suggestion",
            tooltip="Next open suggestion (across documents)",
        ),
        Binding(
            "left_square_bracket",
            "next_suggestion(-1)",
            "prev suggestion",
            show=False,
            id="coding.previous_suggestion",
            tooltip="Previous open suggestion (across documents)",
        ),
        Binding(
            "greater_than_sign",
            "pane(8)",
            "wider tree",
            show=False,
            id="coding.widen_tree",
            tooltip="Widen the codebook pane",
        ),
        Binding(
            "less_than_sign",
            "pane(-8)",
            "narrower tree",
            show=False,
            id="coding.narrow_tree",
            tooltip="Narrow the codebook pane",
        ),
        Binding(
            "escape",
            "clear_or_back",
            "back",
            id="coding.back",
            tooltip="Clear the selection or filter, or go back",
        ),
    ]

    # ----- coding actions --------------------------------------------------------------

    def action_apply(self) -> None:
        if self.focused is not None and self.focused.id == "code-tree":
            return  # the tree handles its own Enter
        sel = self.view.selection
        if sel is None:
            self.notify("select a span first (shift+arrows, s sentence, t turn)", timeout=3)
            return
        preview = self.view.text[sel[0] : sel[1]].replace("\n", " ")
        hint = preview if len(preview) <= 70 else preview[:67] + "…"

        def chosen(choice: list[int] | NewCode | None) -> None:
            if isinstance(choice, NewCode):
                self.create_code(choice.label, sel[0], sel[1])
            elif choice:
                self.apply_codes(choice, sel[0], sel[1])

        self.app.push_screen(
            CodePicker(pickable(list(self.codes.values())), hint=f"“{hint}”", allow_create=True),
            chosen,
        )

    def apply_codes(self, code_ids: list[int], start: int, end: int) -> list[int]:
        """Apply codes to ``[start, end)`` as one action; paint them; returns coding ids."""
        app = self.app
        ids = app.guarded(
            coding_domain.apply_codes,
            app.project,
            self.document_id,
            code_ids,
            start,
            end,
            app.coder,
        )
        if not ids:
            return []
        self._painted(ids, code_ids, start, end)
        keys = ", ".join(self.codes[c].key for c in code_ids if c in self.codes)
        self.notify(f"coded {keys}", timeout=2)
        return ids

    def _painted(self, coding_ids: list[int], code_ids: list[int], start: int, end: int) -> None:
        self.app.note_own_write()
        view = self.view
        for coding_id, code_id in zip(coding_ids, code_ids, strict=False):
            view.spans.add(Span(coding_id, code_id, start, end, self.app.coder))
        view.invalidate()
        self._refresh_counts(set(code_ids))
        self._update_side()

    def create_code(self, label: str, start: int, end: int) -> None:
        """Inductive coding: choose where the new code goes (escape cancels), then create it
        and code the span with it as one action (ctrl+z removes both)."""
        near = self.spans_at_cursor()
        default = near[0].code_id if near else self.filter_code
        choices: list[tuple[int, Text | str]] = [(TOP_LEVEL, "at the top level (a free code)")]
        highlighted = 0
        for code in pickable(list(self.codes.values())):
            row = Text("  " * code.depth)
            row.append("■ ", style=code.colour)
            row.append(f"under {code.key} {code.label_da}")
            if code.id == default:
                highlighted = len(choices)
            choices.append((code.id, row))

        def placed(parent: int | None) -> None:
            if parent is None:
                return
            app = self.app
            made = app.guarded(
                coding_domain.apply_new_code,
                app.project,
                self.document_id,
                start,
                end,
                label,
                None if parent == TOP_LEVEL else parent,
                app.coder,
            )
            if made is None:
                return
            self.reload()
            self.notify(f"created {made.key} “{label}” and coded {start}–{end} with it", timeout=4)

        self.app.push_screen(
            ChoicePicker(
                f"Create code “{label}” where?",
                choices,
                highlighted=highlighted,
                help="enter creates it and codes the selection · ctrl+z undoes both · esc cancels",
            ),
            placed,
        )

    def _choose_span(self, title: str, then: Callable[[Span], None]) -> None:
        spans = self.spans_at_cursor()
        if not spans:
            self.notify("no coding at the cursor", timeout=3)
            return
        if len(spans) == 1:
            then(spans[0])
            return
        choices: list[tuple[int, Text | str]] = []
        for span in spans:
            code = self.codes.get(span.code_id)
            label = Text()
            label.append("■ ", style=code.colour if code else "#888888")
            label.append(f"{code.key if code else '?'} {code.label_da if code else ''}")
            label.append(f"  {span.coder} {span.start}–{span.end}", style="dim")
            choices.append((span.id, label))
        by_id = {s.id: s for s in spans}

        def picked(span_id: int | None) -> None:
            if span_id is not None and span_id in by_id:
                then(by_id[span_id])

        self.app.push_screen(ChoicePicker(title, choices), picked)

    def action_remove(self) -> None:
        self._choose_span("Remove which coding?", self.remove_coding)

    def remove_coding(self, span: Span) -> None:
        app = self.app
        done = app.guarded(coding_domain.remove_coding, app.project, span.id, app.coder)
        if done is None:
            return
        app.note_own_write()
        self.view.spans.remove(span.id)
        self.view.invalidate()
        self._refresh_counts({span.code_id})
        self._update_side()
        self.notify(f"removed {done['code']} at {span.start}–{span.end}", timeout=3, markup=False)

    def action_memo(self) -> None:
        self._choose_span("Memo on which coding?", self.edit_coding_memo)

    def edit_coding_memo(self, span: Span) -> None:
        code = self.codes.get(span.code_id)

        def save(text: str | None) -> None:
            if text is None:
                return
            app = self.app
            try:
                coding_domain.set_coding_memo(app.project, span.id, text, app.coder)
            except Exception as exc:  # noqa: BLE001 - shown as a notification
                app.notify_error(exc)
                return
            app.note_own_write()
            span.memo = text
            self._update_side()
            self.notify("memo saved", timeout=2)

        title = f"Memo on coding {code.key if code else ''} {span.start}–{span.end}"
        self.app.push_screen(MemoEditor(title, span.memo), save)

    def action_document_memo(self) -> None:
        edit_memo(self.app, "document", self.document_id, f"Memo on {self.title_text}")

    # ----- moving and filtering ----------------------------------------------------------

    def _jump_code(self) -> int | None:
        if self.filter_code is not None:
            return self.filter_code
        view = self.view
        spans = view.visible_spans(view.cursor, view.cursor + 1)
        return min(spans, key=lambda s: s.length).code_id if spans else None

    def action_jump(self, direction: int) -> None:
        view = self.view
        code_id = self._jump_code()
        ids = self.subtree(code_id) if code_id is not None else None
        if direction > 0:
            span = view.spans.next_start(view.cursor, ids)
        else:
            span = view.spans.previous_start(view.cursor, ids)
        if span is None:
            what = self.codes[code_id].key if code_id in self.codes else "any code"
            self.notify(f"no {'next' if direction > 0 else 'previous'} coding of {what}", timeout=2)
            return
        view.move_to(span.start)
        view.scroll_to_offset_centered(span.start)

    def action_filter(self) -> None:
        if self.filter_code is not None:
            self.set_filter(None)
            return

        def chosen(ids: list[int] | NewCode | None) -> None:
            if isinstance(ids, list) and ids:
                self.set_filter(ids[0])

        self.app.push_screen(
            CodePicker(pickable(list(self.codes.values())), title="Show only", multiple=False),
            chosen,
        )

    def set_filter(self, code_id: int | None) -> None:
        view = self.view
        self.filter_code = code_id if code_id in self.codes else None
        view.code_filter = self.subtree(self.filter_code) if self.filter_code is not None else None
        view.invalidate()
        self._update_side()
        if self.filter_code is not None:
            code_id = self.filter_code
            code = self.codes[code_id]
            below = len(self.subtree(code_id)) - 1
            also = f" and {plural(below, 'code')} under it" if below else ""
            n = plural(self.total(code_id), "coding")
            self.notify(f"showing only {code.key}{also}: {n} here (f shows all)", timeout=3)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        """Enter on a code in the tree: apply it to the selection, or filter by it."""
        event.stop()
        code_id = event.node.data
        if code_id is None:
            return
        sel = self.view.selection
        if sel is not None:
            self.apply_codes([code_id], sel[0], sel[1])
            self.view.focus()
        else:
            self.set_filter(None if self.filter_code == code_id else code_id)

    def action_pane(self, delta: int) -> None:
        """Resize the codebook pane (kept as a share of the width while the app runs)."""
        side = self.query_one("#coding-side")
        width = self.size.width or 80
        now = side.size.width or width // 3
        share = min(max(round((now + delta) * 100 / width), 15), 70)
        self.app.tree_share = share
        side.styles.width = f"{share}%"
        side.styles.max_width = None

    def on_mount(self) -> None:
        # (Textual also runs CodingScreenBase.on_mount: handlers are called along the MRO)
        if self.app.tree_share is not None:
            side = self.query_one("#coding-side")
            side.styles.width = f"{self.app.tree_share}%"
            side.styles.max_width = None

    def action_clear_or_back(self) -> None:
        if self.view.clear_selection():
            return
        if self.filter_code is not None:
            self.set_filter(None)
            return
        self.app.go_back()

    def action_code_view(self) -> None:
        """Every passage of the filtered code, the code at the cursor, or one picked."""
        code_id = self._jump_code()
        if code_id is not None:
            self.app.push_screen(CodeViewScreen(code_id))
            return

        def chosen(ids: list[int] | NewCode | None) -> None:
            if isinstance(ids, list) and ids:
                self.app.push_screen(CodeViewScreen(ids[0]))

        self.app.push_screen(
            CodePicker(pickable(list(self.codes.values())), title="Passages of", multiple=False),
            chosen,
        )

    # ----- quotes and suggestions ------------------------------------------------------

    def action_quote(self) -> None:
        """A quote of the selection; it supports the code of the coded span it was made from
        (asks when codings of several codes cover it)."""
        sel = self.view.selection
        if sel is None:
            self.notify("select the passage to quote first", timeout=3)
            return
        covering = [
            s for s in self.view.visible_spans(*sel) if s.start <= sel[0] and s.end >= sel[1]
        ]
        code_ids = list(dict.fromkeys(s.code_id for s in covering if s.code_id in self.codes))
        if len(code_ids) <= 1:
            self._make_quote(sel, code_ids[0] if code_ids else None)
            return
        choices: list[tuple[int, Text | str]] = []
        for cid in code_ids:
            row = Text("■ ", style=self.codes[cid].colour)
            row.append(f"{self.codes[cid].key} {self.codes[cid].label_da}")
            choices.append((cid, row))
        choices.append((NO_CODE, "no code (choose later on the quotes board)"))

        def picked(code_id: int | None) -> None:
            if code_id is not None:
                self._make_quote(sel, None if code_id == NO_CODE else code_id)

        self.app.push_screen(ChoicePicker("The quote supports which code?", choices), picked)

    def _make_quote(self, sel: tuple[int, int], code_id: int | None) -> None:
        app = self.app
        key = self.codes[code_id].key if code_id is not None else None
        result = app.guarded(
            quotes.add_quote, app.project, self.document_id, sel[0], sel[1], code=key, who=app.coder
        )
        if result is not None:
            app.note_own_write()
            what = f" for {key}" if key else ""
            self.notify(f"quote Q{result['id']} added{what} (Q: the quotes board)", timeout=3)

    def _decide_suggestion(self, accept: bool) -> None:
        here = self.suggestions_at_cursor()
        if not here:
            self.notify("no suggestion at the cursor (] goes to the next one)", timeout=2)
            return
        fn = suggest.accept_suggestion if accept else suggest.reject_suggestion
        app = self.app
        if app.guarded(fn, app.project, here[0].id, app.coder) is None:
            return
        app.note_own_write()
        self.reload()
        self.notify("suggestion accepted" if accept else "suggestion rejected", timeout=2)

    def action_accept_suggestion(self) -> None:
        self._decide_suggestion(True)

    def action_reject_suggestion(self) -> None:
        self._decide_suggestion(False)

    def action_decide_all(self, accept: bool) -> None:
        """Accept or reject every open suggestion of the code suggested at the cursor."""
        here = self.suggestions_at_cursor()
        if not here:
            self.notify("put the cursor on a suggestion of the code first", timeout=3)
            return
        app = self.app
        done = app.guarded(
            decide_code_suggestions,
            app.project,
            self.document_id,
            here[0].code_id,
            accept,
            app.coder,
        )
        if done is None:
            return
        app.note_own_write()
        self.reload()
        verb = "accepted" if accept else "rejected"
        self.notify(f"{verb} {plural(done.decided, 'suggestion')} of {done.code_key}", timeout=3)

    def action_next_suggestion(self, direction: int) -> None:
        """Go to the next (or previous) open suggestion, in this or another document."""
        places = self.app.guarded(open_suggestion_places, self.app.project, self.app.coder)
        if places is None:
            return
        place = next_suggestion(places, self.document_id, self.view.cursor, direction)
        if place is None:
            self.notify("no open suggestions", timeout=2)
            return
        if place.document_id == self.document_id:
            self.show_span(place.start)
        else:
            self.app.open_document(place.document_id, place.start, replace=True)
        self.notify(f"{plural(len(places), 'open suggestion')} in all", timeout=2)

    # ----- palette -----------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        """Commands that only make sense here: one "code: apply …" per code, and friends."""
        commands = []
        sel = self.view.selection
        for code in self.codes.values():
            cid = code.id
            if cid is None:
                continue
            if sel is not None:
                commands.append(
                    SystemCommand(
                        f"code: apply {code.key} {code.label_da}",
                        f"Code {sel[0]}–{sel[1]} with {code.key}",
                        lambda c=cid, a=sel[0], b=sel[1]: self.apply_codes([c], a, b),
                        discover=False,
                    )
                )
            commands.append(
                SystemCommand(
                    f"code: filter to {code.key} {code.label_da}",
                    "Show only this code's codings (and those of the codes under it)",
                    lambda c=cid: self.set_filter(c),
                    discover=False,
                )
            )
        commands += [
            SystemCommand(
                "select: sentence",
                "Select the sentence at the cursor",
                self.view.action_select_sentence,
            ),
            SystemCommand(
                "select: turn",
                "Select the speaker turn at the cursor",
                self.view.action_select_turn,
            ),
        ]
        return commands
