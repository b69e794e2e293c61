"""The coding view: the text with its coded spans, the codebook beside it, the codings at
the cursor below, and a one-key fuzzy code picker.

Select by keyboard (shift+arrows; w/b by word, s sentence, t turn) or mouse, press Enter,
type a few letters, Enter: the codes are applied as one undoable action and the span is
painted at once (only the visible lines are redrawn).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from sqlalchemy import select as sa_select
from sqlalchemy import true
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode import coding as coding_domain
from qualcode.codebook import all_codes
from qualcode.db import Project
from qualcode.errors import NotFoundError
from qualcode.models import Code, Coder, Coding, Document, Turn
from qualcode.participants import is_interviewer_label
from qualcode.tui.widgets.code_picker import ChoicePicker, CodePicker, PickableCode
from qualcode.tui.widgets.code_tree import fill_code_tree
from qualcode.tui.widgets.spans import Span
from qualcode.tui.widgets.transcript import CodeLook, SuggestionMark, TranscriptView, TurnMark
from qualcode.visibility import visible_coder_filter


@dataclass
class LoadedDocument:
    """Everything the coding view needs about one document, read in a few queries."""

    id: int
    title: str
    text: str
    spans: list[Span]
    turns: list[TurnMark]


def load_document(project: Project, document_id: int, viewer: str | None = None) -> LoadedDocument:
    """Text, codings (with coder names) and speaker turns of a document.

    Plain Core queries on one connection: building ORM rows for 5,000 codings would cost
    more than everything else the coding view does to open a document. With blind coding
    on, ``viewer`` sees only their own and the reviewed codings (``qualcode.visibility``).
    """
    visible = visible_coder_filter(project, viewer)
    coding_t = Coding.__table__  # type: ignore[attr-defined]
    coder_t = Coder.__table__  # type: ignore[attr-defined]
    coding, coder = coding_t.c, coder_t.c
    turn = Turn.__table__.c  # type: ignore[attr-defined]
    document = Document.__table__.c  # type: ignore[attr-defined]
    with project.engine.connect() as conn:
        row = conn.execute(
            sa_select(document.title, document.text).where(document.id == document_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no document {document_id}")
        title, text = row
        rows = conn.execute(
            sa_select(coding.id, coding.code_id, coding.start, coding.end, coding.memo, coder.name)
            .select_from(coding_t.join(coder_t, coder.id == coding.coder_id))
            .where(coding.document_id == document_id)
            .where(visible if visible is not None else true())
        ).all()
        turn_rows = conn.execute(
            sa_select(turn.start, turn.end, turn.speaker, turn.participant_id)
            .where(turn.document_id == document_id)
            .order_by(turn.start)
        ).all()
    spans = [
        Span(id=i, code_id=c, start=a, end=b, coder=name or "", memo=memo or "")
        for i, c, a, b, memo, name in rows
    ]
    turns = []
    for start, end, speaker, participant_id in turn_rows:
        label_end = start
        if text.startswith(speaker, start):
            label_end = start + len(speaker)
            if text.startswith(":", label_end):
                label_end += 1
        interviewer = participant_id is None and is_interviewer_label(speaker)
        turns.append(TurnMark(start, end, speaker, label_end, interviewer))
    return LoadedDocument(document_id, title, text, spans, turns)


def load_codes(project: Project) -> list[Code]:
    with project.session() as s:
        return all_codes(s)


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
            out.append(
                PickableCode(
                    c.id,
                    c.key,
                    c.label_da,
                    c.label_en,
                    list(c.keywords or []),
                    c.colour,
                    depth,  # type: ignore[arg-type]
                )
            )
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


def edit_memo(app: App[Any], kind: str, target_id: int, title: str) -> None:
    """Open the memo editor on a document, code or project memo of the current coder."""
    from qualcode.tui.memos import read_memo, write_memo
    from qualcode.tui.widgets.dialogs import MemoEditor

    project = app.project  # type: ignore[attr-defined]
    coder = app.coder  # type: ignore[attr-defined]
    current = app.guarded(read_memo, project, kind, target_id, coder)  # type: ignore[attr-defined]

    def save(text: str | None) -> None:
        if text is None:
            return
        app.guarded(write_memo, project, kind, target_id, text, coder)  # type: ignore[attr-defined]
        app.note_own_write()  # type: ignore[attr-defined]
        app.notify("memo saved" if text.strip() else "memo removed", timeout=3)

    app.push_screen(MemoEditor(title, current or ""), save)


class CodingScreen(Screen[None]):
    """Code one document."""

    BINDINGS = [
        Binding(
            "enter",
            "apply",
            "code",
            id="coding.apply",
            tooltip="Apply codes to the selection (fuzzy picker)",
        ),
        Binding(
            "delete,backspace",
            "remove",
            "remove",
            id="coding.remove",
            tooltip="Remove a coding at the cursor",
        ),
        Binding("m", "memo", "memo", id="coding.memo", tooltip="Memo on a coding at the cursor"),
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
            tooltip="Next coding (of the filtered code, or the code at the cursor)",
        ),
        Binding(
            "p",
            "jump(-1)",
            "prev",
            show=False,
            id="coding.previous",
            tooltip="Previous coding (of the filtered code, or the code at the cursor)",
        ),
        Binding(
            "f",
            "filter",
            "filter",
            id="coding.filter",
            tooltip="Show only one code's codings (again: show all)",
        ),
        Binding(
            "u",
            "quote",
            "quote",
            show=False,
            id="coding.quote",
            tooltip="Make a quote from the selection",
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
            "escape",
            "clear_or_back",
            "back",
            id="coding.back",
            tooltip="Clear the selection, or go back",
        ),
    ]

    def __init__(self, document_id: int, start: int | None = None, end: int | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self._initial = (start, end)
        self.title_text = ""
        self.codes: dict[int, Code] = {}
        self.code_nodes: dict[int, TreeNode[int]] = {}
        self.counts: dict[int, int] = {}
        self.suggestion_marks: list[SuggestionMark] = []
        self._suspended = False

    # ----- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="coding-main"):
            yield TranscriptView(id="transcript")
            with Vertical(id="coding-side"):
                tree: Tree[int] = Tree("codebook", id="code-tree")
                tree.show_root = False
                tree.guide_depth = 2
                tree.auto_expand = False  # Enter applies or filters; it does not fold
                yield tree
                yield Static(id="at-cursor", markup=False)
        yield Static(id="coding-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        try:
            doc = load_document(self.app.project, self.document_id, self.app.coder)  # type: ignore[attr-defined]
            codes = load_codes(self.app.project)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)  # type: ignore[attr-defined]
            self.app.call_later(self.app.pop_screen)
            return
        self.title_text = doc.title
        self._set_codes(codes)
        view.load(doc.text, doc.spans, self._looks(), doc.turns)
        self._count_codes()
        self._build_tree()
        self._load_suggestions()
        view.focus()
        start, end = self._initial
        if start is not None:
            self.call_after_refresh(self.show_span, start, end)
        self._update_side()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def selection(self) -> tuple[int, int, int] | None:
        """The current selection as ``(document_id, start, end)``, or None."""
        sel = self.view.selection
        return (self.document_id, sel[0], sel[1]) if sel else None

    def show_span(self, start: int | None, end: int | None = None) -> None:
        """Put the cursor (and selection, given ``end``) on a span and scroll it into view."""
        if start is None:
            return
        view = self.view
        if end is not None and end > start:
            view.select(start, end)
        else:
            view.move_to(start)
        view.scroll_to_offset_centered(start)

    # ----- data ----------------------------------------------------------------------

    def _set_codes(self, codes: list[Code]) -> None:
        self.codes = {c.id: c for c in codes}  # type: ignore[misc]

    def _looks(self) -> dict[int, CodeLook]:
        return {cid: CodeLook(c.key, c.colour) for cid, c in self.codes.items()}

    def _count_codes(self) -> None:
        counts: dict[int, int] = {}
        for span in self.view.spans.spans.values():
            counts[span.code_id] = counts.get(span.code_id, 0) + 1
        self.counts = counts

    def _node_label(self, code: Code) -> Text:
        """Colour, key, codings in this document (when any), label."""
        text = Text()
        text.append("■ ", style=code.colour)
        text.append(code.key, style="bold")
        n = self.counts.get(code.id, 0)  # type: ignore[arg-type]
        if n:
            text.append(f" {n}", style="bold reverse")
        text.append(f" {code.label_da}")
        return text

    def _build_tree(self) -> None:
        tree: Tree[int] = self.query_one("#code-tree", Tree)
        self.code_nodes = fill_code_tree(tree, self.codes.values(), self._node_label)

    def _refresh_counts(self, code_ids: set[int]) -> None:
        self._count_codes()
        for cid in code_ids:
            node = self.code_nodes.get(cid)
            code = self.codes.get(cid)
            if node is not None and code is not None:
                node.set_label(self._node_label(code))

    def reload(self) -> None:
        """Reread codings and codes (after undo/redo or a codebook edit elsewhere)."""
        if not self.is_mounted:
            return
        view = self.view
        try:
            doc = load_document(self.app.project, self.document_id, self.app.coder)  # type: ignore[attr-defined]
            codes = load_codes(self.app.project)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)  # type: ignore[attr-defined]
            return
        codes_changed = {c.id: (c.key, c.label_da, c.colour, c.parent_id) for c in codes} != {
            c.id: (c.key, c.label_da, c.colour, c.parent_id) for c in self.codes.values()
        }
        self._set_codes(codes)
        cursor, anchor = view.cursor, view.anchor
        from qualcode.tui.widgets.spans import SpanIndex

        view.spans = SpanIndex.build(doc.spans)
        if codes_changed:
            view.set_codes(self._looks())
        self._count_codes()
        if codes_changed:
            self._build_tree()
        else:
            for cid in self.codes:
                node = self.code_nodes.get(cid)
                if node is not None:
                    node.set_label(self._node_label(self.codes[cid]))
        view.anchor, view.cursor = anchor, cursor
        self._load_suggestions()
        view.invalidate()
        self._update_side()

    def on_screen_suspend(self) -> None:
        # Dialogs (picker, memo, confirm) change nothing behind the view's back: what they
        # do is applied incrementally. Another full screen might (codebook, quotes, ...).
        if not isinstance(self.app.screen, ModalScreen):
            self._suspended = True

    def on_screen_resume(self) -> None:
        """Back from a dialog or another screen: codings may have changed meanwhile."""
        if self._suspended:
            self._suspended = False
            self.reload()

    # ----- side panel and status --------------------------------------------------------

    def on_transcript_view_cursor_moved(self, event: TranscriptView.CursorMoved) -> None:
        self._update_side()

    def spans_at_cursor(self) -> list[Span]:
        view = self.view
        sel = view.selection
        if sel:
            spans = view.visible_spans(sel[0], sel[1])
        else:
            spans = view.visible_spans(view.cursor, view.cursor + 1)
        return sorted(spans, key=lambda s: (s.start, s.id))

    def suggestions_at_cursor(self) -> list[SuggestionMark]:
        cursor = self.view.cursor
        return [g for g in self.suggestion_marks if g.start <= cursor < g.end]

    def _update_side(self) -> None:
        view = self.view
        panel = Text()
        spans = self.spans_at_cursor()
        if not spans:
            panel.append("no codings here\n", style="dim")
        for span in spans[:8]:
            code = self.codes.get(span.code_id)
            colour = code.colour if code else "#888888"
            panel.append("■ ", style=colour)
            panel.append(code.key if code else "?", style="bold")
            panel.append(f" {code.label_da if code else ''}\n")
            panel.append(f"  {span.coder} · {span.start}–{span.end}\n", style="dim")
            if span.memo:
                panel.append(f"  memo: {span.memo}\n", style="italic")
        if len(spans) > 8:
            panel.append(f"… and {len(spans) - 8} more\n", style="dim")
        for g in self.suggestions_at_cursor()[:3]:
            code = self.codes.get(g.code_id)
            panel.append("suggested ", style="italic")
            panel.append(code.key if code else "?", style="bold")
            panel.append(f" ({g.score:.2f}) a accept · x reject\n", style="italic")
            if g.reason:
                panel.append(f"  {g.reason}\n", style="dim italic")
        self.query_one("#at-cursor", Static).update(panel)
        sel = view.selection
        parts = [self.title_text]
        line = view.line_of(view.cursor)
        parts.append(f"line {line + 1}/{view.line_count}")
        if sel:
            parts.append(f"selected {sel[0]}–{sel[1]} ({sel[1] - sel[0]} chars)")
        else:
            parts.append(f"at {view.cursor}")
        turn = view.turn_at(view.cursor)
        if turn:
            parts.append(turn.speaker)
        if view.code_filter is not None and view.code_filter in self.codes:
            parts.append(f"filter: {self.codes[view.code_filter].key}")
        if sel is None:
            parts.append("select: shift+arrows, s sentence, t turn · ⏎ code · ? help")
        self.query_one("#coding-status", Static).update(" · ".join(parts))

    # ----- coding actions --------------------------------------------------------------

    def action_apply(self) -> None:
        if self.focused is not None and self.focused.id == "code-tree":
            return  # the tree handles its own Enter
        sel = self.view.selection
        if sel is None:
            self.notify("select a span first (shift+arrows, s sentence, t turn)", timeout=3)
            return
        if not self.codes:
            self.notify("the project has no codebook yet", severity="warning")
            return
        preview = self.view.text[sel[0] : sel[1]].replace("\n", " ")
        hint = preview if len(preview) <= 70 else preview[:67] + "…"

        def chosen(code_ids: list[int] | None) -> None:
            if code_ids:
                self.apply_codes(code_ids, sel[0], sel[1])

        self.app.push_screen(
            CodePicker(pickable(list(self.codes.values())), hint=f"“{hint}”"), chosen
        )

    def apply_codes(self, code_ids: list[int], start: int, end: int) -> list[int]:
        """Apply codes to ``[start, end)`` as one action; paint them; returns coding ids."""
        app = self.app
        ids = app.guarded(  # type: ignore[attr-defined]
            coding_domain.apply_codes,
            app.project,
            self.document_id,
            code_ids,
            start,
            end,
            app.coder,  # type: ignore[attr-defined]
        )
        if not ids:
            return []
        app.note_own_write()  # type: ignore[attr-defined]
        view = self.view
        for coding_id, code_id in zip(ids, code_ids, strict=False):
            view.spans.add(Span(coding_id, code_id, start, end, app.coder))  # type: ignore[attr-defined]
        view.invalidate()
        self._refresh_counts(set(code_ids))
        self._update_side()
        keys = ", ".join(self.codes[c].key for c in code_ids if c in self.codes)
        self.notify(f"coded {keys}", timeout=2)
        return ids

    def _choose_span(self, title: str, then: Any) -> None:
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
        done = app.guarded(coding_domain.remove_coding, app.project, span.id, app.coder)  # type: ignore[attr-defined]
        if done is None:
            return
        app.note_own_write()  # type: ignore[attr-defined]
        self.view.spans.remove(span.id)
        self.view.invalidate()
        self._refresh_counts({span.code_id})
        self._update_side()
        self.notify(f"removed {done['code']} at {span.start}–{span.end}", timeout=3, markup=False)

    def action_memo(self) -> None:
        self._choose_span("Memo on which coding?", self.edit_coding_memo)

    def edit_coding_memo(self, span: Span) -> None:
        from qualcode.tui.widgets.dialogs import MemoEditor

        code = self.codes.get(span.code_id)

        def save(text: str | None) -> None:
            if text is None:
                return
            app = self.app
            try:
                coding_domain.set_coding_memo(app.project, span.id, text, app.coder)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001
                app.notify_error(exc)  # type: ignore[attr-defined]
                return
            app.note_own_write()  # type: ignore[attr-defined]
            span.memo = text
            self._update_side()
            self.notify("memo saved", timeout=2)

        self.app.push_screen(
            MemoEditor(
                f"Memo on coding {code.key if code else ''} {span.start}–{span.end}", span.memo
            ),
            save,
        )

    def action_document_memo(self) -> None:
        edit_memo(self.app, "document", self.document_id, f"Memo on {self.title_text}")

    def _jump_code(self) -> int | None:
        view = self.view
        if view.code_filter is not None:
            return view.code_filter
        spans = view.visible_spans(view.cursor, view.cursor + 1)
        if spans:
            return min(spans, key=lambda s: s.length).code_id
        return None

    def action_jump(self, direction: int) -> None:
        view = self.view
        code_id = self._jump_code()
        if direction > 0:
            span = view.spans.next_start(view.cursor, code_id)
        else:
            span = view.spans.previous_start(view.cursor, code_id)
        if span is None:
            what = self.codes[code_id].key if code_id in self.codes else "any code"
            self.notify(f"no {'next' if direction > 0 else 'previous'} coding of {what}", timeout=2)
            return
        view.move_to(span.start)
        view.scroll_to_offset_centered(span.start)

    def action_filter(self) -> None:
        view = self.view
        if view.code_filter is not None:
            self.set_filter(None)
            return

        def chosen(ids: list[int] | None) -> None:
            if ids:
                self.set_filter(ids[0])

        self.app.push_screen(
            CodePicker(pickable(list(self.codes.values())), title="Show only", multiple=False),
            chosen,
        )

    def set_filter(self, code_id: int | None) -> None:
        view = self.view
        view.code_filter = code_id
        view.invalidate()
        self._update_side()
        if code_id is not None and code_id in self.codes:
            self.notify(f"showing only {self.codes[code_id].key} (f shows all)", timeout=3)

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
            self.set_filter(None if self.view.code_filter == code_id else code_id)

    def action_clear_or_back(self) -> None:
        if self.view.clear_selection():
            return
        if self.view.code_filter is not None:
            self.set_filter(None)
            return
        self.app.action_back()  # type: ignore[attr-defined]

    # ----- quotes and suggestions (wired lazily: the modules may not exist yet) -----------

    def action_quote(self) -> None:
        sel = self.view.selection
        if sel is None:
            self.notify("select the passage to quote first", timeout=3)
            return
        try:
            quotes = importlib.import_module("qualcode.quotes")
            add_quote = quotes.add_quote
        except (ImportError, AttributeError):
            self.notify("quotes are not available in this build", severity="warning")
            return
        app = self.app
        result = app.guarded(
            add_quote, app.project, self.document_id, sel[0], sel[1], code=None, who=app.coder
        )  # type: ignore[attr-defined]
        if result is not None:
            app.note_own_write()  # type: ignore[attr-defined]
            self.notify("quote added (see the quotes board)", timeout=3)

    def _suggest_module(self) -> Any:
        try:
            module = importlib.import_module("qualcode.suggest")
        except ImportError:
            return None
        return module if hasattr(module, "open_suggestions") else None

    def _load_suggestions(self) -> None:
        module = self._suggest_module()
        if module is None:
            return
        try:
            rows = module.open_suggestions(self.app.project, self.document_id)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            self.app.notify_error(exc)  # type: ignore[attr-defined]
            return
        by_key = {c.key: cid for cid, c in self.codes.items()}
        marks = []
        for row in rows:
            code_id = by_key.get(row.get("code_key", ""))
            if code_id is None:
                continue
            marks.append(
                SuggestionMark(
                    int(row["id"]),
                    code_id,
                    int(row["start"]),
                    int(row["end"]),
                    float(row.get("score", 0.0)),
                    str(row.get("reason", "")),
                )
            )
        self.suggestion_marks = marks
        self.view.set_suggestions(marks)

    def _decide_suggestion(self, accept: bool) -> None:
        module = self._suggest_module()
        if module is None:
            self.notify("suggestions are not available in this build", severity="warning")
            return
        here = self.suggestions_at_cursor()
        if not here:
            self.notify("no suggestion at the cursor", timeout=2)
            return
        fn = module.accept_suggestion if accept else module.reject_suggestion
        app = self.app
        try:
            fn(app.project, here[0].id, app.coder)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            app.notify_error(exc)  # type: ignore[attr-defined]
            return
        app.note_own_write()  # type: ignore[attr-defined]
        self.reload()
        self.notify("suggestion accepted" if accept else "suggestion rejected", timeout=2)

    def action_accept_suggestion(self) -> None:
        self._decide_suggestion(True)

    def action_reject_suggestion(self) -> None:
        self._decide_suggestion(False)

    # ----- palette -----------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        """Commands that only make sense here: one "code: apply …" per code, and friends."""
        commands = []
        sel = self.view.selection
        for code in self.codes.values():
            if sel is not None:
                commands.append(
                    SystemCommand(
                        f"code: apply {code.key} {code.label_da}",
                        f"Code {sel[0]}–{sel[1]} with {code.key}",
                        lambda cid=code.id, a=sel[0], b=sel[1]: self.apply_codes([cid], a, b),
                        discover=False,
                    )
                )
            commands.append(
                SystemCommand(
                    f"code: filter to {code.key} {code.label_da}",
                    "Show only this code's codings",
                    lambda cid=code.id: self.set_filter(cid),
                    discover=False,
                )
            )
        commands += [
            SystemCommand(
                "code: apply…", "Open the code picker for the selection", self.action_apply
            ),
            SystemCommand("code: remove coding at cursor", "Remove a coding", self.action_remove),
            SystemCommand("memo: coding at cursor", "Write a memo on a coding", self.action_memo),
            SystemCommand(
                "memo: document", "Write a memo on this document", self.action_document_memo
            ),
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
            SystemCommand(
                "quote: make quote from selection",
                "Add the selection as a quote candidate",
                self.action_quote,
            ),
            SystemCommand(
                "suggestion: accept at cursor",
                "Accept the suggested coding",
                self.action_accept_suggestion,
            ),
            SystemCommand(
                "suggestion: reject at cursor",
                "Reject the suggested coding",
                self.action_reject_suggestion,
            ),
        ]
        return commands
