"""The transcript: a document's text with its coded spans, rendered line by line.

A Line-API ``ScrollView``: the text is soft-wrapped once per width into a list of line
offsets, and ``render_line`` paints only the lines on screen, asking a ``SpanIndex`` which
codings touch each one. Nothing walks the whole document per keystroke, so a
1,000,000-character interview with thousands of codings opens and codes as fast as a short
one.

Painting: a coded span gets its code's colour as background; where codings overlap the
innermost one's colour is shown, underlined and bold, and the gutter on the left shows one
bar per code on the line. Open suggestions are underlined in their code's colour. The
selection is shown reversed; the cursor is one reversed cell.
"""

from __future__ import annotations

import bisect
import time

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.passages import TurnMark
from qualcode.tui.widgets.spans import (
    CodeLook,
    Span,
    SpanIndex,
    SuggestionMark,
    display_text,
    has_wide_characters,
    heading_ranges,
    readable_on,
    sentence_bounds,
    word_end,
    word_start,
    wrap_lines,
)

GUTTER = 4


HEADING_STYLE = Style(bold=True, underline=True)


def _hidden(key: str, action: str, description: str, id: str, tooltip: str = "") -> Binding:
    """A key that works in the text but is not shown in the footer (the help lists it)."""
    return Binding(key, action, description, show=False, id=id, tooltip=tooltip)


