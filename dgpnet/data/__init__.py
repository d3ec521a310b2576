"""Datasets and the loader/sampler builder."""
import torch
from torch.utils import data

from dgpnet.data.paired_image_dataset import (BicubicImageDataset, PairedImageDataset, RealDegradationDataset,
                                              SingleImageDataset)

DATASETS = {"PairedImageDataset": PairedImageDataset, "BicubicImageDataset": BicubicImageDataset,
            "RealDegradationDataset": RealDegradationDataset, "SingleImageDataset": SingleImageDataset}

__all__ = ["DATASETS", "build_dataset", "build_dataloader"]


def build_dataset(opt):
    kind = opt.get("type", "PairedImageDataset")
    if kind not in DATASETS:
        raise ValueError(f"unknown dataset type {kind!r} (choose from {', '.join(DATASETS)})")
    backend = (opt.get("io_backend") or {}).get("type", "disk")
    if backend != "disk":
        raise ValueError(f"io_backend {backend!r} is not supported (only 'disk')")
    ds = DATASETS[kind](opt)
    if opt.get("phase") == "train":
        size = opt["gt_size"]
        if size % opt["scale"]:
            raise ValueError(f"gt_size {size} is not a multiple of the scale {opt['scale']}")
        p = size // opt["scale"]
        small = [i for i, (h, w) in enumerate(ds.lq_sizes) if min(h, w) < p]
        if small and isinstance(ds, BicubicImageDataset) and len(small) < ds.n:
            # an HR-only set such as T91 has a few images smaller than the patch: leave them out (EDSR does)
            for i in small:
                h, w = ds.lq_sizes[i]
                print(f"left out of training: {ds.names[i]} (LR {w}x{h} is smaller than the {p}x{p} patch)")
            keep = [i for i in range(ds.n) if i not in small]
            ds.names = ds.out_names = [ds.names[i] for i in keep]
            ds.lq_sizes, ds.n = [ds.lq_sizes[i] for i in keep], len(keep)
        for name, (h, w) in zip(ds.names, ds.lq_sizes):   # reject too-small images now, not mid-training
            if min(h, w) < p:
                raise ValueError(f"{name}: LR {w}x{h} is smaller than the {p}x{p} training patch (gt_size {size})")
        if ds.cache is not None:   # decode once in the parent; loader workers share it copy-on-write
            for i in range(ds.n):
                ds._load(i)
    return ds


class EpochSampler(data.Sampler):
    """Shuffled indices drawn from ``seed + epoch`` and sharded over processes; ``start`` skips the
    first batches of the epoch, so a resumed run sees exactly the batches it would have seen."""

    def __init__(self, n, batch_size, world_size=1, rank=0, seed=0):
        self.n, self.batch, self.world, self.rank, self.seed = n, batch_size, world_size, rank, seed
        self.epoch, self.start = 0, 0

    def set_epoch(self, epoch, start=0):
        self.epoch, self.start = epoch, start

    def _indices(self):
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        perm = torch.randperm(self.n, generator=g).tolist()
        total = -(-self.n // self.world) * self.world
        perm = (perm * (total // max(len(perm), 1) + 1))[:total]   # pad by wrapping, like DistributedSampler
        return perm[self.rank::self.world]

    def __iter__(self):
        return iter(self._indices()[self.start * self.batch:])

    def __len__(self):
        return max(len(self._indices()) - self.start * self.batch, 0)


def build_dataloader(ds, opt, world_size=1, rank=0, seed=0):
    """Shuffled, sharded loader for training; sequential batch-1 loader otherwise. The loaders
    have their own generators, so iterating them leaves the global RNG (restored on resume) alone."""
    gen = torch.Generator().manual_seed(seed)
    if opt.get("phase") != "train":
        return data.DataLoader(ds, batch_size=1, shuffle=False, num_workers=0, generator=gen)
    batch = opt["batch_size_per_gpu"]
    sampler = EpochSampler(len(ds), batch, world_size, rank, seed)
    per_rank = -(-len(ds) // world_size)
    return data.DataLoader(ds, batch_size=batch, sampler=sampler, generator=gen, num_workers=opt["num_worker_per_gpu"],
                           drop_last=per_rank >= batch, pin_memory=False)
