"""Data preparation scripts."""
