"""Paired random crop and flip/rotation augmentation on uint8 HxWxC arrays."""
import numpy as np

__all__ = ["paired_random_crop", "augment", "to_rgb", "img2tensor"]


def to_rgb(img):
    """Gray HxW -> HxWx3 (replicated)."""
    return np.repeat(img[:, :, None], 3, axis=2) if img.ndim == 2 else img


def paired_random_crop(lq, gt, gt_size, scale, rng, name=""):
    """Aligned crops: an (gt_size/scale)^2 LR patch and the matching gt_size^2 HR patch."""
    lq_size = gt_size // scale
    h, w = lq.shape[:2]
    if h < lq_size or w < lq_size:
        raise ValueError(f"{name}: LR {w}x{h} is smaller than the patch ({lq_size}x{lq_size}, gt_size {gt_size})")
    top, left = int(rng.integers(0, h - lq_size + 1)), int(rng.integers(0, w - lq_size + 1))
    lq = lq[top:top + lq_size, left:left + lq_size]
    gt = gt[top * scale:(top + lq_size) * scale, left * scale:(left + lq_size) * scale]
    return lq, gt


def augment(imgs, hflip, rot, rng):
    """The same random horizontal flip, vertical flip and transpose on every image."""
    flip_h = hflip and rng.random() < 0.5
    flip_v = rot and rng.random() < 0.5
    trans = rot and rng.random() < 0.5
    out = []
    for img in imgs:
        if flip_h:
            img = img[:, ::-1]
        if flip_v:
            img = img[::-1]
        if trans:
            img = img.transpose(1, 0, 2)
        out.append(np.ascontiguousarray(img))
    return out


def img2tensor(img):
    """uint8 HxWx3 -> float32 3xHxW in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().div_(255.0)
