import math
import os
from fractions import Fraction

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from common import niqe
from common.io import imread
from common.imresize import imresize
from common.metrics import calculate_niqe, rgb2ycbcr
from tests.conftest import BUNDLED

# MATLAB R2021a NIQE (official niqe_release, Y channel) that BasicSR quotes in the docstring of
# basicsr/metrics/niqe.py for its tests/data/baboon.png.
MATLAB_BABOON = 5.72957338


def _reference_niqe(img):
    """Straightforward NIQE, block by block and pixel loop for the AGGD statistics (slow).

    Its local mean is a plain 2-D sum, which leaves a rounding residue where the MSCN numerator is
    zero in exact arithmetic; butterfly has no such pixel at either scale, so the two agree there.
    The exact zeros are checked on their own in ``test_mscn_equals_exact_rational_arithmetic``.
    """
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


def _exact_mscn(x, win):
    """MSCN of a small image in rational arithmetic: the weights are the window's float values as
    exact fractions, divided by their sum so that they sum to exactly one; replicated border."""
    h, w = x.shape
    r = win.shape[0] // 2
    wf = [[Fraction(float(v)) for v in row] for row in win]
    total = sum(v for row in wf for v in row)
    xf = [[Fraction(float(v)) for v in row] for row in x]
    num = np.zeros((h, w))
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            m = m2 = Fraction(0)
            for a in range(-r, r + 1):
                for b in range(-r, r + 1):
                    v = xf[min(max(i + a, 0), h - 1)][min(max(j + b, 0), w - 1)]
                    m += wf[a + r][b + r] * v
                    m2 += wf[a + r][b + r] * v * v
            m, m2 = m / total, m2 / total
            num[i, j] = float(xf[i][j] - m)
            out[i, j] = num[i, j] / (math.sqrt(abs(float(m2 - m * m))) + 1)
    return num, out


def test_mscn_equals_exact_rational_arithmetic():
    win = np.load(os.path.join(os.path.dirname(niqe.__file__), "niqe_pris_params.npz"))["gaussian_window"]
    y = np.floor(rgb2ycbcr(imread(os.path.join(BUNDLED, "Set5", "HR", "head.png"))) + 0.5)
    rng = np.random.default_rng(1)
    synth = np.full((40, 40), 90.0)                                  # flat quadrant
    synth[:20, 20:] = np.arange(20)[None, :] * 3 + 20                # horizontal ramp: cancels by symmetry
    synth[20:, :20] = np.arange(20)[:, None] * 2 + 50                # vertical ramp
    synth[20:, 20:] = rng.integers(0, 256, (20, 20))                 # texture
    cases = [y[0:20, 160:180], y[60:80, 60:80], synth, imresize(synth / 255.0, 0.5) * 255.0]
    assert (niqe._mscn(synth, win) == 0)[:20, 20:].any()             # the ramp's zeros are not flat ones
    for x in cases:
        ref_num, ref = _exact_mscn(x, win)
        got = niqe._mscn(x, win)
        assert (ref_num == 0).any() and (ref_num != 0).any()         # every case holds both kinds
        np.testing.assert_array_equal(got == 0, ref_num == 0)        # zero exactly where exact arithmetic is
        np.testing.assert_array_equal(np.sign(got), np.sign(ref))
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def test_baboon_matches_matlab(monkeypatch):
    """Set14's baboon.png against the MATLAB value BasicSR quotes for its own tests/data/baboon.png.

    BasicSR's file is not available here; its git blob id (42dfa5e6...) differs from Set14's
    (953b46fc...), so the two files are not byte-identical and the pixel identity is not established.
    What NIQE reads of Set14's 500x480 image is the top-left 480x480 region (5x5 blocks).
    """
    img = imread(os.path.join(BUNDLED, "Set14", "HR", "baboon.png"))
    assert img.shape == (480, 500, 3)
    assert calculate_niqe(img, 0) == pytest.approx(MATLAB_BABOON, abs=1e-5)

    # 13 pixels of the first scale have a constant 7x7 neighbourhood (MSCN exactly 0); a rounding
    # residue of either sign there, as a direct x - conv(x) leaves, moves the score off MATLAB's.
    win = np.load(os.path.join(os.path.dirname(niqe.__file__), "niqe_pris_params.npz"))["gaussian_window"]
    y = np.floor(rgb2ycbcr(img) + 0.5)[:480, :480]
    assert (niqe._mscn(y, win) == 0).sum() == 13
    exact_mscn = niqe._mscn
    for residue in (-1e-15, 1e-15):
        def with_residue(x, window, residue=residue):
            m = exact_mscn(x, window)
            return np.where(m == 0, residue, m)
        monkeypatch.setattr(niqe, "_mscn", with_residue)
        assert abs(calculate_niqe(img, 0) - MATLAB_BABOON) > 1e-4
    monkeypatch.undo()
