"""The coding view's state and panes: the text, the codebook tree with counts, the codings
at the cursor, the status line. The keys and what they do are in ``screens/coding.py``.

Filtering is hierarchical: filtering by an area shows (and ``n``/``p`` walk) the area's own
codings and those of every attention point under it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Static
from textual.widgets.tree import TreeNode

from qualcode.codebook import all_codes, descendants
from qualcode.models import Code
from qualcode.passages import DocumentView, load_document_view
from qualcode.suggest import open_suggestions
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.code_tree import CodeTree, fill_code_tree
from qualcode.tui.widgets.format import clip, plural
from qualcode.tui.widgets.spans import CodeLook, Span, SpanIndex, SuggestionMark
from qualcode.tui.widgets.transcript import TranscriptView

# Below this width the status line drops the "how to select" hint.
WIDE_STATUS = 110


class CodingScreenBase(QualcodeScreen[None]):
    """One document: what it shows and how it reloads."""

    def __init__(self, document_id: int, start: int | None = None, end: int | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self._initial = (start, end)
        self.title_text = ""
        self.codes: dict[int, Code] = {}
        self.below: dict[int, set[int]] = {}  # each code's descendants
        self.code_nodes: dict[int, TreeNode[int]] = {}
        self.counts: dict[int, int] = {}
        self.suggestion_marks: list[SuggestionMark] = []
        self.filter_code: int | None = None
        self._suspended = False

    # ----- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="coding-main"):
            yield TranscriptView(id="transcript")
            with Vertical(id="coding-side"):
                tree = CodeTree("codebook", id="code-tree")
                tree.auto_expand = False  # Enter applies or filters; it does not fold
                yield tree
                yield Static(id="at-cursor", markup=False)
        yield Static(id="coding-status", markup=False)
        yield Footer(compact=True)

    def _read_document_and_codes(self) -> tuple[DocumentView, list[Code]] | None:
        """The document as this coder sees it and the codebook; None (after a notification)
        when they cannot be read."""
        project = self.app.project
        try:
            doc = load_document_view(project, self.document_id, self.app.coder)
            with project.session() as s:
                return doc, all_codes(s)
        except Exception as exc:  # noqa: BLE001 - shown to the researcher
            self.app.notify_error(exc)
            return None

    def on_mount(self) -> None:
        view = self.view
        read = self._read_document_and_codes()
        if read is None:  # the screen closes
            self.app.call_later(self.app.pop_screen)
            return
        doc, codes = read
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
            view.select_span(start, end)
        else:
            view.move_to(start)
        view.scroll_to_offset_centered(start)

    # ----- data ----------------------------------------------------------------------

    def _set_codes(self, codes: list[Code]) -> None:
        self.codes = {c.id: c for c in codes if c.id is not None}
        self.below = descendants(codes)

    def subtree(self, code_id: int) -> frozenset[int]:
        """A code and every code under it (an area and its attention points)."""
        return frozenset({code_id} | self.below.get(code_id, set()))

    def _looks(self) -> dict[int, CodeLook]:
        return {cid: CodeLook(c.key, c.colour) for cid, c in self.codes.items()}

    def _count_codes(self) -> None:
        counts: dict[int, int] = {}
        for span in self.view.spans.spans.values():
            counts[span.code_id] = counts.get(span.code_id, 0) + 1
        self.counts = counts

    def total(self, code_id: int) -> int:
        """Codings of a code and the codes under it in this document."""
        return sum(self.counts.get(c, 0) for c in self.subtree(code_id))

    def _node_label(self, code: Code) -> Text:
        """Colour, key, codings in this document with those below it (when any), label."""
        text = Text()
        text.append("■ ", style=code.colour)
        text.append(code.key, style="bold")
        n = self.total(code.id) if code.id is not None else 0
        if n:
            text.append(f" {n}", style="bold reverse")
        text.append(f" {code.label_da}")
        return text

    def _build_tree(self) -> None:
        self.code_nodes = fill_code_tree(
            self.query_one("#code-tree", CodeTree), self.codes.values(), self._node_label
        )

    def _refresh_counts(self, code_ids: set[int]) -> None:
        """Recount, and relabel the changed codes and their ancestors."""
        self._count_codes()
        touched: set[int] = set()
        for cid in code_ids:
            seen: set[int] = set()
            current: int | None = cid
            while current is not None and current in self.codes and current not in seen:
                seen.add(current)
                current = self.codes[current].parent_id
            touched |= seen
        for cid in touched:
            node = self.code_nodes.get(cid)
            if node is not None:
                node.set_label(self._node_label(self.codes[cid]))

    def reload(self) -> None:
        """Reread codings and codes (after undo/redo or a codebook edit elsewhere)."""
        if not self.is_mounted:
            return
        view = self.view
        read = self._read_document_and_codes()
        if read is None:  # the view stays as it was
            return
        doc, codes = read
        before = {c.id: (c.key, c.label_da, c.colour, c.parent_id) for c in self.codes.values()}
        after = {c.id: (c.key, c.label_da, c.colour, c.parent_id) for c in codes}
        self._set_codes(codes)
        self.title_text = doc.title
        cursor, anchor = view.cursor, view.sel_anchor
        view.spans = SpanIndex.build(doc.spans)
        if before != after:
            view.set_codes(self._looks())
            if self.filter_code is not None and self.filter_code not in self.codes:
                self.filter_code = None
            view.code_filter = self.subtree(self.filter_code) if self.filter_code else None
        self._count_codes()
        if before != after:
            self._build_tree()
        else:
            for cid, node in self.code_nodes.items():
                node.set_label(self._node_label(self.codes[cid]))
        view.sel_anchor, view.cursor = anchor, cursor
        self._load_suggestions()
        view.invalidate()
        self._update_side()

    def _load_suggestions(self) -> None:
        try:
            rows = open_suggestions(self.app.project, self.document_id, viewer=self.app.coder)
        except Exception as exc:  # noqa: BLE001 - suggestions are optional; say why they are gone
            self.app.notify_error(exc)
            return
        by_key = {c.key: cid for cid, c in self.codes.items()}
        marks = []
        for row in rows:
            code_id = by_key.get(str(row.get("code_key", "")))
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

    def _panel(self) -> Text:
        panel = Text()
        spans = self.spans_at_cursor()
        if not spans:
            panel.append("no codings here\n", style="dim")
        for span in spans[:8]:
            code = self.codes.get(span.code_id)
            panel.append("■ ", style=code.colour if code else "#888888")
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
        if self.suggestion_marks:
            panel.append(plural(len(self.suggestion_marks), "open suggestion"), style="dim")
            panel.append(" here · ] next\n", style="dim")
        return panel

    def _update_side(self) -> None:
        view = self.view
        self.query_one("#at-cursor", Static).update(self._panel())
        sel = view.selection
        width = self.size.width or 80
        parts = [clip(self.title_text, 28 if width < WIDE_STATUS else 60)]
        parts.append(f"line {view.line_of(view.cursor) + 1}/{view.line_count}")
        if sel:
            parts.append(f"{sel[0]}–{sel[1]} ({plural(sel[1] - sel[0], 'char')})")
        else:
            parts.append(f"at {view.cursor}")
        if self.filter_code is not None and self.filter_code in self.codes:
            parts.append(f"filter: {self.codes[self.filter_code].key}")
        turn = view.turn_at(view.cursor)
        if turn:
            parts.append(clip(turn.speaker, 20))
        if sel is None and width >= WIDE_STATUS:
            parts.append("select: shift+arrows, s sentence, t turn · ⏎ code · F1 help")
        self.query_one("#coding-status", Static).update(" · ".join(parts))
