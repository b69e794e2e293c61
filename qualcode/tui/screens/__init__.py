"""Screens of the TUI, one module each; ``qualcode.tui.app.SCREENS`` gives each a key."""
