"""qualcode templates."""
