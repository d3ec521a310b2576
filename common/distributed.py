"""torchrun / DistributedDataParallel set-up shared by the training scripts.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK in the environment (PyTorch 2 has no --local_rank
flag); the backend is gloo on the CPU and nccl on CUDA unless one is named. Without a process group
every helper behaves as the single process (rank 0 of 1).
"""
import os

import torch
import torch.distributed as dist

from common.cli import UsageError

__all__ = ["init_dist", "get_dist_info", "barrier", "broadcast_object", "cleanup"]


def init_dist(launcher, backend=None, prog="train.py"):
    """Start the process group for ``--launcher pytorch``; returns (rank, world_size, local_rank)."""
    if launcher == "none":
        return 0, 1, 0
    if launcher != "pytorch":
        raise UsageError(f"--launcher must be 'none' or 'pytorch', got {launcher!r}")
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise UsageError(f"--launcher pytorch needs torchrun (RANK/WORLD_SIZE are not set); "
                         f"run: torchrun --nproc_per_node=N {prog} ... --launcher pytorch")
    local = int(os.environ.get("LOCAL_RANK", 0))
    backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    if backend == "nccl":
        torch.cuda.set_device(local)
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), local


def _active():
    return dist.is_available() and dist.is_initialized()


def get_dist_info():
    """(rank, world_size); (0, 1) without a process group."""
    return (dist.get_rank(), dist.get_world_size()) if _active() else (0, 1)


def barrier():
    if _active():
        dist.barrier()


def broadcast_object(obj, src=0):
    """``obj`` from rank ``src`` on every rank."""
    if not _active():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def cleanup():
    if _active():
        dist.destroy_process_group()
