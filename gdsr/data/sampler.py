"""An iteration-indexed, resumable sampler and the training DataLoader.

The sample stream is a concatenation of permutations (one per epoch, seeded by ``seed + epoch``).
Iteration ``k`` on rank ``r`` takes stream positions ``[(k*W + r)*B, (k*W + r + 1)*B)``, and every
position carries its own crop/augmentation seed. So the data seen at an iteration depends only on
(seed, iteration, rank), and a resumed run continues with exactly the batches it would have seen.
"""
import torch

from gdsr.utils.dist import get_dist_info


class IterationSampler(torch.utils.data.Sampler):
    def __init__(self, n, batch_size, seed=0, start_iter=0, shuffle=True, rank=0, world_size=1):
        self.n, self.b, self.seed, self.shuffle = n, batch_size, seed, shuffle
        self.start_iter, self.rank, self.world = start_iter, rank, world_size
        self._perm_epoch, self._perm = None, None

    def epoch_of(self, current_iter):
        """Epoch (pass over the data) that iteration ``current_iter`` (1-based) falls in, from 1."""
        return (current_iter - 1) * self.b * self.world // self.n + 1

    def _index(self, pos):
        epoch, off = divmod(pos, self.n)
        if not self.shuffle:
            return off
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.seed + epoch)
            self._perm, self._perm_epoch = torch.randperm(self.n, generator=g).tolist(), epoch
        return self._perm[off]

    def __iter__(self):
        k = self.start_iter
        while True:
            base = (k * self.world + self.rank) * self.b
            for pos in range(base, base + self.b):
                # distinct per position; mixed so neighbouring seeds are unrelated
                yield self._index(pos), (self.seed * 1_000_003 + pos) % 2 ** 63
            k += 1

    def __len__(self):
        return 2 ** 62    # infinite in practice; DataLoader needs a length for its own bookkeeping


def build_train_loader(dataset, opt_train_ds, seed, start_iter):
    """DataLoader whose first batch is the one of iteration ``start_iter + 1``."""
    rank, world = get_dist_info()
    sampler = IterationSampler(len(dataset), opt_train_ds["batch_size"], seed, start_iter,
                               opt_train_ds["use_shuffle"], rank, world)
    workers = opt_train_ds["n_workers"]
    loader = torch.utils.data.DataLoader(dataset, batch_size=opt_train_ds["batch_size"], sampler=sampler,
                                         num_workers=workers, drop_last=True, pin_memory=torch.cuda.is_available(),
                                         persistent_workers=workers > 0)
    return loader, sampler
