import numpy as np
import pytest

from darsr import api
from tests.darsr.conftest import synthetic_hr


def test_contract():
    assert api.MODELS == ("srfbn_s", "darsr")
    assert sum(p.numel() for p in api.build("srfbn_s", 4).parameters()) == 483_146
    with pytest.raises(ValueError, match="unknown model"):
        api.build("edsr", 2)
    with pytest.raises(ValueError, match="scale"):
        api.load("srfbn_s", 3)
    with pytest.raises(FileNotFoundError, match="weights="):
        api.load("srfbn_s", 2, weights="/nonexistent/x.pth")


def test_upscale_whole_tiled_and_gray():
    model = api.load("srfbn_s", 2)
    img = synthetic_hr(40, 52)
    sr = api.upscale(model, img)
    assert sr.shape == (80, 104, 3) and sr.dtype == np.uint8
    tiled = api.upscale(model, img, tile=24, tile_overlap=12)
    assert np.abs(tiled.astype(int) - sr).max() <= 2
    gray = api.upscale(model, img[:, :, 0])
    assert gray.shape == (80, 104, 3)


def test_correct_returns_corrected_sr_kernel():
    lr = synthetic_hr(60, 64, seed=3)
    corrected, sr, kernel = api.correct(lr, 2, iters=2, seed=0, preset="tiny")
    assert corrected.shape == lr.shape and corrected.dtype == np.uint8
    assert sr.shape == (120, 128, 3) and kernel.shape == (13, 13)


def test_gray_ground_truth_is_scored_as_gray():
    """A gray GT (Set14 bridge) is scored on its gray values, the SR reduced to gray, not mapped to Y."""
    import numpy as np

    from common.metrics import calculate_psnr
    from darsr.learner import _metrics

    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (40, 40), dtype=np.uint8)
    sr = np.repeat(np.clip(gt.astype(int) + rng.integers(-3, 4, gt.shape), 0, 255).astype(np.uint8)[:, :, None], 3, 2)
    assert _metrics(sr, gt, 2)["psnr"] == calculate_psnr(sr[:, :, 0], gt, 2)
