"""SRFBN-S with the bundled weights against the SRFBN paper (Li et al., CVPR 2019, Table 2)."""
import os

import numpy as np
import pytest

from common.degradations import bi, modcrop
from common.io import imread
from common.metrics import calculate_psnr, calculate_ssim
from darsr import api

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SET5 = os.path.join(REPO, "benchmarks", "data", "Set5")
PAPER = {2: (37.78, 0.9597), 4: (31.98, 0.8923)}


def score(name, scale, model):
    hr = modcrop(imread(os.path.join(SET5, "HR", f"{name}.png")), scale)
    lr = imread(os.path.join(SET5, "LR_bicubic", f"X{scale}", f"{name}x{scale}.png"))
    assert np.array_equal(lr, bi(hr, scale))       # bundled LR == common's MATLAB bicubic
    sr = api.upscale(model, lr)
    return calculate_psnr(sr, hr, scale), calculate_ssim(sr, hr, scale)


def test_srfbn_bird_x2():
    """One x2 image in the default run (measured 43.00 dB / 0.9901 while the full set matches the paper)."""
    psnr, ssim = score("bird", 2, api.load("srfbn_s", 2))
    assert abs(psnr - 43.0021) < 0.01 and abs(ssim - 0.99012) < 0.0005


@pytest.mark.parametrize("scale", [pytest.param(2, marks=pytest.mark.slow), 4])
def test_srfbn_set5_matches_paper(scale):
    """Full Set5; x4 is in the default run (about 6 s on a free core), x2 is -m slow (about 12 s)."""
    model = api.load("srfbn_s", scale)
    rows = [score(n, scale, model) for n in ("baby", "bird", "butterfly", "head", "woman")]
    psnr, ssim = np.mean(rows, axis=0)
    assert abs(psnr - PAPER[scale][0]) <= 0.03 and abs(ssim - PAPER[scale][1]) <= 0.001
