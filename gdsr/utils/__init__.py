"""Options, logging, distributed helpers and small utilities of the gdsr package."""
