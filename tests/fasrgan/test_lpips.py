import numpy as np
import pytest

from fasrgan.metrics import LPIPS

from .helpers import make_alexnet


def _noisy(a, sigma, seed):
    noise = np.random.default_rng(seed).normal(0, sigma, a.shape)
    return np.clip(np.round(a + noise), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("version", ["0.0", "0.1"])
def test_lpips_is_a_distance_that_grows_with_noise(tmp_path, version):
    """Properties that hold for any backbone (the ImageNet AlexNet is not shipped, so no published
    value can be reproduced here): zero for identical images, symmetric, and larger for stronger noise."""
    lp = LPIPS(make_alexnet(str(tmp_path / "alex.pth")), version=version)
    yy, xx = np.mgrid[0:64, 0:64]
    a = np.clip(128 + 80 * np.sin(xx / 5.0)[:, :, None] * np.cos(yy / 7.0)[:, :, None] + np.zeros(3), 0, 255)
    a = a.astype(np.uint8)
    assert lp.images(a, a) == 0
    b = _noisy(a, 20, 1)
    assert lp.images(a, b) == pytest.approx(lp.images(b, a), rel=1e-6)
    distances = [lp.images(a, _noisy(a, sigma, 2)) for sigma in (2, 10, 40)]
    assert 0 < distances[0] < distances[1] < distances[2]


def test_lpips_needs_a_backbone_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="lpips_alex"):
        LPIPS(None)
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        LPIPS(str(tmp_path / "missing.pth"))


def test_score_reports_niqe_when_defined():
    from common.metrics import calculate_psnr
    from fasrgan.test import score

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:100, 0:200]
    base = (127 + 60 * np.sin(xx / 7.0) * np.cos(yy / 5.0))[:, :, None] + rng.normal(0, 12, (100, 200, 3))
    hr = np.clip(base, 0, 255).astype(np.uint8)
    sr = np.clip(hr.astype(int) + rng.integers(-5, 6, hr.shape), 0, 255).astype(np.uint8)
    row = score(sr, hr, 4)
    assert row["psnr_y"] == calculate_psnr(sr, hr, 4)
    assert row["niqe"] is not None and row["niqe"] > 0
    assert score(sr[:90, :90], hr[:90, :90], 4)["niqe"] is None        # fewer than two 96x96 blocks
    assert score(np.zeros_like(hr), hr, 4)["niqe"] is None             # flat image: NIQE undefined
