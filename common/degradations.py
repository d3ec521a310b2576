"""The degradation models of the SR literature (RDN, CVPR 2018; RCAN and SAN use the same scripts).

* BI: MATLAB bicubic downsampling of the mod-cropped HR.
* BD: 7x7 Gaussian blur (sigma 1.6, replicate border, result rounded to uint8), then direct
  decimation at 0-based rows/columns 1, 4, 7, ... (MATLAB ``imresize(..., 1/3, 'nearest')``);
  not a bicubic downsampling.
* DN: BI, then additive Gaussian noise (sigma 30 on 0..255), rounded and clipped to uint8.
  MATLAB's legacy ``randn('seed', 0)`` cannot be reproduced in NumPy, so a DN set made here is
  statistically, not bit-wise, the authors' one.

All functions take and return uint8 images (HxWx3 or HxW) and mod-crop the HR first.
"""
import numpy as np
from scipy.ndimage import correlate

from common.imresize import imresize

__all__ = ["modcrop", "bi", "bd", "dn", "degrade", "gaussian_kernel", "DEGRADATIONS"]

DEGRADATIONS = ("BI", "BD", "DN")


def modcrop(img, scale):
    """Crop HxW(xC) to a multiple of ``scale``, keeping the top-left corner."""
    h, w = img.shape[:2]
    return img[:h - h % scale, :w - w % scale]


def _check_uint8(img, name):
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise TypeError(f"{name} expects a uint8 image, got {img.dtype}")
    return img


def bi(hr, scale):
    """BI: MATLAB bicubic (antialiased) downsampling by ``scale``, bit-exact on uint8."""
    hr = _check_uint8(hr, "bi")
    return imresize(modcrop(hr, scale), 1.0 / scale)


def gaussian_kernel(size=7, sigma=1.6):
    """MATLAB ``fspecial('gaussian', size, sigma)``."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    k = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma * sigma))
    k[k < np.finfo(np.float64).eps * k.max()] = 0
    return k / k.sum()


def bd(hr, scale=3):
    """BD: Gaussian blur (7x7, sigma 1.6) then decimation by 3 (RDN's ``Prepare_TestData_HR_LR.m``)."""
    if scale != 3:
        raise ValueError(f"BD is defined for scale 3 (RDN's protocol), got {scale}")
    hr = _check_uint8(hr, "bd")
    hr = modcrop(hr, scale)
    k = gaussian_kernel(7, 1.6)
    k = k[:, :, None] if hr.ndim == 3 else k      # a depth-1 kernel filters each channel alone
    blurred = correlate(hr.astype(np.float64), k, mode="nearest")
    blurred = np.floor(np.clip(blurred, 0, 255) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(blurred[1::scale, 1::scale])


def dn(hr, scale=3, noise_level=30, seed=0):
    """DN: BI then Gaussian noise of std ``noise_level`` (0..255), rounded half away from zero
    and clipped. ``seed=None`` draws fresh noise (for training)."""
    lr = bi(hr, scale).astype(np.float64)
    rng = np.random.default_rng(seed)
    noisy = lr + noise_level * rng.standard_normal(lr.shape)
    return np.floor(np.clip(noisy, 0, 255) + 0.5).astype(np.uint8)


def degrade(hr, scale, degradation="BI", seed=0):
    """LR image of ``hr`` under the named degradation model (BI, BD or DN)."""
    name = degradation.upper()
    if name == "BI":
        return bi(hr, scale)
    if name == "BD":
        return bd(hr, scale)
    if name == "DN":
        return dn(hr, scale, seed=seed)
    raise ValueError(f"unknown degradation {degradation!r}; choose from {', '.join(DEGRADATIONS)}")
