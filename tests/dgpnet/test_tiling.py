"""Tiled inference (dgpnet.utils.tiling, api.upscale(tile=...)) equals the whole-image forward.

The networks get seeded random weights with strong, channel-dependent channel attention (CA
biases far from 0 and larger CA weights), and the test image has regions of very different
brightness, so that attention computed per tile would visibly change the result.
"""
import numpy as np
import pytest
import torch

from dgpnet import api
from dgpnet.archs import DGPNet, MSRResNet, fuse
from dgpnet.models.net_utils import tensor2img
from dgpnet.utils import tiling
from dgpnet.utils.tiling import run
from tests.dgpnet.conftest import perturb

SMALL = dict(num_feat=16, num_block=2, reduction=4)


def _net(scale, fused=True, seed=0, **cfg):
    """A small DGPNet in eval mode whose channel gates are far from 0.5 and differ per channel."""
    torch.manual_seed(seed)
    net = perturb(DGPNet(upscale=scale, **dict(SMALL, **cfg)), seed=seed, std=0.01)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for block in net.body:
            for att in (block.att1, block.att2):
                if att.att == "ca":
                    att.ca[1].weight.mul_(6)
                    att.ca[3].weight.mul_(6)
                    att.ca[3].bias.copy_(torch.randn(att.ca[3].bias.shape, generator=g) * 2)
    net = net.eval()
    return fuse(net) if fused else net


def _image(h, w, seed=0):
    """uint8 RGB: a horizontal ramp plus noise, with a dark top-left corner."""
    rng = np.random.default_rng(seed)
    img = 0.7 * np.linspace(0, 1, w)[None, :, None] * np.array([1.0, 0.3, 0.7]) + 0.3 * rng.random((h, w, 3))
    img[: h // 2, : w // 3] *= 0.2
    return (img * 255).astype(np.uint8)


def _tensor(img):
    return torch.from_numpy(img.transpose(2, 0, 1).copy()).float().div(255)[None]


def _rel(a, b):
    return float((a - b).abs().max() / (b.max() - b.min()))


def _grey(a, b):
    return int(np.abs(a.astype(int) - b.astype(int)).max())


def _per_tile(net, x, tile, overlap):
    """The old tiling: every tile, with ``overlap`` pixels of context, through the whole network."""
    s, (_, _, h, w) = net.upscale, x.shape
    out = torch.zeros(x.shape[0], 3, h * s, w * s)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa, yb, xb = max(y0 - overlap, 0), max(x0 - overlap, 0), min(y1 + overlap, h), min(x1 + overlap, w)
            y = net(x[:, :, ya:yb, xa:xb])
            out[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = y[:, :, (y0 - ya) * s:(y1 - ya) * s, (x0 - xa) * s:(x1 - xa) * s]
    return out


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("scale", [2, 4])
def test_tiled_equals_whole(fused, scale):
    net = _net(scale, fused)
    img = _image(40, 52)
    x = _tensor(img)
    with torch.inference_mode():
        whole = net(x)
    whole_u8 = api.upscale(net, img)
    assert np.array_equal(whole_u8, tensor2img(whole))
    for tile in (7, 16, 25, 64):            # 7, 16, 25 do not divide 40x52; 64 is larger than the image
        with torch.inference_mode():
            tiled = run(net, x, tile, tile_overlap=0)     # the exact path needs no overlap
        assert _rel(tiled, whole) < 1e-4, tile
        assert _grey(api.upscale(net, img, tile=tile), whole_u8) <= 1, tile


@pytest.mark.parametrize("cfg", [dict(upscale=2, tail="standard"),
                                 dict(upscale=2, feat_skip=True, skip_up="bicubic"),
                                 dict(upscale=3, tail="standard", feat_skip=True, skip_up="bicubic"),
                                 dict(upscale=4, skip_up="nearest", feat_skip=True),
                                 dict(upscale=1)])
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
def test_tiled_equals_whole_tail_options(cfg, fused):
    cfg = dict(cfg)
    net = _net(cfg.pop("upscale"), fused, **cfg)
    x = _tensor(_image(23, 30, seed=1))
    with torch.inference_mode():
        whole = net(x)
        for tile in (6, 11):
            assert _rel(run(net, x, tile), whole) < 1e-4, tile


def test_stage_tiles_are_capped(monkeypatch):
    """Tiles larger than STAGE_TILE are split (the result is the same, only memory changes)."""
    monkeypatch.setattr(tiling, "STAGE_TILE", 16)
    net = _net(2)
    x = _tensor(_image(40, 52))
    with torch.inference_mode():
        whole = net(x)
        crops = []
        net.head.register_forward_pre_hook(lambda module, args: crops.append(args[0].shape[-2:]))
        assert _rel(run(net, x, 64), whole) < 1e-4
    assert len(crops) == 3 * 4 and max(max(c) for c in crops) == 16 + 2     # 16 x 16 head tiles, halo 1


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (5, 4), (3, 9)])
def test_tiny_images(size):
    net = _net(4)
    img = _image(*size)
    whole = api.upscale(net, img)
    assert whole.shape == (size[0] * 4, size[1] * 4, 3)
    for tile in (1, 2, 3, 16):
        assert _grey(api.upscale(net, img, tile=tile), whole) <= 1, tile


def test_batch_gates_are_per_image():
    net = _net(2)
    x = torch.cat([_tensor(_image(20, 26, seed=2)), _tensor(_image(20, 26, seed=3)[::-1].copy())])
    with torch.inference_mode():
        assert _rel(run(net, x, 9), net(x)) < 1e-4


def test_per_tile_attention_would_fail():
    """Teeth: on the same setup, attention pooled per tile (the old tiling) is off by many grey levels."""
    net = _net(2)
    img = _image(40, 52)
    x = _tensor(img)
    whole = api.upscale(net, img)
    with torch.inference_mode():
        old = tensor2img(_per_tile(net, x, 16, overlap=16))    # overlap >= receptive radius 2N + 2
    assert _grey(old, whole) > 3
    assert _grey(api.upscale(net, img, tile=16), whole) <= 1


def test_no_attention_and_other_models_keep_overlap_tiling():
    img = _image(21, 30)
    x = _tensor(img)
    for net in (_net(2, att="none"), MSRResNet(num_feat=8, num_block=1, upscale=2).eval()):
        with torch.inference_mode():
            whole = net(x)
            assert _rel(run(net, x, 8, tile_overlap=8), whole) < 1e-4       # overlap >= receptive radius
            assert _rel(run(net, x, 8, tile_overlap=0), whole) > 1e-3       # the overlap is what is used
        assert _grey(api.upscale(net, img, tile=8, tile_overlap=8), api.upscale(net, img)) <= 1


def test_bad_tile_arguments():
    net = _net(2)
    x = torch.rand(1, 3, 8, 8)
    for tile, overlap in ((0, 4), (4, -1)):
        with pytest.raises(ValueError, match="tile"):
            run(net, x, tile, overlap)
