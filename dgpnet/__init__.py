"""dgpnet: filled by its own issue."""
