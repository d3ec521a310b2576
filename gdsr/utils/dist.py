"""torchrun / DDP helpers of the gdsr package: common.distributed's."""
from common.distributed import barrier, broadcast_object, cleanup, get_dist_info
from common.distributed import init_dist as _init_dist

__all__ = ["init_dist", "get_dist_info", "barrier", "broadcast_object", "cleanup"]


def init_dist(launcher):
    """Start the process group for ``--launcher pytorch`` (gloo on CPU, nccl on CUDA)."""
    _init_dist(launcher, prog="gdsr/train.py")
