"""PSNR and SSIM as SR papers compute them in MATLAB, and NIQE.

Convention (RCAN/RDN ``Evaluate_PSNR_SSIM.m``, BasicSR ``calculate_psnr/ssim``):

* inputs are uint8 images, HxWx3 RGB or HxW gray;
* ``crop_border`` pixels are shaved from each side first;
* with ``test_y_channel`` an RGB image is reduced to the Y of MATLAB ``rgb2ycbcr`` on
  ``im2double`` input (BT.601 studio range, 16..235, not rounded); a gray image is used as is;
* PSNR in float64 with peak 255 (identical images give ``inf``);
* SSIM is Wang et al.'s ``ssim_index.m``: 11x11 Gaussian window (sigma 1.5), 'valid' region,
  K = (0.01, 0.03), L = 255; in RGB mode the mean over the three channels.
"""
import numpy as np
from scipy.ndimage import correlate1d

from common.color import rgb2ycbcr, to_y
from common.niqe import calculate_niqe

__all__ = ["rgb2ycbcr", "calculate_psnr", "calculate_ssim", "calculate_niqe", "to_y", "CONVENTION"]

CONVENTION = ("{space}, shave {crop} px per side, PSNR float64 with peak 255, "
              "SSIM Wang 2004 (11x11 Gaussian sigma 1.5, valid, K=0.01/0.03)")


def _check_pair(img, img2):
    img, img2 = np.asarray(img), np.asarray(img2)
    for a in (img, img2):
        if a.dtype != np.uint8:
            raise TypeError(f"metrics expect uint8 images (quantise SR first), got {a.dtype}")
        if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3)):
            raise ValueError(f"metrics expect HxW or HxWx3 images, got shape {a.shape}")
    if img.shape != img2.shape:
        raise ValueError(f"image shapes differ: {img.shape} vs {img2.shape}")
    return img, img2


def calculate_psnr(img, img2, crop_border, test_y_channel=True):
    """PSNR (dB) of two uint8 images; see the module docstring for the convention."""
    img, img2 = _check_pair(img, img2)
    a, b = to_y(img, crop_border, test_y_channel), to_y(img2, crop_border, test_y_channel)
    if a.size == 0:
        raise ValueError(f"crop_border={crop_border} leaves nothing of a {img.shape} image")
    mse = np.mean((a - b) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(255.0 ** 2 / mse))


def _gaussian_1d(size=11, sigma=1.5):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x * x) / (2 * sigma * sigma))
    return g / g.sum()


def _filter_valid(x, g):
    """2-D 'valid' filtering with the separable window g x g (MATLAB ``filter2(w, x, 'valid')``)."""
    r = len(g) // 2
    out = correlate1d(x, g, axis=0, mode="constant")
    out = correlate1d(out, g, axis=1, mode="constant")
    return out[r:-r, r:-r]


def _ssim_2d(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = _gaussian_1d()
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    var_a = _filter_valid(a * a, g) - mu_a ** 2
    var_b = _filter_valid(b * b, g) - mu_b ** 2
    cov = _filter_valid(a * b, g) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def calculate_ssim(img, img2, crop_border, test_y_channel=True):
    """SSIM of two uint8 images (Wang's MATLAB code); see the module docstring."""
    img, img2 = _check_pair(img, img2)
    a, b = to_y(img, crop_border, test_y_channel), to_y(img2, crop_border, test_y_channel)
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs at least 11x11 pixels after the crop, got {a.shape[:2]}")
    if a.ndim == 2:
        return _ssim_2d(a, b)
    return float(np.mean([_ssim_2d(a[:, :, c], b[:, :, c]) for c in range(a.shape[2])]))
