"""The coding workbench: a Textual TUI over a qualcode project.

``qualcode.tui.app.make_app(project, coder=None)`` is the one entry point (CLI, demo,
tests). Screens live in ``qualcode.tui.screens`` (``app.SCREENS`` gives each its key),
``qualcode.tui.base`` types their ``self.app``, widgets grouped by area in
``qualcode.tui.widgets``, layout and theme
in ``app.tcss``. Nothing outside this package imports Textual.
"""
