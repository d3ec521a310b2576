"""NIQE (Mittal, Soundararajan and Bovik, 2013), vectorized over blocks.

Follows the official MATLAB release (``computequality.m``, ``computefeature.m``,
``estimateaggdparam.m``) on the Y image as BasicSR applies it: Y rounded to integers, 96x96 blocks
without overlap, MSCN coefficients from a 7x7 Gaussian window with replicated borders at two scales
(the second by MATLAB bicubic x0.5 in float), 18 AGGD features per block and scale, and the
Mahalanobis-like distance between the image's MVG fit (``nanmean``, ``nancov`` over complete rows,
N-1 normalisation) and the pristine one through ``pinv``.

The MSCN numerator ``x - mu`` and the local variance are evaluated from differences to the centre
pixel, summed per window weight before multiplying, so they are exactly zero wherever they are zero
in exact arithmetic (a constant 7x7 neighbourhood, or one whose differences cancel weight by weight).
A direct ``x - conv(x)`` leaves a rounding residue of either sign there (about 1e-14), and the AGGD fit
counts a value below or above zero in its left or right spread, so that residue moves the features.
On Set14's ``baboon.png`` (13 such pixels) the MATLAB value BasicSR quotes for its baboon (5.72957338)
is reproduced with them at exactly zero (5.7295739), not with a negative residue (5.7299602) or a
positive one (5.7297111).

The pristine parameters ``niqe_pris_params.npz`` come from BasicSR
(basicsr/metrics/niqe_pris_params.npz, Apache-2.0), which took them from the authors'
``niqe_release`` (LIVE, UT Austin).
"""
import os

import numpy as np
from scipy.special import gamma

from common.color import to_y
from common.imresize import imresize

__all__ = ["calculate_niqe", "niqe_features", "aggd_fit"]

_PARAMS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "niqe_pris_params.npz")
_ALPHAS = np.arange(0.2, 10.001, 0.001)
_R_ALPHA = gamma(2 / _ALPHAS) ** 2 / (gamma(1 / _ALPHAS) * gamma(3 / _ALPHAS))
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


def _pristine():
    p = np.load(_PARAMS_FILE)
    return p["mu_pris_param"], p["cov_pris_param"], p["gaussian_window"]


def aggd_fit(x):
    """Fit an asymmetric generalized Gaussian to each row of x (N, M) by the moment-matching
    grid search over alpha in [0.2, 10] (step 0.001). Returns (alpha, beta_left, beta_right)."""
    neg, pos = x < 0, x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        left_std = np.sqrt((x * x * neg).sum(1) / neg.sum(1))
        right_std = np.sqrt((x * x * pos).sum(1) / pos.sum(1))
        gamma_hat = left_std / right_std
        r_hat = np.mean(np.abs(x), 1) ** 2 / np.mean(x * x, 1)
        r_hat_norm = r_hat * (gamma_hat ** 3 + 1) * (gamma_hat + 1) / (gamma_hat ** 2 + 1) ** 2
        # argmin over the grid; a NaN row picks the first grid point, as the reference does
        alpha = _ALPHAS[np.argmin((_R_ALPHA[None, :] - r_hat_norm[:, None]) ** 2, axis=1)]
        ratio = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return alpha, left_std * ratio, right_std * ratio


def _block_features(blocks):
    """18 NIQE features for each block of ``blocks`` (N, h, w)."""
    n = blocks.shape[0]
    alpha, bl, br = aggd_fit(blocks.reshape(n, -1))
    feats = [alpha, (bl + br) / 2]
    for shift in _SHIFTS:
        prod = blocks * np.roll(blocks, shift, axis=(1, 2))
        alpha, bl, br = aggd_fit(prod.reshape(n, -1))
        mean = (br - bl) * gamma(2 / alpha) / gamma(1 / alpha)
        feats += [alpha, mean, bl, br]
    return np.stack(feats, axis=1)


def _to_blocks(img, bh, bw):
    nh, nw = img.shape[0] // bh, img.shape[1] // bw
    return img[:nh * bh, :nw * bw].reshape(nh, bh, nw, bw).transpose(0, 2, 1, 3).reshape(-1, bh, bw)


def _mscn(img, window):
    """MSCN coefficients (x - mu) / (sigma + 1) of a float image, with mu and sigma the local mean
    and standard deviation under ``window`` (weights summing to one, odd square, replicated border).

    With D_k = x - x_k over the window offsets k, mu = x - sum_k w_k D_k and
    sigma^2 = sum_k w_k D_k^2 - (sum_k w_k D_k)^2, in exact arithmetic the same as MATLAB's
    ``imfilter(x, w, 'replicate')`` and ``sqrt(abs(imfilter(x.*x, w, 'replicate') - mu.^2))``.
    The D_k are summed within each group of equal weights first, so the numerator is exactly zero
    whenever every group sums to zero (for integer x these group sums are exact).
    """
    r = window.shape[0] // 2
    h, w = img.shape
    padded = np.pad(img, r, mode="edge")
    groups = {}
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dy or dx:
                groups.setdefault(float(window[r + dy, r + dx]), []).append((dy, dx))
    num, second = np.zeros_like(img), np.zeros_like(img)
    d, d_sum, d2_sum = np.empty_like(img), np.empty_like(img), np.empty_like(img)
    for weight, offsets in groups.items():
        d_sum.fill(0.0)
        d2_sum.fill(0.0)
        for dy, dx in offsets:
            np.subtract(img, padded[r + dy:r + dy + h, r + dx:r + dx + w], out=d)
            d_sum += d
            d *= d
            d2_sum += d
        d_sum *= weight
        num += d_sum
        d2_sum *= weight
        second += d2_sum
    sigma = np.sqrt(np.abs(second - num * num))
    return num / (sigma + 1)


def niqe_features(y, window, block_size=96):
    """(blocks, 36) features of a float Y image on the 0..255 scale, already cut to whole blocks."""
    feats = []
    img = np.asarray(y, dtype=np.float64)
    for scale in (1, 2):
        mscn = _mscn(img, window)
        feats.append(_block_features(_to_blocks(mscn, block_size // scale, block_size // scale)))
        if scale == 1:
            img = imresize(img / 255.0, scale=0.5) * 255.0
    return np.concatenate(feats, axis=1)


def calculate_niqe(img, crop_border=0, block_size=96):
    """NIQE of a uint8 image (HxWx3 RGB or HxW gray); lower is better.

    RGB is reduced to MATLAB's Y, gray is used as is; ``crop_border`` pixels are shaved and the
    values rounded half up (MATLAB's uint8 Y) before the blocks are cut. The image must hold at
    least two 96x96 blocks after the crop.
    """
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise TypeError(f"calculate_niqe expects a uint8 image, got {img.dtype}")
    y = np.floor(to_y(img, crop_border) + 0.5)
    nh, nw = y.shape[0] // block_size, y.shape[1] // block_size
    if nh * nw < 2:   # the covariance of the block features needs two blocks
        raise ValueError(f"NIQE needs at least two {block_size}x{block_size} blocks after the crop, got {y.shape}")
    y = y[:nh * block_size, :nw * block_size]
    mu_p, cov_p, window = _pristine()
    feats = niqe_features(y, window, block_size)
    mu_d = np.nanmean(feats, axis=0)
    cov_d = np.cov(feats[~np.isnan(feats).any(axis=1)], rowvar=False)
    diff = (mu_p - mu_d).reshape(1, -1)
    dist = diff @ np.linalg.pinv((cov_p + cov_d) / 2) @ diff.T
    return float(np.sqrt(dist.squeeze()))
