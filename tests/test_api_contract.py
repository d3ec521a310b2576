"""The api contract of docs/api.md, checked the same way for every model of the five packages.

Tiny random networks (``api.build``) on a tiny random image; DARSR runs its per-image procedure with
one DSEM and one joint iteration.
"""
import importlib
import inspect

import numpy as np
import pytest
import torch

from common.upscale import ImageInputError
from tests.darsr.conftest import synthetic_hr

PACKAGES = ("jtf_sisr", "gdsr", "darsr", "fasrgan", "dgpnet")

# name -> (package, scale, build options, LR height and width)
CASES = {
    "jtf_sisr": ("jtf_sisr", 2, dict(n_feats=8, n_resblocks=1, n_stages=1, jtf_groups=2), (14, 12)),
    "edsr": ("jtf_sisr", 2, dict(n_feats=8, n_resblocks=1), (14, 12)),
    "gdsr": ("gdsr", 2, dict(nf=8, gc=4, nb_e=1, nb_l_1=1, nb_l_2=1, nb_h_1=1, nb_h_2=1, nb_m=1), (14, 12)),
    "srfbn_s": ("darsr", 2, dict(num_features=8, num_steps=2, num_groups=1), (14, 12)),
    "darsr": ("darsr", 2, dict(num_iters=1, dsem_iters=1), (56, 56)),
    "fasrgan": ("fasrgan", 4, dict(nf=8, nb=1, gc=4), (14, 12)),
    "fs_srgan": ("fasrgan", 4, dict(nf=8, nb=1, gc=4), (14, 12)),
    "dgpnet": ("dgpnet", 2, dict(num_feat=8, num_block=1), (14, 12)),
    "dgpnet_s": ("dgpnet", 2, dict(num_feat=8, num_block=1), (14, 12)),
}

BAD_IMAGES = {
    "float32": np.zeros((8, 8, 3), np.float32),
    "uint16": np.zeros((8, 8, 3), np.uint16),
    "four channels": np.zeros((8, 8, 4), np.uint8),
    "empty": np.zeros((0, 8, 3), np.uint8),
    "one channel axis": np.zeros((8, 8, 1), np.uint8),
    "not an image": np.zeros(8, np.uint8),
}
MESSAGE = r"^upscale: expected a uint8 HxWx3 or HxW image, got \w+ of shape \(.*\)$"
TILED_TOLERANCE = 0   # grey levels, when one tile covers the whole image


def api_of(package):
    return importlib.import_module(f"{package}.api")


def state_of(model):
    """Everything upscale must leave as it was: per-module mode, per-tensor values, layout, device, grad flag."""
    tensors = {k: (t.detach().clone(), t.stride(), t.device, t.requires_grad)
               for k, t in list(model.named_parameters()) + list(model.named_buffers())}
    return [m.training for m in model.modules()], tensors


def assert_same_state(before, after):
    assert before[0] == after[0], "train/eval flags changed"
    assert before[1].keys() == after[1].keys()
    for k, (value, stride, device, grad) in before[1].items():
        v2, s2, d2, g2 = after[1][k]
        assert torch.equal(value, v2) and stride == s2 and device == d2 and grad == g2, k


def fresh(name):
    package, scale, cfg, (h, w) = CASES[name]
    api = api_of(package)
    torch.manual_seed(0)
    model = api.build(name, scale, **cfg)
    img = synthetic_hr(h, w) if name == "darsr" else np.random.default_rng(0).integers(0, 256, (h, w, 3), np.uint8)
    return api, model, scale, img


def test_every_model_is_covered():
    assert sorted(CASES) == sorted(m for p in PACKAGES for m in api_of(p).MODELS)


@pytest.mark.parametrize("package", PACKAGES)
def test_signatures(package):
    api = api_of(package)
    assert isinstance(api.MODELS, tuple) and api.MODELS
    build = list(inspect.signature(api.build).parameters.values())
    assert [p.name for p in build[:2]] == ["name", "scale"] and build[2].kind is inspect.Parameter.VAR_KEYWORD
    load = list(inspect.signature(api.load).parameters.values())
    assert [p.name for p in load[:3]] == ["name", "scale", "weights"] and load[2].default is None
    assert all(p.default is not inspect.Parameter.empty or p.kind is inspect.Parameter.VAR_KEYWORD
               for p in load[3:])                              # anything beyond the contract is optional
    upscale = inspect.signature(api.upscale).parameters
    assert [(p.name, p.default) for p in upscale.values()] == [
        ("model", inspect.Parameter.empty), ("img", inspect.Parameter.empty), ("tile", None),
        ("tile_overlap", None), ("precision", "fp32")]


@pytest.mark.parametrize("package", PACKAGES)
def test_build_and_load_errors(package):
    api = api_of(package)
    name = api.MODELS[0]
    scale = CASES[name][1]
    with pytest.raises(ValueError, match="unknown model"):
        api.build("no_such_model", scale)
    with pytest.raises(TypeError, match="no_such_option"):
        api.build(name, scale, no_such_option=1)
    with pytest.raises(FileNotFoundError, match="missing_weights.pth"):
        api.load(name, scale, weights="/nonexistent/missing_weights.pth")


@pytest.mark.parametrize("name", sorted(CASES))
def test_upscale(name):
    api, model, scale, img = fresh(name)
    model.train()                              # a caller's model in training mode must stay so
    before = state_of(model)
    sr = api.upscale(model, img)
    assert_same_state(before, state_of(model))
    assert sr.shape == (img.shape[0] * scale, img.shape[1] * scale, 3) and sr.dtype == np.uint8

    gray = api.upscale(model, img[:, :, 0])
    assert gray.shape == sr.shape and gray.dtype == np.uint8

    tile = max(img.shape[:2])                  # one tile covers the image: no seam may appear
    tiled = api.upscale(model, img, tile=tile, tile_overlap=4)
    assert np.abs(tiled.astype(int) - sr).max() <= TILED_TOLERANCE
    assert_same_state(before, state_of(model))


@pytest.mark.parametrize("name", ["jtf_sisr", "gdsr", "srfbn_s", "fasrgan", "dgpnet"])
def test_channels_last_caller_model_is_kept(name):
    api, model, _, img = fresh(name)
    model = model.eval().to(memory_format=torch.channels_last)
    before = state_of(model)
    api.upscale(model, img)
    assert_same_state(before, state_of(model))


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("bad", sorted(BAD_IMAGES))
def test_bad_images_one_error(package, bad):
    api = api_of(package)
    name = api.MODELS[0]
    _, model, _, _ = fresh(name)
    with pytest.raises(ImageInputError, match=MESSAGE):
        api.upscale(model, BAD_IMAGES[bad])


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("tile, overlap", [(0, None), (-3, None), (8, -1), (2.5, None)])
def test_bad_tiling_is_a_value_error(package, tile, overlap):
    api = api_of(package)
    _, model, _, img = fresh(api.MODELS[0])
    with pytest.raises(ValueError, match="^upscale: tile"):
        api.upscale(model, img, tile=tile, tile_overlap=overlap)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", ["jtf_sisr", "gdsr", "srfbn_s", "fasrgan", "dgpnet"])
def test_input_follows_the_model_device(name):
    api, model, scale, img = fresh(name)
    model = model.cuda()
    sr = api.upscale(model, img)
    assert sr.shape == (img.shape[0] * scale, img.shape[1] * scale, 3)
    assert next(model.parameters()).is_cuda
