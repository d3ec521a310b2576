"""Tiled inference equals whole-image inference within 1 grey level for every method.

Each case runs ``api.upscale(model, lr)`` and ``api.upscale(model, lr, tile=T)`` with the package's
default ``tile_overlap`` (what a user gets) on a bicubic LR crop of Set14 barbara whose sides are
not multiples of the tile, large enough that some tiles really are cut off from the rest of the
image. The default run uses strips (tiles cut along x only, a few seconds per method); the slow
run repeats every method on a crop cut along both axes.

Bundled weights are used where they exist. A random network is kept honest: its last convolution
is rescaled so that its output spans the grey range (an untrained GDSR outputs ~0 everywhere,
which any tiling would match), which scales tile-versus-whole differences by the same factor, and
a random DGPNet's channel-attention gates are made to depend on the input. Where the package uses
``tile_overlap`` as given, the case also checks that tiles without overlap do differ by more than
1 grey level, so the comparison can fail.
"""
import os

import numpy as np
import pytest
import torch
from torch import nn

from common.degradations import bi
from common.io import imread
from tests.conftest import BUNDLED


def _lr(scale, shape):
    hr = imread(os.path.join(BUNDLED, "Set14", "HR", "barbara.png"))[64:]
    h, w = shape
    return bi(np.ascontiguousarray(hr[:h * scale, :w * scale]), scale)


def _spread_output(api, model, lr):
    """Rescale a random network's last convolution so its output on ``lr`` has mean 0.45 and
    standard deviation 0.2 of the [0, 1] range."""
    last = [m for m in model.modules() if isinstance(m, nn.Conv2d)][-1]
    assert last.out_channels == 3
    stats = []
    hook = last.register_forward_hook(lambda mod, inp, out: stats.append((out.mean((0, 2, 3)), out.std())))
    api.upscale(model, lr)
    hook.remove()
    mean, std = stats[0]
    with torch.no_grad():
        last.weight.mul_(0.2 / std)
        last.bias.copy_(0.45 - mean * 0.2 / std)
    return model


def _model(method, scale, lr):
    """(api, network in eval mode): bundled weights where they exist, else a random network."""
    torch.manual_seed(0)
    if method == "jtf_sisr":
        from jtf_sisr import api
        return api, api.load("jtf_sisr", scale)
    if method == "srfbn_s":
        from darsr import api
        return api, api.load("srfbn_s", scale)
    if method == "gdsr":
        from gdsr import api
        try:
            return api, api.load("gdsr", scale)
        except FileNotFoundError:                  # no bundled weights: the authors' init
            return api, _spread_output(api, api.build("gdsr", scale).eval(), lr)
    if method in ("fasrgan", "fs_srgan"):
        from fasrgan import api
        net = api.build(method, scale).eval()
        if method == "fs_srgan":                   # the bundled extractor E, a random G
            net.E.load_state_dict(api.load_extractor().state_dict())
        return api, _spread_output(api, net, lr)
    if method == "dgpnet":
        from dgpnet import api
        net = api.fuse(api.build("dgpnet", scale)).eval()
        with torch.no_grad():                      # random channel-attention gates are ~0.5 whatever the
            for m in net.modules():                # input; make them depend on it, as trained ones do
                if hasattr(m, "ca"):
                    m.ca[1].weight.mul_(10)
                    m.ca[3].weight.mul_(10)
        return api, _spread_output(api, net, lr)
    raise ValueError(method)


STRIPS = [  # method, scale, LR (h, w), tile: one row of tiles
    ("jtf_sisr", 2, (24, 150), 38),            # 4 quadrants of 12 x 75 px (<= 38 x 38), each + the 41 px radius
    ("jtf_sisr", 3, (24, 150), 38),
    ("jtf_sisr", 4, (24, 150), 38),
    ("srfbn_s", 2, (40, 190), 96),             # 96 px tiles sharing 54 px (twice the radius 27)
    ("srfbn_s", 4, (32, 100), 48),             # 48 px tiles sharing 30 px
    ("gdsr", 4, (16, 100), 40),                # 40 px tiles + 32 px context
    ("fasrgan", 4, (16, 100), 40),
    ("fs_srgan", 4, (16, 100), 40),
    ("dgpnet", 4, (40, 112), 36),
]
GRIDS = [  # tiles cut along both axes
    ("jtf_sisr", 2, (96, 120), 48),
    ("jtf_sisr", 3, (96, 120), 48),
    ("jtf_sisr", 4, (96, 120), 48),
    ("srfbn_s", 2, (64, 120), 60),             # tiles must exceed 54 px; 120 = 2 x 60 gives a seam without overlap
    ("srfbn_s", 4, (96, 120), 48),
    ("gdsr", 4, (96, 120), 40),
    ("fasrgan", 4, (96, 120), 40),
    ("fs_srgan", 4, (96, 120), 40),
    ("dgpnet", 4, (96, 120), 40),
]
OVERLAP_AS_GIVEN = ("srfbn_s", "gdsr", "fasrgan", "fs_srgan")   # jtf_sisr raises it to its receptive radius;
                                                               # DGPNet may tile stage-wise without one


def _check(method, scale, shape, tile):
    lr = _lr(scale, shape)
    api, model = _model(method, scale, lr)
    whole = api.upscale(model, lr).astype(int)
    assert whole.shape == (shape[0] * scale, shape[1] * scale, 3) and whole.std() > 20
    tiled = api.upscale(model, lr, tile=tile).astype(int)
    assert np.abs(tiled - whole).max() <= 1
    if method in OVERLAP_AS_GIVEN:    # the comparison can fail: tiles without context differ
        no_context = api.upscale(model, lr, tile=tile, tile_overlap=0).astype(int)
        assert np.abs(no_context - whole).max() > 1


@pytest.mark.parametrize("method, scale, shape, tile", STRIPS, ids=[f"{m}-x{s}" for m, s, _, _ in STRIPS])
def test_tiled_equals_whole_strip(method, scale, shape, tile):
    _check(method, scale, shape, tile)


@pytest.mark.slow
@pytest.mark.parametrize("method, scale, shape, tile", GRIDS, ids=[f"{m}-x{s}" for m, s, _, _ in GRIDS])
def test_tiled_equals_whole_grid(method, scale, shape, tile):
    _check(method, scale, shape, tile)
