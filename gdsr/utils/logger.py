"""Logging: one file per run under experiments/<name>/log (rank 0 only), BasicSR-style lines."""
from common import run_logger
from gdsr.utils.dist import get_dist_info

_LOGGER = "gdsr"


def get_logger(log_file=None):
    """The package logger (common.run_logger); rank 0 logs INFO to stdout and ``log_file``, other ranks errors."""
    return run_logger.get_logger(_LOGGER, log_file, get_dist_info()[0])


def close_logger():
    run_logger.close_logger(_LOGGER)


def format_losses(epoch, current_iter, lrs, log):
    """``<epoch:  1, iter:     200, lr:(1.000e-04,1.000e-04,)> l_g_pix: 1.2e-01 ...`` (old BasicSR)."""
    head = f"<epoch:{epoch:3d}, iter:{current_iter:8,d}, lr:(" + "".join(f"{lr:.3e}," for lr in lrs) + ")>"
    return head + " " + " ".join(f"{k}: {v:.4e}" for k, v in log.items())
