"""The training sampler: one seeded permutation per epoch, sharded over processes, resumable mid-epoch.

Epoch ``e`` is ``randperm(n)`` drawn from ``seed + 7919 * e``; process ``r`` of ``W`` takes every W-th
index from position ``r``, and only whole batches are used (drop_last). ``set_epoch(e, start)`` skips
the first ``start`` batches, so a run resumed after iteration k sees the batches it would have seen.
"""
import torch

__all__ = ["EpochSampler"]


class EpochSampler(torch.utils.data.Sampler):
    def __init__(self, n, batch_size, world=1, rank=0, seed=0, shuffle=True):
        self.n, self.batch, self.world, self.rank = n, batch_size, world, rank
        self.seed, self.shuffle = seed, shuffle
        self.epoch, self.start = 0, 0

    def batches_per_epoch(self):
        return (self.n // self.world) // self.batch

    def set_epoch(self, epoch, start=0):
        self.epoch, self.start = epoch, start

    def _indices(self):
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + 7919 * self.epoch)
            order = torch.randperm(self.n, generator=g).tolist()
        else:
            order = list(range(self.n))
        mine = order[self.rank::self.world][:self.batches_per_epoch() * self.batch]
        return mine[self.start * self.batch:]

    def __iter__(self):
        return iter(self._indices())

    def __len__(self):
        return (self.batches_per_epoch() - self.start) * self.batch
