"""Options, logging, distributed helpers and plots for the entry scripts."""
