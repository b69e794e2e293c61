"""The memo editor opened on a document, a code or the project (the current coder's memo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.memos import read_memo, write_memo
from qualcode.tui.widgets.dialogs import MemoEditor

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


def edit_memo(app: QualcodeApp, kind: str, target_id: int, title: str) -> None:
    """Open the memo editor on a target; saving writes (or, emptied, removes) the memo."""
    project, coder = app.project, app.coder
    current = app.guarded(read_memo, project, kind, target_id, coder)

    def save(text: str | None) -> None:
        if text is None:
            return
        app.guarded(write_memo, project, kind, target_id, text, coder)
        app.note_own_write()
        app.notify("memo saved" if text.strip() else "memo removed", timeout=3)

    app.push_screen(MemoEditor(title, current or ""), save)
