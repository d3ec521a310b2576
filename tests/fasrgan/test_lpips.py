import numpy as np
import pytest

from fasrgan.metrics import LPIPS

from .helpers import make_alexnet


def test_lpips_zero_for_identical_and_positive_otherwise(tmp_path):
    lp = LPIPS(make_alexnet(str(tmp_path / "alex.pth")))
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 40, a.shape), 0, 255).astype(np.uint8)
    assert lp.images(a, a) == 0
    assert lp.images(a, b) > 0
    assert LPIPS(str(tmp_path / "alex.pth"), version="0.1").images(a, b) > 0


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
