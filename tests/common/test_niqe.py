import math
import os

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from common.io import imread
from common.imresize import imresize
from common.metrics import calculate_niqe, rgb2ycbcr
from tests.conftest import BUNDLED


def _reference_niqe(img):
    """Straightforward NIQE, block by block and pixel loop for the AGGD statistics (slow)."""
    p = np.load(os.path.join(os.path.dirname(__import__("common").__file__), "niqe_pris_params.npz"))
    mu_p, cov_p, win = p["mu_pris_param"], p["cov_pris_param"], p["gaussian_window"]
    y = np.floor(rgb2ycbcr(img) + 0.5)
    y = y[: y.shape[0] // 96 * 96, : y.shape[1] // 96 * 96]
    alphas = [0.2 + 0.001 * i for i in range(9801)]
    r_alpha = [math.gamma(2 / a) ** 2 / (math.gamma(1 / a) * math.gamma(3 / a)) for a in alphas]

    def conv_nearest(x):
        out = np.zeros_like(x)
        h, w = x.shape
        for di in range(-3, 4):
            for dj in range(-3, 4):
                rows = np.clip(np.arange(h) + di, 0, h - 1)
                cols = np.clip(np.arange(w) + dj, 0, w - 1)
                out += win[di + 3, dj + 3] * x[rows][:, cols]
        return out

    def aggd(v):
        v = list(v.ravel())
        left = [t * t for t in v if t < 0]
        right = [t * t for t in v if t > 0]
        ls, rs = math.sqrt(sum(left) / len(left)), math.sqrt(sum(right) / len(right))
        g = ls / rs
        r = (sum(abs(t) for t in v) / len(v)) ** 2 / (sum(t * t for t in v) / len(v))
        rn = r * (g ** 3 + 1) * (g + 1) / (g ** 2 + 1) ** 2
        a = alphas[int(np.argmin([(ra - rn) ** 2 for ra in r_alpha]))]
        k = math.sqrt(math.gamma(1 / a) / math.gamma(3 / a))
        return a, ls * k, rs * k

    per_scale = []
    x = y
    for scale in (1, 2):
        mu = conv_nearest(x)
        sd = np.sqrt(np.abs(conv_nearest(x * x) - mu * mu))
        m = (x - mu) / (sd + 1)
        b = 96 // scale
        feats = []
        for i in range(m.shape[0] // b):
            for j in range(m.shape[1] // b):
                blk = m[i * b:(i + 1) * b, j * b:(j + 1) * b]
                a, bl, br = aggd(blk)
                f = [a, (bl + br) / 2]
                for sh in ((0, 1), (1, 0), (1, 1), (1, -1)):
                    a, bl, br = aggd(blk * np.roll(blk, sh, axis=(0, 1)))
                    f += [a, (br - bl) * math.gamma(2 / a) / math.gamma(1 / a), bl, br]
                feats.append(f)
        per_scale.append(np.array(feats))
        x = imresize(x / 255.0, 0.5) * 255.0
    feats = np.concatenate(per_scale, axis=1)
    mu_d, cov_d = feats.mean(0), np.cov(feats, rowvar=False)
    d = mu_p[0] - mu_d
    return math.sqrt(d @ np.linalg.pinv((cov_p + cov_d) / 2) @ d)


@pytest.fixture(scope="module")
def butterfly():
    return imread(os.path.join(BUNDLED, "Set5", "HR", "butterfly.png"))   # 256x256: 4 blocks


def test_equals_loop_reference(butterfly):
    assert calculate_niqe(butterfly, 0) == pytest.approx(_reference_niqe(butterfly), rel=1e-9)


def test_ranks_blurred_and_noisy_copies_worse():
    img = imread(os.path.join(BUNDLED, "Set14", "HR", "baboon.png"))
    blurred = np.floor(gaussian_filter(img.astype(float), sigma=(2, 2, 0)) + 0.5).astype(np.uint8)
    noise = np.random.default_rng(0).normal(0, 25, img.shape)
    noisy = np.clip(np.floor(img + noise + 0.5), 0, 255).astype(np.uint8)
    clean = calculate_niqe(img, 0)
    assert 3 < clean < 8
    assert calculate_niqe(blurred, 0) > clean + 1
    assert calculate_niqe(noisy, 0) > clean + 1


def test_gray_crop_and_errors(butterfly):
    gray = imread(os.path.join(BUNDLED, "Set14", "HR", "bridge.png"))
    assert gray.ndim == 2 and np.isfinite(calculate_niqe(gray, 4))
    with pytest.raises(ValueError, match="two 96x96 blocks"):
        calculate_niqe(butterfly[:100, :150], 0)
    with pytest.raises(TypeError):
        calculate_niqe(butterfly.astype(np.float32), 0)
