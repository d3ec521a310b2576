import os

import numpy as np
import pytest

from common.degradations import bd, bi, degrade, dn, gaussian_kernel, modcrop
from common.io import imread
from tests.conftest import BUNDLED


@pytest.fixture(scope="module")
def hr():
    return imread(os.path.join(BUNDLED, "Set5", "HR", "woman.png"))      # 228x344 (WxH)


def test_modcrop_keeps_top_left(hr):
    c = modcrop(hr, 3)
    assert c.shape == (342, 228, 3) and np.array_equal(c, hr[:342, :228])
    assert modcrop(hr[:, :, 0], 5).shape == (340, 225)


def test_bi_is_the_matlab_lr(hr):
    lr = imread(os.path.join(BUNDLED, "Set5", "LR_bicubic", "X3", "womanx3.png"))
    assert np.array_equal(bi(hr, 3), lr)


def test_fspecial_gaussian():
    k = gaussian_kernel(7, 1.6)
    assert k.shape == (7, 7) and k.sum() == pytest.approx(1.0)
    g = np.exp(-((np.arange(7) - 3) ** 2) / (2 * 1.6 ** 2))
    np.testing.assert_allclose(k, np.outer(g, g) / np.outer(g, g).sum(), rtol=1e-14)   # separable, normalised


def test_bd_is_replicate_blur_then_decimation_from_index_1(hr):
    h = modcrop(hr, 3)
    lr = bd(hr, 3)
    assert lr.shape == (h.shape[0] // 3, h.shape[1] // 3, 3) and lr.dtype == np.uint8
    k = gaussian_kernel(7, 1.6)
    padded = np.pad(h.astype(np.float64), ((3, 3), (3, 3), (0, 0)), mode="edge")
    for i, j in [(0, 0), (5, 7), (lr.shape[0] - 1, lr.shape[1] - 1)]:
        r, c = 3 * i + 1, 3 * j + 1                        # 0-based 1, 4, 7, ...
        window = padded[r:r + 7, c:c + 7]
        expect = np.floor(np.einsum("ij,ijc->c", k, window) + 0.5)
        assert lr[i, j].tolist() == expect.tolist()
    with pytest.raises(ValueError, match="scale 3"):
        bd(hr, 2)


def test_dn_noise_level_and_seed(hr):
    a, b, c = dn(hr, 3, seed=0), dn(hr, 3, seed=0), dn(hr, 3, seed=1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    diff = a.astype(float) - bi(hr, 3)
    interior = diff[(bi(hr, 3) > 100) & (bi(hr, 3) < 155)]     # away from clipping
    assert 28 < interior.std() < 32
    assert degrade(hr, 3, "dn", seed=0).tolist() == a.tolist()
    with pytest.raises(ValueError, match="unknown degradation"):
        degrade(hr, 3, "XY")


def test_bd_published_baseline_on_set5():
    """Bicubic-upscaled BD LR on Set5 x3: RDN's table gives 28.78 / 0.8308."""
    from benchmarks.bicubic import score_set

    r = score_set(os.path.join(BUNDLED, "Set5", "HR"), 3, "BD")
    assert abs(r["psnr"] - 28.78) < 0.02 and abs(r["ssim"] - 0.8308) < 0.0015
