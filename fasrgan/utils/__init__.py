"""Options, logging, folders, distributed helpers."""
