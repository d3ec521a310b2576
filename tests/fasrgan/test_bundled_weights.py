"""The bundled reduced-size generators (trained here): what the model card says, on the bundled Set5."""
import os

import numpy as np
import pytest

from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.io import imread, scan_images
from common.niqe import calculate_niqe
from fasrgan import api
from tests.conftest import REPO

# (model, kind): (parameters, Set5 x4 PSNR on Y, mean NIQE) of the bundled file as the card gives them;
# bicubic 28.43 / 8.34. RRDBNet nf 64, 6 RRDBs, gc 32; Fs-SRGAN: E (1 RRDB) + G (5 RRDBs).
CARD = {("fasrgan", "psnr"): (4_467_779, 29.991, 8.238), ("fasrgan", "gan"): (4_467_779, 25.055, 6.154),
        ("fs_srgan", "gan"): (4_541_635, 27.045, 6.363)}


@pytest.mark.parametrize("name,kind", sorted(CARD))
def test_bundled_generators_score_as_the_card_says_on_set5(name, kind):
    params, psnr, niqe = CARD[name, kind]
    net = api.load(name, 4, kind=kind)
    assert sum(p.numel() for p in net.parameters()) == params
    assert os.path.getsize(api.bundled_path(name, 4, kind)) < 10_000_000
    scores, niqes = [], []
    for path in scan_images(os.path.join(REPO, "benchmarks", "data", "Set5", "HR")):
        hr = modcrop(imread(path), 4)
        sr = api.upscale(net, bi(hr, 4))
        scores.append(evaluate_pair(sr, hr, 4)["psnr"])
        niqes.append(calculate_niqe(sr, 0))
    assert abs(np.mean(scores) - psnr) < 0.005
    assert abs(np.mean(niqes) - niqe) < 0.005
