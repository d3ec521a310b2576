"""Paired real-SR data (RealSR / DRealSR / BasicSR folders) and HR-only folders with bicubic LR."""
import os

import numpy as np
import torch
from torch.utils import data

from common.degradations import bi, modcrop
from common.imresize import imresize
from common.io import imread, scan_images
from dgpnet.data.pairing import check_sizes, find_pairs
from dgpnet.data.real_degradation import degrade_real, usm_sharpen
from dgpnet.data.transforms import augment, img2tensor, paired_random_crop, to_rgb

__all__ = ["PairedImageDataset", "BicubicImageDataset", "RealDegradationDataset", "SingleImageDataset"]


class _Base(data.Dataset):
    def __init__(self, opt):
        self.opt, self.scale = opt, opt["scale"]
        self.train = opt.get("phase") == "train"
        self.cache = {} if opt.get("cache") else None
        self.seed = 0

    def _load(self, i):
        if self.cache is not None and i in self.cache:
            return self.cache[i]
        lq, gt = self.load_pair(i)
        if self.cache is not None:
            self.cache[i] = (lq, gt)
        return lq, gt

    def __getitem__(self, i):
        i = i % self.n
        lq, gt = self._load(i)
        name = os.path.splitext(os.path.basename(self.out_names[i]))[0]
        if self.train:
            rng = np.random.default_rng([self.seed, int(torch.randint(0, 2 ** 31, (1,)).item()), i])
            lq, gt = paired_random_crop(lq, gt, self.opt["gt_size"], self.scale, rng, self.names[i])
            lq, gt = augment([lq, gt], self.opt["use_hflip"], self.opt["use_rot"], rng)
        item = {"lq": img2tensor(lq), "lq_path": self.names[i], "name": name}
        if gt is not None:
            item["gt"] = img2tensor(gt)
        return item

    def __len__(self):
        return self.n * (self.opt.get("dataset_enlarge_ratio", 1) if self.train else 1)


class PairedImageDataset(_Base):
    """LR/HR pairs (layouts in :mod:`dgpnet.data.pairing`).

    An LR stored at HR size (RealSR v3) is MATLAB-bicubic downscaled by ``scale`` after mod-crop
    (``lq_at_hr_size: 'auto'``), or rejected with ``'error'``. The HR is mod-cropped to match.
    """

    def __init__(self, opt):
        super().__init__(opt)
        self.pairs = find_pairs(opt)
        self.lq_sizes = check_sizes(self.pairs, self.scale)
        self.names = [lr for lr, _ in self.pairs]
        self.out_names = [hr for _, hr in self.pairs]   # results are named after the HR image
        self.n = len(self.pairs)

    def load_pair(self, i):
        lr_path, hr_path = self.pairs[i]
        lq, gt = to_rgb(imread(lr_path)), to_rgb(imread(hr_path))
        s = self.scale
        if lq.shape[:2] == gt.shape[:2] and s > 1:
            if self.opt.get("lq_at_hr_size", "auto") == "error":
                raise ValueError(f"{lr_path}: LR has the HR size (set lq_at_hr_size to 'auto' to downscale it)")
            gt = modcrop(gt, s)
            lq = imresize(modcrop(lq, s), 1.0 / s)
        else:
            gt = gt[:lq.shape[0] * s, :lq.shape[1] * s]
        return lq, gt


class BicubicImageDataset(_Base):
    """HR-only folder(s) (``dataroot_gt``: one path or a list, e.g. T91 and BSD200); LR = common's MATLAB-exact
    bicubic of the mod-cropped HR."""

    def __init__(self, opt):
        super().__init__(opt)
        roots = opt.get("dataroot_gt")
        roots = [roots] if isinstance(roots, str) else roots
        if not roots or not all(isinstance(r, str) and r for r in roots):
            raise ValueError("dataset option 'dataroot_gt' (a folder or a list of folders) is required for "
                             f"BicubicImageDataset, got {opt.get('dataroot_gt')!r}")
        self.names = []
        for root in roots:
            if not os.path.isdir(root):
                raise FileNotFoundError(f"{root}: no such folder (dataroot_gt); put the HR images there or fix the options file")
            found = scan_images(root)
            if not found:
                raise ValueError(f"{root}: no images found")
            self.names += found
        self.lq_sizes = []
        for p in self.names:
            img = imread(p)
            if min(img.shape[:2]) < self.scale:
                raise ValueError(f"{p}: {img.shape[1]}x{img.shape[0]} is smaller than the scale {self.scale}")
            self.lq_sizes.append((img.shape[0] // self.scale, img.shape[1] // self.scale))
        self.n, self.out_names = len(self.names), self.names

    def load_pair(self, i):
        gt = modcrop(to_rgb(imread(self.names[i])), self.scale)
        return bi(gt, self.scale), gt


class RealDegradationDataset(BicubicImageDataset):
    """HR-only folder(s) like BicubicImageDataset; the LR is made by ``degrade_real`` (Real-ESRGAN's second-order
    degradation): for training from each random HR patch, with fresh parameters every time; for validation
    from the whole image, with parameters fixed by its index (the same LR on every run). ``gt_usm``: the training
    target is the HR sharpened by ``usm_sharpen`` (Real-ESRGAN's habit; the LR still comes from the plain HR)."""

    def _target(self, i, gt):
        if not self.opt.get("gt_usm"):
            return gt
        key = ("usm", i)
        if self.cache is not None and key in self.cache:
            return self.cache[key]
        sharp = usm_sharpen(gt)
        if self.cache is not None:
            self.cache[key] = sharp
        return sharp

    def load_pair(self, i):
        gt = modcrop(to_rgb(imread(self.names[i])), self.scale)
        if self.train:
            return None, gt
        return degrade_real(gt, self.scale, np.random.default_rng([1000003, i])), gt

    def __getitem__(self, i):
        if not self.train:
            return super().__getitem__(i)
        i = i % self.n
        _, gt = self._load(i)
        target = self._target(i, gt)
        rng = np.random.default_rng([self.seed, int(torch.randint(0, 2 ** 31, (1,)).item()), i])
        size = self.opt["gt_size"]
        top, left = int(rng.integers(0, gt.shape[0] - size + 1)), int(rng.integers(0, gt.shape[1] - size + 1))
        box = (slice(top, top + size), slice(left, left + size))
        gt, target = augment([gt[box], target[box]], self.opt["use_hflip"], self.opt["use_rot"], rng)
        name = os.path.splitext(os.path.basename(self.out_names[i]))[0]
        item = {"lq": img2tensor(degrade_real(gt, self.scale, rng)), "gt": img2tensor(target), "lq_path": self.names[i],
                "name": name}
        if self.opt.get("gt_usm"):
            item["gt_plain"] = img2tensor(gt)   # a GAN's real images stay unsharpened
        return item


class SingleImageDataset(_Base):
    """LR images only (``dataroot_lq``), for inference without ground truth."""

    def __init__(self, opt):
        super().__init__(opt)
        root = opt.get("dataroot_lq")
        if not root or not os.path.isdir(root):
            raise FileNotFoundError(f"{root}: no such folder (dataroot_lq)")
        self.names = scan_images(root)
        if not self.names:
            raise ValueError(f"{root}: no images found")
        self.lq_sizes = [imread(p).shape[:2] for p in self.names]
        self.n, self.out_names = len(self.names), self.names

    def load_pair(self, i):
        return to_rgb(imread(self.names[i])), None
