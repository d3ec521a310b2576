"""The bundled reduced-size RRDBNet PSNR stage (trained here): what the model card says, on the bundled Set5."""
import os

import numpy as np

from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.io import imread, scan_images
from fasrgan import api
from tests.conftest import REPO


def test_bundled_psnr_stage_reaches_29_9_db_on_set5():
    net = api.load("fasrgan", 4, kind="psnr")
    assert sum(p.numel() for p in net.parameters()) == 4_467_779          # RRDBNet nf 64, 6 RRDBs, gc 32
    assert os.path.getsize(api.bundled_path("fasrgan", 4, "psnr")) < 10_000_000
    scores = []
    for path in scan_images(os.path.join(REPO, "benchmarks", "data", "Set5", "HR")):
        hr = modcrop(imread(path), 4)
        scores.append(evaluate_pair(api.upscale(net, bi(hr, 4)), hr, 4)["psnr"])
    assert abs(np.mean(scores) - 29.991) < 0.005    # the card's figure; bicubic 28.42
