"""Paired random crop and the authors' augmentation (h-flip, v-flip, transpose; each p = 0.5)."""
import numpy as np


def paired_random_crop(lr, hr, lr_size, scale, rng, names):
    """A random ``lr_size`` LR crop and the matching HR crop (``scale`` x larger)."""
    h, w = lr.shape[:2]
    if h < lr_size or w < lr_size:
        raise ValueError(f"{names[1]}: LR is {w}x{h}, smaller than the {lr_size}x{lr_size} LR patch "
                         f"(HR_size {lr_size * scale} / scale {scale})")
    top, left = int(rng.integers(0, h - lr_size + 1)), int(rng.integers(0, w - lr_size + 1))
    lr = lr[top:top + lr_size, left:left + lr_size]
    hr = hr[top * scale:(top + lr_size) * scale, left * scale:(left + lr_size) * scale]
    return lr, hr


def augment(imgs, rng, hflip=True, rot=True):
    """The same random h-flip / v-flip / transpose for every image in ``imgs``."""
    flips = rng.random(3) < 0.5
    h, v, t = bool(hflip and flips[0]), bool(rot and flips[1]), bool(rot and flips[2])
    out = []
    for img in imgs:
        if h:
            img = img[:, ::-1]
        if v:
            img = img[::-1]
        if t:
            img = img.transpose(1, 0, 2) if img.ndim == 3 else img.T
        out.append(np.ascontiguousarray(img))
    return out
