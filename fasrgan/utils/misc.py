"""Distributed set-up and the device."""
import torch

from common.cli import UsageError
from common.distributed import init_dist as _init_dist


def init_dist(launcher):
    """(rank, world, local_rank) for ``--launcher none|pytorch`` (``common.distributed``)."""
    return _init_dist(launcher, prog="fasrgan/train.py")


def pick_device(gpu_ids, local_rank=0):
    """null -> CUDA when available, else CPU; a list -> CUDA, which must exist."""
    if gpu_ids is not None and len(gpu_ids) > 0 and not torch.cuda.is_available():
        raise UsageError("gpu_ids is set but CUDA is not available (set \"gpu_ids\": null to run on the CPU)")
    if torch.cuda.is_available() and (gpu_ids is None or len(gpu_ids) > 0):
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
