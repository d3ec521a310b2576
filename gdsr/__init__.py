"""gdsr: filled by its own issue."""
