"""The authors' ``LRHR`` dataset mode: HR folder plus either an LR folder or LR made from HR.

Images are read with ``common.io.imread``; a gray image is replicated to three channels for the
network (its metrics are computed on the gray HR as it is), RGBA drops alpha, 16-bit is scaled.
"""
import os

import numpy as np
import torch

from common.degradations import modcrop
from common.io import imread, pair_images, scan_images
from gdsr.data.lr_cache import bicubic_lr
from gdsr.data.transforms import augment, paired_random_crop
from gdsr.utils.misc import img2tensor


def _rgb(img):
    return np.repeat(img[:, :, None], 3, axis=2) if img.ndim == 2 else img


def _check_folder(folder, key):
    if not folder or not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: no such folder ({key})")


class _LRHRBase(torch.utils.data.Dataset):
    keep_in_memory = False

    def __init__(self, opt, scale, where):
        self.scale = scale
        self.cache = opt["cache_LR"]
        self.memory = {}                 # LR made from HR, per process, when there is no disk cache
        if opt["dataroot_HR"] is None:   # LR only (test without ground truth)
            _check_folder(opt["dataroot_LR"], f"{where}.dataroot_LR")
            self.pairs = [(p, None) for p in scan_images(opt["dataroot_LR"])]
            if not self.pairs:
                raise ValueError(f"{opt['dataroot_LR']}: no images found ({where}.dataroot_LR)")
            return
        roots = opt["dataroot_HR"] if isinstance(opt["dataroot_HR"], list) else [opt["dataroot_HR"]]
        if not roots or not all(isinstance(r, str) and r for r in roots) or (opt["dataroot_LR"] and len(roots) != 1):
            raise ValueError(f"{where}.dataroot_HR must be a folder (or, without dataroot_LR, a list of folders), "
                             f"got {opt['dataroot_HR']!r}")
        for root in roots:
            _check_folder(root, f"{where}.dataroot_HR")
        if opt["dataroot_LR"]:
            _check_folder(opt["dataroot_LR"], f"{where}.dataroot_LR")
            self.pairs = pair_images(opt["dataroot_LR"], roots[0], scale, opt["filename_tmpl"])
        else:
            self.pairs = []
            for root in roots:
                found = [(None, p) for p in scan_images(root)]
                if not found:
                    raise ValueError(f"{root}: no images found ({where}.dataroot_HR)")
                self.pairs += found
        if not self.pairs:
            raise ValueError(f"{opt['dataroot_HR']}: no images found ({where}.dataroot_HR)")

    def __len__(self):
        return len(self.pairs)

    def load(self, i):
        """(lr, hr) uint8 arrays of pair ``i``; the HR is mod-cropped, LR and HR sizes checked.
        Without ground truth ``hr`` is None."""
        lr_path, hr_path = self.pairs[i]
        if hr_path is None:
            return imread(lr_path), None
        hr = imread(hr_path)
        if min(hr.shape[:2]) < self.scale:
            raise ValueError(f"{hr_path}: {hr.shape[1]}x{hr.shape[0]} is smaller than the scale {self.scale}")
        hr = modcrop(hr, self.scale)
        if lr_path is not None:
            lr = imread(lr_path)
        elif self.cache is None and self.keep_in_memory:
            lr = self.memory.get(i)
            if lr is None:
                lr = self.memory[i] = bicubic_lr(hr_path, hr, self.scale)
        else:
            lr = bicubic_lr(hr_path, hr, self.scale, self.cache)
        h, w = hr.shape[0] // self.scale, hr.shape[1] // self.scale
        if lr.shape[:2] != (h, w):
            raise ValueError(f"{lr_path}: LR is {lr.shape[1]}x{lr.shape[0]}, expected {w}x{h} for "
                             f"{os.path.basename(hr_path)} at x{self.scale}")
        return lr, hr


class TrainDataset(_LRHRBase):
    """Random LR patch (HR_size / scale) with its HR patch, augmented. Items are indexed by
    ``(index, seed)`` from :class:`IterationSampler`, so crops do not depend on worker RNG."""

    def __init__(self, opt, scale):
        super().__init__(opt, scale, "datasets.train")
        self.lr_size = opt["HR_size"] // scale
        self.hflip, self.rot = opt["use_flip"], opt["use_rot"]
        if not opt["dataroot_LR"]:
            self._leave_out_small(opt["HR_size"])

    def _leave_out_small(self, hr_size):
        """An HR-only set such as T91 has a few images smaller than the patch: leave them out (EDSR does),
        with a note, rather than fail in the middle of training; none left is an error naming the first."""
        small = []
        for pair in self.pairs:
            h, w = imread(pair[1]).shape[:2]
            if min(h, w) // self.scale < self.lr_size:
                small.append((pair, f"{pair[1]}: {w}x{h} is smaller than HR_size {hr_size}"))
        if small and len(small) == len(self.pairs):
            raise ValueError(small[0][1])
        for pair, text in small:
            print(f"left out of training: {text}")
            self.pairs.remove(pair)

    def __getitem__(self, item):
        i, seed = item if isinstance(item, tuple) else (item, item)
        lr, hr = self.load(i)
        rng = np.random.default_rng(seed)
        lr, hr = paired_random_crop(_rgb(lr), _rgb(hr), self.lr_size, self.scale, rng, self.pairs[i])
        lr, hr = augment([lr, hr], rng, self.hflip, self.rot)
        return {"LR": img2tensor(lr), "HR": img2tensor(hr)}


class EvalDataset(_LRHRBase):
    """Whole images for validation and testing; ``hr`` is kept as uint8 (gray stays gray)."""

    keep_in_memory = True

    def __init__(self, opt, scale, where="datasets.val"):
        super().__init__(opt, scale, where)
        self.name = opt["name"]

    def __getitem__(self, i):
        lr, hr = self.load(i)
        path = self.pairs[i][1] or self.pairs[i][0]
        name = os.path.splitext(os.path.basename(path))[0]
        return {"LR": img2tensor(lr).unsqueeze(0), "HR_img": hr, "name": name, "path": path}
