import os
import re

import numpy as np
import pytest

from common.degradations import modcrop
from common.io import imread
from common.metrics import calculate_psnr, calculate_ssim, rgb2ycbcr
from tests.conftest import BUNDLED, TEST_DATA

GOLDEN = os.path.join(TEST_DATA, "golden_rcan_set5")


def _golden_rows():
    """(scale, name, psnr, ssim) of RCAN's MATLAB-computed Set5 results, x2 to x4."""
    text = open(os.path.join(GOLDEN, "PSNR_SSIM_Results_BI_model.txt")).read().split("Method_2")[0]
    rows = re.findall(r"x(\d) \d (\w+)_RCAN_x\d\.png: PSNR= ([\d.]+) SSIM= ([\d.]+)", text)
    return [(int(s), n, float(p), float(q)) for s, n, p, q in rows if int(s) in (2, 3, 4)]


def test_golden_file_is_complete():
    assert len(_golden_rows()) == 15


@pytest.mark.parametrize("scale,name,psnr,ssim", _golden_rows())
def test_matches_matlab_oracle_within_1e4(scale, name, psnr, ssim):
    hr = modcrop(imread(os.path.join(BUNDLED, "Set5", "HR", f"{name}.png")), scale)
    sr = imread(os.path.join(GOLDEN, f"x{scale}", f"{name}_RCAN_x{scale}.png"))
    assert abs(calculate_psnr(sr, hr, scale) - psnr) < 1e-4
    assert abs(calculate_ssim(sr, hr, scale) - ssim) < 1e-4


def test_bundled_hr_crops_are_the_oracles_hr(shared_dir):
    for scale in (2, 3, 4):
        for name in ("baby", "woman"):
            ours = modcrop(imread(os.path.join(BUNDLED, "Set5", "HR", f"{name}.png")), scale)
            theirs = imread(os.path.join(shared_dir, "metrics", "golden_rcan_set5", "HR", "Set5",
                                         f"x{scale}", f"{name}_HR_x{scale}.png"))
            assert np.array_equal(ours, theirs)


def test_rgb2ycbcr_is_matlab_studio_range():
    img = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0]]], np.uint8)
    ycc = rgb2ycbcr(img, y_only=False)
    np.testing.assert_allclose(ycc[0, 0], [16, 128, 128])
    np.testing.assert_allclose(ycc[0, 1], [235, 128, 128])
    np.testing.assert_allclose(ycc[0, 2], [16 + 65.481, 128 - 37.797, 128 + 112.0])
    # float input in [0, 1] gives [0, 1] units, unrounded
    np.testing.assert_allclose(rgb2ycbcr(img / 255.0), rgb2ycbcr(img) / 255.0)


def test_psnr_known_value_and_identity():
    a = np.full((20, 20), 100, np.uint8)
    b = a.copy()
    b[:10] = 110                                       # gray: used as is, MSE = 50
    assert calculate_psnr(a, b, 0) == pytest.approx(10 * np.log10(255 ** 2 / 50))
    assert calculate_psnr(a, a, 2) == float("inf")
    assert calculate_ssim(a, a, 2) == pytest.approx(1.0)


def test_y_channel_versus_rgb_and_crop_border():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-5, 6, a.shape), 0, 255).astype(np.uint8)
    y_a, y_b = rgb2ycbcr(a[4:-4, 4:-4]), rgb2ycbcr(b[4:-4, 4:-4])
    expect = 10 * np.log10(255 ** 2 / np.mean((y_a - y_b) ** 2))
    assert calculate_psnr(a, b, 4) == pytest.approx(expect, abs=1e-12)
    rgb = 10 * np.log10(255 ** 2 / np.mean((a[4:-4, 4:-4].astype(float) - b[4:-4, 4:-4]) ** 2))
    assert calculate_psnr(a, b, 4, test_y_channel=False) == pytest.approx(rgb, abs=1e-12)
    per_channel = [calculate_ssim(a[..., c], b[..., c], 4) for c in range(3)]
    assert calculate_ssim(a, b, 4, test_y_channel=False) == pytest.approx(np.mean(per_channel))


def test_ssim_equals_direct_window_sums():
    """'valid' SSIM computed window by window, straight from Wang's formula."""
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (14, 15)).astype(np.uint8)
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    x = np.arange(11) - 5
    g = np.exp(-(x[:, None] ** 2 + x[None] ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vals = []
    for i in range(a.shape[0] - 10):
        for j in range(a.shape[1] - 10):
            p, q = a[i:i + 11, j:j + 11].astype(float), b[i:i + 11, j:j + 11].astype(float)
            mp, mq = (g * p).sum(), (g * q).sum()
            vp, vq, cv = (g * p * p).sum() - mp ** 2, (g * q * q).sum() - mq ** 2, (g * p * q).sum() - mp * mq
            vals.append((2 * mp * mq + c1) * (2 * cv + c2) / ((mp ** 2 + mq ** 2 + c1) * (vp + vq + c2)))
    assert calculate_ssim(a, b, 0) == pytest.approx(np.mean(vals), abs=1e-12)


def test_bad_inputs():
    a = np.zeros((20, 20, 3), np.uint8)
    with pytest.raises(ValueError, match="shapes differ"):
        calculate_psnr(a, np.zeros((20, 21, 3), np.uint8), 0)
    with pytest.raises(TypeError, match="uint8"):
        calculate_psnr(a.astype(np.float32), a.astype(np.float32), 0)
    with pytest.raises(ValueError, match="11x11"):
        calculate_ssim(a, a, 5)
    with pytest.raises(ValueError, match="leaves nothing"):
        calculate_psnr(a, a, 10)
