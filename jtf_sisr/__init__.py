"""jtf_sisr: filled by its own issue."""
