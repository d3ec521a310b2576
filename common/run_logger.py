"""The text log of a training or test run: console and a file on rank 0, errors only on other ranks.

Lines are ``<date> <time> <LEVEL>: <message>`` (BasicSR). Console lines go through ``tqdm.write`` so that
they do not break a progress bar. A log file that cannot be written (full disk) raises the OSError, so
the run ends with ``common.cli``'s one line instead of logging's own traceback on stderr.
"""
import logging
import sys

__all__ = ["get_logger", "close_logger"]

_FORMAT = logging.Formatter("%(asctime)s %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S")


class _Console(logging.StreamHandler):
    def emit(self, record):
        from tqdm import tqdm

        tqdm.write(self.format(record), file=sys.stdout)


class _File(logging.FileHandler):
    def handleError(self, record):
        raise    # the OSError being handled (e.g. ENOSPC) ends the run with one line


def close_logger(name):
    logger = logging.getLogger(name)
    for h in list(logger.handlers):
        logger.removeHandler(h)
        try:
            h.close()
        except OSError:     # a file on a full disk: its error was raised (and reported) when it was written
            pass


def get_logger(name, log_file=None, rank=0):
    """Logger ``name``: INFO to stdout and ``log_file`` (appended) on rank 0, ERROR only elsewhere."""
    close_logger(name)
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO if rank == 0 else logging.ERROR)
    console = _Console()
    console.setFormatter(_FORMAT)
    logger.addHandler(console)
    if log_file and rank == 0:
        fh = _File(log_file, mode="a")
        fh.setFormatter(_FORMAT)
        logger.addHandler(fh)
    return logger
