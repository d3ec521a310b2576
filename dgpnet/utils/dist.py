"""torchrun / DDP helpers of the dgpnet package: common.distributed's."""
from common.distributed import barrier, cleanup, get_dist_info
from common.distributed import init_dist as _init_dist

__all__ = ["init_dist", "get_dist_info", "barrier", "cleanup"]


def init_dist(launcher, backend=None):
    """Start the process group for ``--launcher pytorch``; returns (rank, world_size)."""
    return _init_dist(launcher, backend, prog="dgpnet/train.py")[:2]
