"""Screens of the TUI.

Feature screens (quotes, search, synthesis, agreement review) register themselves here as
``(module path, class name, key, title)``; the app shell adds a binding with an id, a
command-palette entry "go: <title>" and pushes the screen with no constructor arguments.
Add only your own line.
"""

from __future__ import annotations

FEATURE_SCREENS: list[tuple[str, str, str, str]] = [
    ("qualcode.tui.screens.search", "SearchScreen", "slash", "Search"),
    ("qualcode.tui.screens.review", "ReviewScreen", "R", "Agreement review"),
    ("qualcode.tui.screens.quotes", "QuotesScreen", "Q", "Quotes"),
    ("qualcode.tui.screens.synthesis", "SynthesisScreen", "S", "Synthesis"),
    ("qualcode.tui.screens.audit", "AuditScreen", "L", "Audit log"),
]
