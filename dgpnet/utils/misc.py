"""The 'dgpnet' logger of the entry scripts (common.run_logger)."""
from common import run_logger

__all__ = ["get_logger"]


def get_logger(log_file=None, rank=0):
    """The 'dgpnet' logger: console and ``log_file`` on rank 0, errors only elsewhere."""
    return run_logger.get_logger("dgpnet", log_file, rank)
