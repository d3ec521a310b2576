"""Training and test datasets: HR images, LR from a stored folder or made by common's degradations."""
import hashlib
import os

import numpy as np
import torch
from torch.utils.data import Dataset

from common.degradations import degrade, modcrop
from common.io import MissingError, imread, scan_images
from jtf_sisr.data.locate import find_lr

CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "jtf_sisr")


def to_rgb(img):
    return np.repeat(img[:, :, None], 3, axis=2) if img.ndim == 2 else img


def to_tensor(img, rgb_range):
    """uint8 HxWx3 -> 3xHxW float in [0, rgb_range]."""
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float() * (rgb_range / 255.0)


def _cache_path(path, tag):
    st = os.stat(path)
    key = hashlib.sha1(f"{os.path.abspath(path)}|{st.st_mtime_ns}|{st.st_size}|{tag}".encode()).hexdigest()[:20]
    return os.path.join(CACHE, f"{key}.npy")


def load_pair(hr_path, hr_folder, scale, degradation, ext="sep", seed=0):
    """(LR, mod-cropped HR) uint8 arrays; generated LR is cached on disk with ``ext='sep'``."""
    hr = modcrop(imread(hr_path), scale)
    stored = find_lr(hr_folder, hr_path, scale, degradation)
    if stored:
        lr = imread(stored)
        if lr.shape[0] * scale != hr.shape[0] or lr.shape[1] * scale != hr.shape[1]:
            raise ValueError(f"{stored}: LR size {lr.shape[1]}x{lr.shape[0]} does not match {hr_path} at x{scale}")
        return lr, hr
    if min(hr.shape[:2]) == 0:
        raise ValueError(f"{hr_path}: smaller than the scale {scale}")
    if ext.startswith("sep") and degradation != "DN":
        cache = _cache_path(hr_path, f"{degradation}x{scale}")
        if ext == "sep" and os.path.isfile(cache):
            return np.load(cache), hr
        lr = degrade(hr, scale, degradation, seed=seed)
        os.makedirs(CACHE, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp.npy"
        np.save(tmp, lr)
        os.replace(tmp, cache)
        return lr, hr
    return degrade(hr, scale, degradation, seed=seed), hr


class TrainSet(Dataset):
    """Random aligned patches (HR ``patch_size``, LR patch_size/scale) with flips and rotations.

    The patch position and augmentation of item i in epoch e come from the seed (seed, e, i), so a
    resumed run draws exactly the patches an uninterrupted one would.
    """

    def __init__(self, files_by_folder, args, scale, samples_per_epoch):
        self.args, self.scale, self.epoch = args, scale, 0
        p = args.patch_size // scale
        items = [(f, folder) for folder, files in files_by_folder for f in files]
        self.items = [(f, d) for f, d in items if min(imread(f).shape[:2]) // scale >= p]
        self.skipped = [f for f, _ in items if (f, _) not in self.items]
        if not self.items:
            raise ValueError(f"no training image holds an HR patch of {args.patch_size} at x{scale} "
                             f"(smallest: {items[0][0] if items else 'none'}); lower --patch_size")
        self.repeat = max(samples_per_epoch // len(self.items), 1)
        self.images = {}

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.items) * self.repeat

    def _pair(self, i, rng):
        path, folder = self.items[i]
        if self.args.degradation == "DN":      # fresh noise for every sample during training
            return load_pair(path, folder, self.scale, "DN", ext="img", seed=int(rng.integers(1 << 31)))
        if i not in self.images:
            self.images[i] = load_pair(path, folder, self.scale, self.args.degradation, self.args.ext)
        return self.images[i]

    def __getitem__(self, index):
        rng = np.random.default_rng([self.args.seed, self.epoch, index])
        i = index % len(self.items)
        lr, hr = self._pair(i, rng)
        lr, hr = to_rgb(lr), to_rgb(hr)
        p = self.args.patch_size // self.scale
        if lr.shape[0] < p or lr.shape[1] < p:
            raise ValueError(f"{self.items[i][0]}: LR {lr.shape[1]}x{lr.shape[0]} is smaller than the patch {p}x{p}")
        y, x = int(rng.integers(lr.shape[0] - p + 1)), int(rng.integers(lr.shape[1] - p + 1))
        s = self.scale
        lr, hr = lr[y:y + p, x:x + p], hr[y * s:(y + p) * s, x * s:(x + p) * s]
        if not self.args.no_augment:
            hflip, vflip, rot = rng.random(3) < 0.5
            for flag, op in ((hflip, lambda a: a[:, ::-1]), (vflip, lambda a: a[::-1]),
                             (rot, lambda a: a.transpose(1, 0, 2))):
                if flag:
                    lr, hr = op(lr), op(hr)
        return to_tensor(lr, self.args.rgb_range), to_tensor(hr, self.args.rgb_range)


class TestSet(Dataset):
    """A benchmark set (HR known) or, with ``hr_folder=None``, a Demo folder of LR images."""

    def __init__(self, name, files, hr_folder, args, scale):
        self.name, self.files, self.hr_folder, self.args, self.scale = name, files, hr_folder, args, scale

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        path = self.files[i]
        stem = os.path.splitext(os.path.basename(path))[0]
        if self.hr_folder is None:
            lr = imread(path)
            return to_tensor(to_rgb(lr), self.args.rgb_range), torch.zeros(0), stem
        lr, hr = load_pair(path, self.hr_folder, self.scale, self.args.degradation, self.args.ext, seed=i)
        return to_tensor(to_rgb(lr), self.args.rgb_range), torch.from_numpy(np.ascontiguousarray(hr)), stem


def demo_files(folder):
    files = scan_images(folder) if os.path.isdir(folder) else []
    if not files:
        raise MissingError(f"--dir_demo {folder}: no images found")
    return files
