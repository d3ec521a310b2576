"""Folders, seeds, timestamps, distributed set-up."""
import datetime
import glob
import logging
import os
import random

import numpy as np
import torch


def timestamp():
    return datetime.datetime.now().strftime("%y%m%d-%H%M%S")


def mkdir_and_rename(path):
    """Create ``path``; an existing folder is renamed ``<path>_archived_<timestamp>`` first."""
    if os.path.exists(path):
        new = f"{path}_archived_{timestamp()}"
        n = 1
        while os.path.exists(new):
            new = f"{path}_archived_{timestamp()}_{n}"
            n += 1
        os.rename(path, new)
        logging.getLogger("fasrgan").info("Renamed existing %s to %s", path, new)
    os.makedirs(path)


def set_random_seed(seed):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def latest_state(states_dir):
    """Path of the largest ``<iter>.state`` in ``states_dir``, or None."""
    found = []
    for p in glob.glob(os.path.join(states_dir, "*.state")):
        stem = os.path.splitext(os.path.basename(p))[0]
        if stem.isdigit():
            found.append((int(stem), p))
    return max(found)[1] if found else None


def init_dist(launcher):
    """(rank, world, local_rank). 'pytorch' reads torchrun's environment (LOCAL_RANK etc.);
    gloo on CPU, nccl on GPU."""
    if launcher == "none":
        return 0, 1, 0
    import torch.distributed as dist

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise ValueError("--launcher pytorch: RANK/WORLD_SIZE are not set; start with torchrun --nproc_per_node=N")
    local = int(os.environ.get("LOCAL_RANK", 0))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local)
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), local


def pick_device(gpu_ids, local_rank=0):
    """null -> CUDA when available, else CPU; a list -> CUDA, which must exist."""
    if gpu_ids is not None and len(gpu_ids) > 0 and not torch.cuda.is_available():
        raise ValueError("gpu_ids is set but CUDA is not available (set \"gpu_ids\": null to run on the CPU)")
    if torch.cuda.is_available() and (gpu_ids is None or len(gpu_ids) > 0):
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
