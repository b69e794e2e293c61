"""Dialogs that fix an imported document: its properties and its text."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from qualcode.models import DOCUMENT_KINDS


@dataclass(frozen=True)
class DocumentProperties:
    title: str
    kind: str
    date: str  # YYYY-MM-DD or ""
    language: str


class PropertiesForm(ModalScreen["DocumentProperties | None"]):
    """Title, kind, date and language of a document; Enter on the last field saves."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="document.form.cancel")]
    DEFAULT_CSS = """
    PropertiesForm .field-label { color: $text-muted; padding-top: 1; }
    PropertiesForm Input { margin-left: 2; }
    """
    FIELDS = (
        ("title", "Title"),
        ("kind", "Kind: " + " | ".join(DOCUMENT_KINDS)),
        ("date", "Date (YYYY-MM-DD, empty: none)"),
        ("language", "Language: da | en"),
    )

    def __init__(self, current: DocumentProperties) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Document properties", classes="dialog-title")
            for name, placeholder in self.FIELDS:
                yield Label(placeholder, classes="field-label")
                yield Input(value=getattr(self.current, name), id=f"doc-{name}", compact=True)
            yield Static(
                "enter: next field, on the last saves · escape cancels", classes="dialog-help"
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index < len(inputs) - 1:
            inputs[index + 1].focus()
            return
        values = {
            name: self.query_one(f"#doc-{name}", Input).value.strip() for name, _ in self.FIELDS
        }
        self.dismiss(DocumentProperties(**values))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextEditor(ModalScreen["str | None"]):
    """The whole text of a document; ctrl+s saves (codings and quotes are re-anchored)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save", id="document.text.save"),
        Binding("escape", "cancel", "cancel", id="document.text.cancel"),
    ]
    DEFAULT_CSS = """
    TextEditor .text-dialog { width: 95%; max-width: 140; height: 90%; }
    TextEditor TextArea { height: 1fr; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.editor_title = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog text-dialog"):
            yield Label(self.editor_title, classes="dialog-title")
            yield TextArea(self.text, id="document-text", soft_wrap=True)
            yield Static(
                "ctrl+s saves: codings and quotes move with their words; any that cannot be "
                "placed are kept and listed · escape cancels",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
