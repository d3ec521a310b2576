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
