"""Distributed set-up and the device."""
import os

import torch

from common.cli import UsageError


def init_dist(launcher):
    """(rank, world, local_rank). 'pytorch' reads torchrun's environment (LOCAL_RANK etc.);
    gloo on CPU, nccl on GPU."""
    if launcher == "none":
        return 0, 1, 0
    import torch.distributed as dist

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise UsageError("--launcher pytorch: RANK/WORLD_SIZE are not set; start with torchrun --nproc_per_node=N")
    local = int(os.environ.get("LOCAL_RANK", 0))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local)
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), local


def pick_device(gpu_ids, local_rank=0):
    """null -> CUDA when available, else CPU; a list -> CUDA, which must exist."""
    if gpu_ids is not None and len(gpu_ids) > 0 and not torch.cuda.is_available():
        raise UsageError("gpu_ids is set but CUDA is not available (set \"gpu_ids\": null to run on the CPU)")
    if torch.cuda.is_available() and (gpu_ids is None or len(gpu_ids) > 0):
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
