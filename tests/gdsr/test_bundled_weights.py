"""The bundled reduced GDSR (trained here): what its card (gdsr/weights/README.md) says, on the bundled sets."""
import os

import numpy as np
import pytest

from common.io import scan_images
from gdsr import api
from gdsr.ablation import hr_and_lr, mean_scores, sr_outputs
from tests.conftest import REPO

# the card's figures for the bundled fp16 file: parameters, and per output (PSNR on Y, shave 4; NIQE on Y,
# shave 4), MATLAB-bicubic x4 LR of the bundled sets.
PARAMS = 4_840_457
CARD = {("gan", "Set5"): {"fused": (28.582, 10.530), "low": (29.420, 9.370), "high": (22.031, 10.445)},
        ("gan", "Set14"): {"fused": (26.318, 8.882), "low": (26.627, 7.301), "high": (21.572, 7.610)},
        ("psnr", "Set5"): {"fused": (29.924, 9.122), "low": (29.514, 8.817), "high": (29.810, 9.266)},
        ("psnr", "Set14"): {"fused": (26.978, 7.062), "low": (26.732, 7.068), "high": (26.924, 6.999)}}


def _set(name):
    return os.path.join(REPO, "benchmarks", "data", name, "HR")


def _check(kind, set_name):
    scores = mean_scores(sr_outputs, api.load("gdsr", 4, kind=kind), _set(set_name))
    for key, (psnr, niqe) in CARD[kind, set_name].items():
        assert abs(scores[key]["psnr"] - psnr) < 0.005, key
        assert abs(scores[key]["niqe"] - niqe) < 0.005, key


@pytest.mark.parametrize("kind", api.KINDS)
def test_bundled_gdsr_is_the_reduced_network_in_under_10_mb(kind):
    net = api.load("gdsr", 4, kind=kind)
    assert sum(p.numel() for p in net.parameters()) == PARAMS
    assert os.path.getsize(api.bundled_path(4, kind)) < 10_000_000
    assert api.infer_config(net.state_dict()) == {"nf": 64, "gc": 32, "nb_e": 1, "nb_l_1": 1, "nb_l_2": 1,
                                                  "nb_h_1": 1, "nb_h_2": 1, "nb_m": 1}


@pytest.mark.parametrize("kind", api.KINDS)
def test_bundled_gdsr_scores_as_the_card_says_on_set5(kind):
    _check(kind, "Set5")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of gan, psnr"):
        api.load("gdsr", 4, kind="vgg")


def test_upscale_is_the_fused_output():
    net = api.load("gdsr", 4)
    _, lr = hr_and_lr(scan_images(_set("Set5"))[0])
    assert np.array_equal(api.upscale(net, lr), sr_outputs(net, lr)["fused"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", api.KINDS)
def test_bundled_gdsr_scores_as_the_card_says_on_set14(kind):
    _check(kind, "Set14")
