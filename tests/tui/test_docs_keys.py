"""docs/tui.md describes the app key for key: every key the table names (in backticks) is a
binding of that screen (or of the whole app)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_view import CodeViewScreen
from qualcode.tui.screens.codebook import CodebookScreen
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.screens.quotes import QuotesScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.settings import SettingsScreen
from qualcode.tui.screens.synthesis import SynthesisScreen
from qualcode.tui.widgets.file_picker import FilePicker
from qualcode.tui.widgets.transcript import TranscriptView

DOC = Path(__file__).resolve().parents[2] / "docs" / "tui.md"

# What each "where" of the table is, as binding holders.
WHERE: dict[str, list[type]] = {
    "everywhere": [QualcodeApp],
    "documents": [DocumentsScreen],
    "file picker": [FilePicker],
    "coding view": [CodingScreen, TranscriptView],
    "codebook": [CodebookScreen],
    "code view": [CodeViewScreen],
    "quotes": [QuotesScreen],
    "search": [SearchScreen],
    "synthesis": [SynthesisScreen],
    "settings": [SettingsScreen],
}
NAMES = {
    "/": "slash",
    ",": "comma",
    "?": "question_mark",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "<": "less_than_sign",
    ">": "greater_than_sign",
}
PALETTE = {"ctrl+p"}  # the command palette's own key, set on the app class


def keys_of(holders: list[type]) -> set[str]:
    keys: set[str] = set()
    for holder in holders:
        for cls in holder.__mro__:
            for b in getattr(cls, "BINDINGS", []) or []:
                if isinstance(b, Binding):
                    keys.update(k.strip() for k in b.key.split(","))
    return keys


def documented() -> list[tuple[str, str]]:
    """(where, key) for every key in backticks in the key column of the table."""
    out = []
    where = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("where", "---") or not line.startswith("|"):
            continue
        where = cells[0] or where
        for key in re.findall(r"`([^`]+)`", cells[1]):
            out.append((where, NAMES.get(key, key)))
    return out


def test_the_table_names_keys_of_every_screen() -> None:
    rows = documented()
    assert {w for w, _ in rows} == set(WHERE) - {"dashboard"}
    assert len(rows) > 60


def test_every_documented_key_is_a_binding_of_its_screen() -> None:
    missing = [
        (where, key)
        for where, key in documented()
        if key not in keys_of(WHERE[where]) | keys_of([QualcodeApp]) | PALETTE
    ]
    assert missing == []


def test_the_main_keys_of_each_screen_are_documented() -> None:
    """The other way round, for the keys a researcher uses daily."""
    named = {(w, k) for w, k in documented()}
    for where, key in [
        ("coding view", "v"),
        ("coding view", "right_square_bracket"),
        ("coding view", "A"),
        ("documents", "s"),
        ("documents", "E"),
        ("everywhere", "f1"),
        ("everywhere", "comma"),
    ]:
        assert (where, key) in named
