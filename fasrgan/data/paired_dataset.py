"""Paired LR/HR image folders (the authors' ``LRHR`` mode, from folders instead of lmdb).

* HR is mod-cropped to a multiple of the scale (top-left);
* without ``dataroot_LR`` the LR is the MATLAB-exact bicubic of the HR (``common.degradations.bi``);
* gray images are repeated to 3 channels (RGBA loses its alpha in ``common.io.imread``);
* training: aligned random LR/HR crop, h-flip, v-flip and transpose, each with p = 0.5.

Every file is read once when the dataset is built, so a corrupt file or an image smaller than the
patch is reported up front (one line naming the file), not inside a loader worker. The decoded
pairs are kept in memory up to ``CACHE_BYTES``; beyond that they are re-read on each access.
"""
import os
import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from common.degradations import bi, modcrop
from common.io import imread, pair_images, scan_images
from fasrgan.data.sampler import EpochSampler

CACHE_BYTES = 4 << 30


def _rgb(img):
    return np.repeat(img[:, :, None], 3, axis=2) if img.ndim == 2 else img


def img2tensor(img):
    """uint8 HxWx3 RGB -> float CHW in [0,1]."""
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().div_(255.0)


def tensor2img(t):
    """float (1x)CHW in [0,1] -> uint8 HxWx3: clamped, rounded half up as ``api.upscale`` (test.py) and common/."""
    t = t.detach().squeeze(0).float().clamp_(0, 1).cpu()
    return np.floor(t.numpy().transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)


class PatchTooLarge(ValueError):
    """A training image smaller than the patch."""


class PairedDataset(Dataset):
    """Training (random patches) or validation/test (whole images) pairs."""

    def __init__(self, opt, scale, phase="train", key=None):
        self.scale, self.phase = scale, phase
        self.train = phase == "train"
        self.name = opt.get("name") or phase
        self.patch = int(opt.get("HR_size") or 0)
        self.use_flip, self.use_rot = opt.get("use_flip", False), opt.get("use_rot", False)
        hr_dir, lr_dir = opt["dataroot_HR"], opt.get("dataroot_LR")
        key = f"datasets.{key or phase}"
        hr_dirs = [hr_dir] if isinstance(hr_dir, str) else hr_dir
        if not hr_dirs or not all(isinstance(d, str) and d for d in hr_dirs) or (lr_dir and len(hr_dirs) != 1):
            raise ValueError(f"{key}.dataroot_HR must be a folder (or, without dataroot_LR, a list of folders), "
                             f"got {hr_dir!r}")
        for k, d in [("dataroot_HR", d) for d in hr_dirs] + [("dataroot_LR", lr_dir)]:
            if d and not os.path.isdir(d):
                raise FileNotFoundError(f"{key}.{k}: {d}: no such folder (put the images there or fix the option)")
        if self.train and (self.patch <= 0 or self.patch % scale):
            raise ValueError(f"{key}.HR_size must be a positive multiple of the scale {scale}, got {self.patch}")
        if lr_dir:
            self.pairs = pair_images(lr_dir, hr_dir, scale=scale, filename_tmpl=opt.get("filename_tmpl") or "{}")
        else:
            self.pairs = []
            for d in hr_dirs:
                hr = scan_images(d)
                if not hr:
                    raise ValueError(f"{d}: no images found")
                self.pairs += [(None, p) for p in hr]
        # read once: validates every file and keeps decoding out of the training loop
        self._cache, used, kept, small = [], 0, [], []
        for lr, hr in self.pairs:
            try:
                pair = self._load(lr, hr)
            except PatchTooLarge as exc:
                if lr is not None:
                    raise ValueError(str(exc)) from None
                small.append(str(exc))
                continue
            kept.append((lr, hr))
            used += pair[0].nbytes + pair[1].nbytes
            self._cache.append(pair if used <= CACHE_BYTES else None)
        if small and not kept:
            raise ValueError(small[0])
        for text in small:     # an HR-only set such as T91 has a few images smaller than the patch (EDSR skips them)
            print(f"left out of training: {text}")
        self.pairs = kept

    def pair(self, idx):
        """(LR, HR) uint8 arrays of item ``idx``."""
        return self._cache[idx] or self._load(*self.pairs[idx])

    @property
    def images(self):
        return [self.pair(i) for i in range(len(self))]

    def _load(self, lr_path, hr_path):
        hr = modcrop(_rgb(imread(hr_path)), self.scale)
        lr = _rgb(imread(lr_path)) if lr_path else bi(hr, self.scale)
        if lr_path and lr.shape[:2] == hr.shape[:2] and self.scale != 1:
            raise ValueError(f"{lr_path}: LR has the HR size; expected HR / {self.scale}")
        lh, lw = hr.shape[0] // self.scale, hr.shape[1] // self.scale
        lr = lr[:lh, :lw]
        if min(lh, lw) < 1:
            raise ValueError(f"{hr_path}: {hr.shape[1]}x{hr.shape[0]} is smaller than the scale {self.scale}")
        if self.train and (hr.shape[0] < self.patch or hr.shape[1] < self.patch):
            raise PatchTooLarge(f"{hr_path}: {hr.shape[1]}x{hr.shape[0]} is smaller than HR_size {self.patch}")
        return lr, hr

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, idx):
        lr, hr = self.pair(idx)
        path = self.pairs[idx][1]
        if self.train:
            s, lp = self.scale, self.patch // self.scale
            y, x = random.randint(0, lr.shape[0] - lp), random.randint(0, lr.shape[1] - lp)
            lr = lr[y:y + lp, x:x + lp]
            hr = hr[y * s:(y + lp) * s, x * s:(x + lp) * s]
            if self.use_flip and random.random() < 0.5:
                lr, hr = lr[:, ::-1], hr[:, ::-1]
            if self.use_flip and random.random() < 0.5:
                lr, hr = lr[::-1], hr[::-1]
            if self.use_rot and random.random() < 0.5:
                lr, hr = lr.transpose(1, 0, 2), hr.transpose(1, 0, 2)
        return {"LR": img2tensor(lr), "HR": img2tensor(hr), "HR_path": path}


def _seed_worker(worker_id):
    seed = torch.initial_seed() % 2 ** 32
    np.random.seed(seed)
    random.seed(seed)


def build_dataloader(dataset, opt, rank=0, world=1, seed=0, train=True):
    """Training: :class:`EpochSampler` batches (shuffled, sharded over ``world`` processes, drop_last);
    otherwise batch 1 in order."""
    if not train:
        return DataLoader(dataset, batch_size=1, shuffle=False, num_workers=0)
    bs = opt["batch_size"]
    if len(dataset) // world < bs:
        raise ValueError(f"datasets.train: {len(dataset)} images cannot fill a batch of {bs} "
                         f"on {world} process(es); lower batch_size or add images")
    sampler = EpochSampler(len(dataset), bs, world, rank, seed, opt["use_shuffle"])
    g = torch.Generator()
    g.manual_seed(seed + rank)
    return DataLoader(dataset, batch_size=bs, sampler=sampler, num_workers=opt["n_workers"], drop_last=True,
                      worker_init_fn=_seed_worker, generator=g, persistent_workers=False)