class TranscriptView(ScrollView, can_focus=True):
    """The document text with coded spans; keyboard cursor and selection."""

    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;
    }
    """

    BINDINGS = [
        _hidden("left", "move(-1)", "left", "transcript.left"),
        _hidden("right", "move(1)", "right", "transcript.right"),
        _hidden("up", "move_line(-1)", "up", "transcript.up"),
        _hidden("down", "move_line(1)", "down", "transcript.down"),
        _hidden("shift+left", "move(-1, True)", "extend left", "transcript.extend_left"),
        _hidden("shift+right", "move(1, True)", "extend right", "transcript.extend_right"),
        _hidden("shift+up", "move_line(-1, True)", "extend up", "transcript.extend_up"),
        _hidden("shift+down", "move_line(1, True)", "extend down", "transcript.extend_down"),
        _hidden("ctrl+left", "word(-1)", "word left", "transcript.word_left"),
        _hidden("ctrl+right", "word(1)", "word right", "transcript.word_right"),
        _hidden(
            "ctrl+shift+left", "word(-1, True)", "extend word left", "transcript.extend_word_left"
        ),
        _hidden(
            "ctrl+shift+right", "word(1, True)", "extend word right", "transcript.extend_word_right"
        ),
        _hidden("w", "word(1, True)", "+word", "transcript.extend_word"),
        _hidden("b", "word(-1, True)", "-word", "transcript.shrink_word"),
        _hidden(
            "s",
            "select_sentence",
            "sentence",
            "transcript.sentence",
            "Select the sentence at the cursor; again extends by a sentence",
        ),
        _hidden(
            "t",
            "select_turn",
            "turn",
            "transcript.turn",
            "Select the speaker turn at the cursor; again extends by a turn",
        ),
        _hidden("home", "line_edge(-1)", "line start", "transcript.home"),
        _hidden("end", "line_edge(1)", "line end", "transcript.end"),
        _hidden(
            "shift+home", "line_edge(-1, True)", "extend to line start", "transcript.extend_home"
        ),
        _hidden("shift+end", "line_edge(1, True)", "extend to line end", "transcript.extend_end"),
        _hidden("pageup", "page(-1)", "page up", "transcript.page_up"),
        _hidden("pagedown", "page(1)", "page down", "transcript.page_down"),
        _hidden("ctrl+home", "document_edge(-1)", "top", "transcript.top"),
        _hidden("ctrl+end", "document_edge(1)", "bottom", "transcript.bottom"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        """The cursor or selection changed (the coding screen updates its side panel)."""

        def __init__(
            self, view: TranscriptView, offset: int, selection: tuple[int, int] | None
        ) -> None:
            super().__init__()
            self.view = view
            self.offset = offset
            self.selection = selection

        @property
        def control(self) -> TranscriptView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""
        self._display = ""
        self.spans = SpanIndex()
        self.codes: dict[int, CodeLook] = {}
        self.turns: list[TurnMark] = []
        self._turn_starts: list[int] = []
        self.suggestions: list[SuggestionMark] = []
        self._suggestion_starts: list[int] = []
        self.sel_anchor: int | None = None
        self.code_filter: frozenset[int] | None = None  # a code and the codes under it
        self.headings: list[tuple[int, int, int]] = []
        self._line_starts: list[int] = [0]
        self._line_ends: list[int] = [0]
        self._wrap_width = 0
        self._line_cache: dict[int, Strip] = {}
        self._wide = False
        self._styles: dict[tuple[int, bool, bool], Style] = {}
        self.lines_rendered = 0
        self._pending_center: int | None = None
        # When the transcript last painted a row, and which (the benchmark's "first paint").
        self.last_painted_row = -1
        self.last_paint_time = 0.0

    # ----- loading -------------------------------------------------------------------

    def load(
        self,
        text: str,
        spans: list[Span],
        codes: dict[int, CodeLook],
        turns: list[TurnMark],
    ) -> None:
        """Show a document: its text, codings, code colours and speaker turns."""
        self.text = text
        self.headings = heading_ranges(text)
        self._display = display_text(text, self.headings)
        self._wide = has_wide_characters(self._display)
        self.codes = codes
        self.spans = SpanIndex.build(spans)
        self.turns = sorted(turns, key=lambda t: t.start)
        self._turn_starts = [t.start for t in self.turns]
        self.sel_anchor = None
        self._wrap_width = 0
        self._rewrap()
        self.cursor = min(self.cursor, len(text))

    def set_suggestions(self, suggestions: list[SuggestionMark]) -> None:
        self.suggestions = sorted(suggestions, key=lambda s: s.start)
        self._suggestion_starts = [s.start for s in self.suggestions]
        self.invalidate()

    def set_codes(self, codes: dict[int, CodeLook]) -> None:
        self.codes = codes
        self._styles.clear()
        self.invalidate()

    def invalidate(self) -> None:
        """Drop cached lines and repaint what is visible (after codings changed)."""
        self._line_cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        """The theme or CSS changed (e.g. a light theme): cached lines carry the old colours."""
        super().notify_style_update()
        self._line_cache.clear()

    # ----- geometry ------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        return max(self.scrollable_content_region.width - GUTTER, 8)

    def _rewrap(self) -> None:
        if not self.size.width:
            return  # not laid out yet: wrap once, on the first resize
        width = self.text_width
        if width == self._wrap_width:
            return
        self._wrap_width = width
        self._line_starts, self._line_ends = wrap_lines(self._display, width)
        self._line_cache.clear()
        self.virtual_size = Size(width + GUTTER, len(self._line_starts))
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor, self.selection))

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()
        if self._pending_center is not None and self._wrap_width:
            offset, self._pending_center = self._pending_center, None
            self.scroll_to_offset_centered(offset)
        self.scroll_to_cursor()

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line_of(self, offset: int) -> int:
        """The visual line that holds ``offset``."""
        return max(bisect.bisect_right(self._line_starts, offset) - 1, 0)

    def offset_at(self, x: int, y: int) -> int:
        """The text offset under a screen cell of this widget."""
        line = min(max(y + int(self.scroll_offset.y), 0), self.line_count - 1)
        start, end = self._line_starts[line], self._line_ends[line]
        return min(start + max(x - GUTTER, 0), end)

    # ----- selection -----------------------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected ``(start, end)``, or None when nothing is selected."""
        if self.sel_anchor is None or self.sel_anchor == self.cursor:
            return None
        return (min(self.sel_anchor, self.cursor), max(self.sel_anchor, self.cursor))

    def select_span(self, start: int, end: int) -> None:
        """Select ``[start, end)`` and put the cursor at its end."""
        n = len(self.text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        old = self._painted_range()
        self.sel_anchor = start
        self._set_cursor(end, old)

    def clear_selection(self) -> bool:
        """Drop the selection; True when there was one."""
        if self.sel_anchor is None:
            return False
        old = self._painted_range()
        self.sel_anchor = None
        self._set_cursor(self.cursor, old)
        return True

    def move_to(self, offset: int, extend: bool = False) -> None:
        old = self._painted_range()
        if extend:
            if self.sel_anchor is None:
                self.sel_anchor = self.cursor
        else:
            self.sel_anchor = None
        self._set_cursor(max(0, min(offset, len(self.text))), old)

    def _painted_range(self) -> tuple[int, int]:
        sel = self.selection
        if sel is None:
            return (self.cursor, self.cursor + 1)
        return sel

    def _set_cursor(self, offset: int, old: tuple[int, int]) -> None:
        self.cursor = offset
        new = self._painted_range()
        self._refresh_offsets(*old)
        self._refresh_offsets(*new)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, self.cursor, self.selection))

    def _refresh_offsets(self, start: int, end: int) -> None:
        top = int(self.scroll_offset.y)
        first = max(self.line_of(start), top)
        last = min(self.line_of(max(end - 1, start)), top + self.size.height)
        if last >= first:
            self.refresh_lines(first, last - first + 1)

    def scroll_to_cursor(self) -> None:
        line = self.line_of(self.cursor)
        top = int(self.scroll_offset.y)
        height = max(self.scrollable_content_region.height, 1)
        if line < top:
            self.scroll_to(y=line, animate=False, immediate=True)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)

    def scroll_to_offset_centered(self, offset: int, tries: int = 5) -> None:
        """Scroll so ``offset`` is a third down the view (once laid out, if not yet).

        Right after the first layout Textual may refuse the scroll (the scrollbar is not
        shown yet), so it is tried again after the next refreshes until it holds."""
        if not self._wrap_width:
            self._pending_center = offset
            return
        height = max(self.scrollable_content_region.height, 1)
        y = max(self.line_of(offset) - height // 3, 0)
        self.scroll_to(y=y, animate=False, immediate=True)
        if int(self.scroll_offset.y) != min(y, int(self.max_scroll_y)) and tries > 0:
            self.call_after_refresh(self.scroll_to_offset_centered, offset, tries - 1)

    # ----- actions -------------------------------------------------------------------

    def action_move(self, delta: int, extend: bool = False) -> None:
        if not extend and self.selection is not None:
            sel = self.selection
            self.move_to(sel[0] if delta < 0 else sel[1])
            return
        self.move_to(self.cursor + delta, extend)

    def action_move_line(self, delta: int, extend: bool = False) -> None:
        line = self.line_of(self.cursor)
        column = self.cursor - self._line_starts[line]
        target = min(max(line + delta, 0), self.line_count - 1)
        if target == line:
            offset = 0 if delta < 0 else len(self.text)
        else:
            offset = min(self._line_starts[target] + column, self._line_ends[target])
        self.move_to(offset, extend)

    def action_word(self, delta: int, extend: bool = False) -> None:
        if delta > 0:
            self.move_to(word_end(self.text, self.cursor), extend)
        else:
            self.move_to(word_start(self.text, self.cursor), extend)

    def action_line_edge(self, side: int, extend: bool = False) -> None:
        line = self.line_of(self.cursor)
        offset = self._line_starts[line] if side < 0 else self._line_ends[line]
        self.move_to(offset, extend)

    def action_page(self, delta: int) -> None:
        self.action_move_line(delta * max(self.scrollable_content_region.height - 1, 1))

    def action_document_edge(self, side: int) -> None:
        self.move_to(0 if side < 0 else len(self.text))

    def turn_at(self, offset: int) -> TurnMark | None:
        i = bisect.bisect_right(self._turn_starts, offset) - 1
        if i >= 0 and self.turns[i].start <= offset < max(
            self.turns[i].end, self.turns[i].start + 1
        ):
            return self.turns[i]
        return None

    def _turn_body(self, turn: TurnMark) -> tuple[int, int]:
        start = turn.label_end
        while start < turn.end and self.text[start].isspace():
            start += 1
        return start, turn.end

    def action_select_turn(self) -> None:
        """Select the turn at the cursor (without the speaker label); again adds the next turn."""
        sel = self.selection
        if sel is not None:
            nxt = self.turn_at(sel[1] + 1) or self._next_turn(sel[1])
            if nxt is not None:
                self.select_span(sel[0], nxt.end)
            return
        self.cursor = self._skip_space(self.cursor)
        turn = self.turn_at(self.cursor) or self._next_turn(self.cursor)
        if turn is None:
            lo, hi = self._paragraph(self.cursor)
            self.select_span(lo, hi)
            return
        self.select_span(*self._turn_body(turn))

    def _next_turn(self, offset: int) -> TurnMark | None:
        i = bisect.bisect_right(self._turn_starts, offset)
        return self.turns[i] if i < len(self.turns) else None

    def _paragraph(self, offset: int) -> tuple[int, int]:
        lo = self.text.rfind("\n", 0, offset) + 1
        hi = self.text.find("\n", offset)
        return lo, len(self.text) if hi == -1 else hi

    def _skip_space(self, offset: int) -> int:
        n = len(self.text)
        while offset < n and self.text[offset].isspace():
            offset += 1
        return min(offset, max(n - 1, 0))

    def action_select_sentence(self) -> None:
        """Select the sentence at the cursor; again extends to the end of the next one."""
        if self.selection is None:
            self.cursor = self._skip_space(self.cursor)
        turn = self.turn_at(self.cursor)
        lo, hi = self._turn_body(turn) if turn else self._paragraph(self.cursor)
        sel = self.selection
        if sel is not None:
            pos = sel[1]
            while pos < len(self.text) and self.text[pos].isspace():
                pos += 1
            turn = self.turn_at(pos)
            lo2, hi2 = self._turn_body(turn) if turn else self._paragraph(pos)
            _, end = sentence_bounds(self.text, min(pos + 1, len(self.text)), lo2, hi2)
            self.select_span(sel[0], max(end, sel[1]))
            return
        start, end = sentence_bounds(self.text, self.cursor, lo, hi)
        if turn is not None and start < lo:
            start = lo
        self.select_span(start, end)

    # ----- mouse ---------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.focus()
        offset = self.offset_at(event.x, event.y)
        self.move_to(offset, extend=event.shift)
        if not event.shift:
            self.sel_anchor = offset
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.app.mouse_captured is self and event.button:
            self.move_to(self.offset_at(event.x, event.y), extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self.app.mouse_captured is self:
            self.release_mouse()

    # ----- painting ------------------------------------------------------------------

    def _code_style(self, code_id: int, overlap: bool, speaker: bool) -> Style:
        key = (code_id, overlap, speaker)
        style = self._styles.get(key)
        if style is None:
            colour = self.codes.get(code_id, CodeLook("?", "#888888")).colour
            style = Style(
                bgcolor=colour,
                color=readable_on(colour),
                bold=overlap or speaker,
                underline=overlap,
            )
            self._styles[key] = style
        return style

    def visible_spans(self, start: int, end: int) -> list[Span]:
        spans = self.spans.overlapping(start, end)
        if self.code_filter is not None:
            spans = [s for s in spans if s.code_id in self.code_filter]
        return spans

    def _heading_in(self, start: int, end: int) -> tuple[int, int, int] | None:
        """The markdown heading (its ``#`` start, text start, end) on a line, if any."""
        if not self.headings:
            return None
        i = bisect.bisect_right(self.headings, (end, -1, -1)) - 1
        if i >= 0 and self.headings[i][2] > start:
            return self.headings[i]
        return None

    def _suggestions_in(self, start: int, end: int) -> list[SuggestionMark]:
        if not self.suggestions:
            return []
        hi = bisect.bisect_left(self._suggestion_starts, end)
        return [s for s in self.suggestions[:hi] if s.end > start]

    def render_line(self, y: int) -> Strip:
        if self._wrap_width:  # a paint of the laid-out text, not of the empty widget
            self.last_painted_row = y
            self.last_paint_time = time.perf_counter()
        line = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self.rich_style
        if line >= self.line_count or not self.text:
            return Strip.blank(width, base)
        start, end = self._line_starts[line], self._line_ends[line]
        painted = self._painted_range()
        touches_cursor = (
            painted[0] <= end
            and painted[1] > start
            or (
                self.cursor == end
                and (line + 1 >= self.line_count or self._line_starts[line + 1] > end)
            )
        )
        if not touches_cursor:
            cached = self._line_cache.get(line)
            if cached is not None and cached.cell_length == width:
                return cached
        strip = self._build_line(line, start, end, width, base, touches_cursor)
        if not touches_cursor:
            if len(self._line_cache) > 4000:
                self._line_cache.clear()
            self._line_cache[line] = strip
        return strip

    def _build_line(
        self, line: int, start: int, end: int, width: int, base: Style, with_cursor: bool
    ) -> Strip:
        self.lines_rendered += 1
        spans = self.visible_spans(start, end)
        suggestions = self._suggestions_in(start, end)
        turn = self.turn_at(start)
        label_end = turn.label_end if turn and turn.start < end else start
        cuts = {start, end}
        for x in [*spans, *suggestions]:
            cuts.add(min(max(x.start, start), end))
            cuts.add(min(max(x.end, start), end))
        if turn and start < label_end < end:
            cuts.add(label_end)
        heading = self._heading_in(start, end)
        if heading is not None:
            cuts.update(min(max(x, start), end) for x in heading[1:])
        sel = self.selection if with_cursor else None
        if with_cursor:
            if sel:
                cuts.add(min(max(sel[0], start), end))
                cuts.add(min(max(sel[1], start), end))
            elif start <= self.cursor < end:
                cuts.add(self.cursor)
                cuts.add(self.cursor + 1)
        points = sorted(cuts)
        text = self._display
        segments = self._gutter(line, start, end, spans, base)
        speaker_style = Style(bold=True)
        interviewer_style = Style(bold=True, italic=True, dim=True)
        for a, b in zip(points, points[1:], strict=False):
            if a >= b:
                continue
            covering = [s for s in spans if s.start <= a and s.end >= b]
            in_label = turn is not None and turn.start <= a and b <= label_end
            if covering:
                inner = min(covering, key=lambda s: (s.length, -s.id))
                style = base + self._code_style(inner.code_id, len(covering) > 1, in_label)
            elif in_label:
                style = base + (interviewer_style if turn and turn.interviewer else speaker_style)
            else:
                style = base
            if heading is not None and heading[1] <= a and b <= heading[2]:
                style = style + HEADING_STYLE
            style = self._suggestion_style(style, suggestions, a, b, bool(covering))
            if with_cursor and (
                (sel and sel[0] <= a and b <= sel[1]) or (not sel and a == self.cursor)
            ):
                style = style + Style(reverse=True)
            segments.append(Segment(text[a:b], style))
        used = GUTTER + (end - start)
        if with_cursor and not sel and self.cursor == end:
            segments.append(Segment(" ", base + Style(reverse=True)))
            used += 1
        # One cell per character unless the text has wide characters; then let Strip measure.
        strip = Strip(segments) if self._wide else Strip(segments, used)
        return strip.adjust_cell_length(width, base)

    def _suggestion_style(
        self, style: Style, suggestions: list[SuggestionMark], a: int, b: int, coded: bool
    ) -> Style:
        """Underline a piece an open suggestion covers (in the code's colour on plain text)."""
        for g in suggestions:
            if g.start <= a and g.end >= b:
                if coded:
                    return style + Style(underline=True, italic=True)
                colour = self.codes.get(g.code_id, CodeLook("?", "#888888")).colour
                return style + Style(underline=True, italic=True, color=colour)
        return style

    def _gutter(
        self, line: int, start: int, end: int, spans: list[Span], base: Style
    ) -> list[Segment]:
        """One bar per code on the line (up to three, then "+"), so overlaps show at a glance."""
        colours: list[str] = []
        for s in sorted(spans, key=lambda s: (s.start, s.id)):
            colour = self.codes.get(s.code_id, CodeLook("?", "#888888")).colour
            if colour not in colours:
                colours.append(colour)
        if not colours:
            return [Segment(" " * GUTTER, base)]
        segments = [Segment("▌", base + Style(color=c)) for c in colours[:3]]
        segments.append(Segment("+" if len(colours) > 3 else " ", base))
        segments.append(Segment(" " * (GUTTER - len(segments)), base))
        return segments
