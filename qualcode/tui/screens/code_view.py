"""The code view: every passage of a code (an area: with its attention points) across all
documents — NVivo's "open node". Each row says the document, the speaker, the code and
whether it has a memo; the pane below shows the whole passage and its memo.

Enter jumps into the document with the passage selected (escape comes back here); ``r``
recodes, ``delete`` uncodes, ``m`` writes the memo — all undoable with ctrl+z.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from qualcode import coding as coding_domain
from qualcode.codebook import all_codes, descendants
from qualcode.coding import CodingRow, code_passages
from qualcode.models import Code
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.widgets.code_picker import CodePicker, NewCode, pickable
from qualcode.tui.widgets.dialogs import MemoEditor
from qualcode.tui.widgets.format import clip, plural
from qualcode.visibility import visible_coder_filter


class CodeViewScreen(QualcodeScreen[None]):
    """The passages of one code across documents."""

    BINDINGS = [
        Binding(
            "enter", "open", "open", id="codeview.open", tooltip="Open the document at the passage"
        ),
        Binding(
            "r", "recode", "recode", id="codeview.recode", tooltip="Give the passage another code"
        ),
        Binding(
            "delete,backspace",
            "uncode",
            "uncode",
            id="codeview.uncode",
            tooltip="Remove this coding",
        ),
        Binding("m", "memo", "memo", id="codeview.memo", tooltip="Memo on this coding"),
        Binding("escape", "back", "back", id="codeview.back"),
    ]

    def __init__(self, code_id: int) -> None:
        super().__init__()
        self.code_id = code_id
        self.code: Code | None = None
        self.codes: dict[int, Code] = {}
        self.passages: list[CodingRow] = []
        self.below: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(id="codeview-title", markup=False)
        yield DataTable(id="codeview-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="codeview-detail-scroll"):
            yield Static(id="codeview-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("document", key="document")
        table.add_column("speaker", key="speaker")
        table.add_column("code", key="code")
        table.add_column("passage", key="passage")
        table.add_column("memo", key="memo")
        self.reload()
        table.focus()

    def on_resize(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from the document (where the passage may have been recoded or uncoded)."""
        self.reload()

    def reload(self) -> None:
        if not self.is_mounted or not self.query_one(DataTable).columns:
            return
        project = self.app.project
        try:
            with project.session() as s:
                codes = all_codes(s)
                visible = visible_coder_filter(project, self.app.coder)
                self.passages = code_passages(s, self.code_id, visible=visible)
            self.codes = {c.id: c for c in codes if c.id is not None}
            self.below = descendants(codes).get(self.code_id, set())
        except Exception as exc:  # noqa: BLE001 - e.g. the code was merged away meanwhile
            self.app.notify_error(exc)
            return
        self.code = self.codes.get(self.code_id)
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        width = max(self.size.width, 80)
        passage_width = max(width - 60, 20) if width < 120 else width - 80
        colours = {c.key: c.colour for c in self.codes.values()}
        for p in self.passages:
            table.add_row(
                clip(p["document"], 24 if width < 120 else 36),
                clip(_speaker(p), 16 if width < 120 else 24),
                Text(clip(p["code"], 12), style=colours.get(p["code"], "")),
                clip(" ".join(p["text"].split()), passage_width),
                "✎" if p["memo"] else "",
                key=str(p["id"]),
            )
        if self.passages:
            table.move_cursor(row=min(keep, len(self.passages) - 1))
        self._update_title()
        self._update_detail()

    def _update_title(self) -> None:
        code = self.code
        if code is None:
            self.query_one("#codeview-title", Static).update("this code no longer exists")
            return
        docs = len({p["document_id"] for p in self.passages})
        below = len(self.below)
        text = Text()
        text.append("■ ", style=code.colour)
        text.append(f"{code.key} {code.label_da}", style="bold")
        text.append(f" · {plural(len(self.passages), 'passage')} in {plural(docs, 'document')}")
        if below:
            text.append(f" · with {plural(below, 'code')} under it", style="dim")
        self.query_one("#codeview-title", Static).update(text)

    def current(self) -> CodingRow | None:
        table = self.query_one(DataTable)
        if not self.passages or table.cursor_row >= len(self.passages):
            return None
        return self.passages[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        p = self.current()
        detail = Text()
        if p is None:
            detail.append("no passages: code some in the coding view (o, Enter on a document)")
        else:
            where = f"{p['document']} · {p['start']}–{p['end']} · {_speaker(p)}"
            detail.append(where, style="bold")
            detail.append(f" · {p['code']} · coded by {p['coder'] or '?'}\n", style="dim")
            detail.append(p["text"].strip() + "\n")
            if p["memo"]:
                detail.append(f"memo: {p['memo']}", style="italic")
        self.query_one("#codeview-detail", Static).update(detail)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        p = self.current()
        if p is not None:
            self.app.open_document(p["document_id"], p["start"], p["end"])

    def _changed(self, message: str) -> None:
        self.app.note_own_write()
        self.reload()
        self.notify(message, timeout=3, markup=False)

    def action_uncode(self) -> None:
        p = self.current()
        if p is None:
            return
        app = self.app
        done = app.guarded(coding_domain.remove_coding, app.project, p["id"], app.coder)
        if done is not None:
            where = f"{p['document']} {p['start']}–{p['end']}"
            self._changed(f"removed {p['code']} from {where} (ctrl+z undoes)")

    def action_recode(self) -> None:
        p = self.current()
        if p is None:
            return

        def chosen(ids: list[int] | NewCode | None) -> None:
            if not isinstance(ids, list) or not ids:
                return
            app = self.app
            done = app.guarded(coding_domain.recode_coding, app.project, p["id"], ids[0], app.coder)
            if done is not None:
                self._changed(f"recoded {p['code']} → {done['code']} (ctrl+z undoes)")

        self.app.push_screen(
            CodePicker(
                pickable(list(self.codes.values())), title=f"Recode {p['code']} as", multiple=False
            ),
            chosen,
        )

    def action_memo(self) -> None:
        p = self.current()
        if p is None:
            return

        def save(text: str | None) -> None:
            if text is None:
                return
            try:
                coding_domain.set_coding_memo(self.app.project, p["id"], text, self.app.coder)
            except Exception as exc:  # noqa: BLE001 - shown as a notification
                self.app.notify_error(exc)
                return
            self._changed("memo saved")

        title = f"Memo on {p['code']} in {p['document']}"
        self.app.push_screen(MemoEditor(title, p["memo"]), save)

    def action_back(self) -> None:
        self.app.go_back()


def _speaker(row: CodingRow) -> str:
    """Who speaks in the passage, as consent allows ("—" for none)."""
    return row["attribution"] or row["speaker"] or "—"
