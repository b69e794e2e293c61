"""qualcode tui/screens."""
