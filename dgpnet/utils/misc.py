"""The 'dgpnet' logger of the entry scripts (console through tqdm, and a file)."""
import logging
import sys

__all__ = ["get_logger"]


class _TqdmHandler(logging.StreamHandler):
    def emit(self, record):
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stdout)
        except Exception:  # noqa: BLE001  (logging must never raise)
            self.handleError(record)


def get_logger(log_file=None, rank=0):
    """The 'dgpnet' logger: console (through tqdm) and ``log_file`` on rank 0, silent elsewhere."""
    logger = logging.getLogger("dgpnet")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    logger.propagate = False
    logger.setLevel(logging.INFO if rank == 0 else logging.ERROR)
    fmt = logging.Formatter("%(asctime)s %(levelname)s: %(message)s")
    if rank == 0:
        h = _TqdmHandler()
        h.setFormatter(fmt)
        logger.addHandler(h)
        if log_file:
            fh = logging.FileHandler(log_file, mode="a")
            fh.setFormatter(fmt)
            logger.addHandler(fh)
    return logger
