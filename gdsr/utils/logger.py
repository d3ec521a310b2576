"""Logging: one file per run under experiments/<name>/log (rank 0 only), BasicSR-style lines."""
import logging
import sys

from gdsr.utils.dist import get_dist_info

_LOGGER = "gdsr"


def get_logger(log_file=None):
    """The package logger; rank 0 logs INFO to stdout and ``log_file``, other ranks only errors."""
    logger = logging.getLogger(_LOGGER)
    logger.propagate = False
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    rank, _ = get_dist_info()
    fmt = logging.Formatter("%(asctime)s %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    stream = logging.StreamHandler(sys.stdout)
    stream.setFormatter(fmt)
    logger.addHandler(stream)
    logger.setLevel(logging.INFO if rank == 0 else logging.ERROR)
    if log_file and rank == 0:
        fh = logging.FileHandler(log_file, mode="a")
        fh.setFormatter(fmt)
        logger.addHandler(fh)
    return logger


def close_logger():
    logger = logging.getLogger(_LOGGER)
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()


def format_losses(epoch, current_iter, lrs, log):
    """``<epoch:  1, iter:     200, lr:(1.000e-04,1.000e-04,)> l_g_pix: 1.2e-01 ...`` (old BasicSR)."""
    head = f"<epoch:{epoch:3d}, iter:{current_iter:8,d}, lr:(" + "".join(f"{lr:.3e}," for lr in lrs) + ")>"
    return head + " " + " ".join(f"{k}: {v:.4e}" for k, v in log.items())
