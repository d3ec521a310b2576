"""darsr: filled by its own issue."""
