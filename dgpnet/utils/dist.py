"""torchrun / DDP helpers: LOCAL_RANK from the environment, gloo on CPU, nccl on GPU."""
import os

import torch
import torch.distributed as dist

__all__ = ["init_dist", "get_dist_info", "barrier", "cleanup"]


def init_dist(launcher, backend=None):
    """Start the process group for ``--launcher pytorch``; returns (rank, world_size)."""
    if launcher == "none":
        return 0, 1
    if launcher != "pytorch":
        raise ValueError(f"--launcher must be 'none' or 'pytorch', got {launcher!r}")
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise ValueError("--launcher pytorch needs torchrun (RANK/WORLD_SIZE are not set)")
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def get_dist_info():
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def barrier():
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def cleanup():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
