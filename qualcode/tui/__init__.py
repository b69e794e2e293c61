"""qualcode tui."""
