"""fasrgan: filled by its own issue."""
