"""Training patches of one LR image (KernelGAN/DualSR-style sampling), built as torch batches.

Inside DARSR the LR test image plays the role of "HR": ``y`` are crops of it, ``x`` are smaller
crops of it (the real degradation), ``y_b`` is ``y`` bicubic-downscaled (the known degradation)
and ``x_up`` is ``x`` bicubic-upscaled. Crop centres are drawn from gradient-weighted maps.
"""
import numpy as np
import torch
from scipy.ndimage import uniform_filter

from common.imresize import imresize, imresize_torch

BORDER = 10          # pixels shaved off every side before sampling (the authors' "real_image=False")


class DataError(ValueError):
    """An image that cannot be used for training (the message names it)."""


def _gray(img):
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) if img.ndim == 3 else img.astype(np.float64)


def gradient_map(img, window=5, percent=97):
    """Edge strength: |grad|, |gx|, |gy| each clipped at their ``percent`` percentile, summed, box-blurred."""
    gy, gx = np.gradient(_gray(img))
    total = np.zeros_like(gx)
    for m in (np.hypot(gx, gy), np.abs(gx), np.abs(gy)):
        top = np.percentile(m, percent)
        total += np.clip(m / top, 0, 1) if top > 0 else m
    return uniform_filter(total, window, mode="reflect")


def probability_map(grad, crop):
    """Crop-centre probabilities: ``grad`` box-blurred over crop/2, zero within crop/2 of a border."""
    half = crop // 2
    p = uniform_filter(grad, max(1, half), mode="reflect")
    valid = np.zeros_like(p, dtype=bool)
    valid[half:p.shape[0] - half + 1, half:p.shape[1] - half + 1] = True
    p = np.where(valid, np.maximum(p, 0), 0.0)
    if p.sum() <= 0:                       # a flat image: uniform over the valid centres
        p = valid.astype(np.float64)
    return p.ravel() / p.sum()


def prepare_image(img, scale, crop, name="image"):
    """The training image: RGB, BORDER px shaved, cropped to a multiple of ``scale``; checks its size."""
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    h, w = img.shape[:2]
    need = crop + 2 * BORDER
    if h < need or w < need:
        raise DataError(f"{name}: {w}x{h} is smaller than the crop size ({crop} + {BORDER} px border on each "
                        f"side = {need}); lower --input_crop_size")
    img = img[BORDER:h - BORDER, BORDER:w - BORDER]
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[:h - h % scale, :w - w % scale])


class PatchSampler:
    """Draws batches ``dict(y, y_b, x, x_up)`` of NCHW float tensors in [0, 1] on ``device``."""

    def __init__(self, img, scale, crop=128, seed=0, device="cpu", name="image"):
        img = prepare_image(img, scale, crop, name)
        self.scale, self.crop, self.lr_crop = scale, crop, crop // scale
        self.rng = np.random.default_rng(seed)
        h, w = img.shape[:2]
        small = imresize(img, output_shape=(h // scale, w // scale))
        rows = np.minimum(np.arange(h) // scale, small.shape[0] - 1)
        cols = np.minimum(np.arange(w) // scale, small.shape[1] - 1)
        grad_small = gradient_map(small)[rows][:, cols]          # nearest-upsampled back
        self.cdf_y = np.cumsum(probability_map(grad_small, self.crop))
        self.cdf_x = np.cumsum(probability_map(gradient_map(img), self.lr_crop))
        self.shape = (h, w)
        self.image = torch.from_numpy(img).permute(2, 0, 1).float().div(255).to(device)
        self.device = device

    def _corners(self, cdf, crop, n):
        idx = np.searchsorted(cdf, self.rng.random(n) * cdf[-1], side="right")
        idx = np.minimum(idx, cdf.size - 1)
        cy, cx = np.divmod(idx, self.shape[1])
        h, w = self.shape
        top = np.clip((cy - crop // 2) & ~1, 0, h - crop)
        left = np.clip((cx - crop // 2) & ~1, 0, w - crop)
        return top, left

    def _crops(self, top, left, crop):
        ar = np.arange(crop)
        rows = torch.from_numpy(top[:, None] + ar).to(self.device)       # n x crop
        cols = torch.from_numpy(left[:, None] + ar).to(self.device)
        out = self.image[:, rows[:, :, None], cols[:, None, :]]          # 3 x n x crop x crop
        return out.permute(1, 0, 2, 3)

    @staticmethod
    def _augment(t, flip, transpose):
        t = torch.where(flip[:, None, None, None], t.flip(-1), t)
        return torch.where(transpose[:, None, None, None], t.transpose(-1, -2), t)

    def sample(self, n):
        y = self._crops(*self._corners(self.cdf_y, self.crop, n), self.crop)
        x = self._crops(*self._corners(self.cdf_x, self.lr_crop, n), self.lr_crop)
        flip = torch.from_numpy(self.rng.random(n) < 0.5).to(self.device)
        transpose = torch.from_numpy(self.rng.random(n) < 0.5).to(self.device)
        y, x = self._augment(y, flip, transpose), self._augment(x, flip, transpose)
        y_b = imresize_torch(y, output_shape=(self.lr_crop, self.lr_crop))
        x_up = imresize_torch(x, output_shape=(self.crop, self.crop))
        return {"y": y, "y_b": y_b, "x": x, "x_up": x_up}
