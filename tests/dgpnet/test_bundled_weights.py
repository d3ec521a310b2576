"""The bundled DGPNet x4 (bicubic-trained here, fused): what the model card says, on the bundled Set5."""
import os

import numpy as np

from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.io import imread, scan_images
from dgpnet import api
from tests.conftest import REPO


def test_bundled_bicubic_weights_reach_30_5_db_on_set5():
    net = api.load("dgpnet", 4)
    assert sum(p.numel() for p in net.parameters()) == 1_943_492          # fused: plain convolutions only
    scores = []
    for path in scan_images(os.path.join(REPO, "benchmarks", "data", "Set5", "HR")):
        hr = modcrop(imread(path), 4)
        scores.append(evaluate_pair(api.upscale(net, bi(hr, 4)), hr, 4)["psnr"])
    assert np.mean(scores) >= 30.5


def test_bundled_real_world_weights_score_as_the_card_says_on_realsrset(shared_dir):
    """Two RealSRSet images of the card's per-image table (painting, frog): NIQE of the real-world file as
    recorded, and below bicubic interpolation's."""
    from common.imresize import imresize
    from common.niqe import calculate_niqe

    net = api.load("dgpnet", 4, kind="real")
    assert sum(p.numel() for p in net.parameters()) == 1_943_492
    card = {"painting.png": (6.087, 7.640), "frog.png": (6.262, 7.525)}   # (real-world file, bicubic)
    for name, (real, bicubic) in card.items():
        lr = imread(os.path.join(shared_dir, "datasets", "RealSRSet+5images", "LR", name))
        got = calculate_niqe(api.upscale(net, lr), crop_border=4)
        assert abs(got - real) < 0.02, (name, got)
        assert abs(calculate_niqe(imresize(lr, scale=4), crop_border=4) - bicubic) < 0.02
        assert got < bicubic - 1.0


def test_unknown_kind_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="kind"):
        api.load("dgpnet", 4, kind="gan")
