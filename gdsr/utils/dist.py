"""torchrun / DDP helpers: LOCAL_RANK from the environment (PyTorch >= 2 has no --local_rank)."""
import os

import torch
import torch.distributed as dist


def init_dist(launcher):
    """Initialise the process group for ``--launcher pytorch`` (gloo on CPU, nccl on CUDA)."""
    if launcher == "none":
        return
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise RuntimeError("--launcher pytorch needs torchrun (RANK/WORLD_SIZE are not set); "
                           "run: torchrun --nproc_per_node=N gdsr/train.py -opt ... --launcher pytorch")
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend=backend)


def get_dist_info():
    """(rank, world_size); (0, 1) without a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def barrier():
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def broadcast_object(obj, src=0):
    """``obj`` from rank ``src`` on every rank."""
    if not (dist.is_available() and dist.is_initialized()):
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def cleanup():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
