"""qualcode tui/widgets."""
