"""The package contract (docs/api.md): MODELS, build, load, upscale; plus fuse and convert.

    from dgpnet import api
    net = api.load("dgpnet", 4)                       # the bundled bicubic-trained file, when it ships
    net = api.load("dgpnet", 4, weights="experiments/x/models/net_g_latest.pth")  # fused, eval
    sr = api.upscale(net, lr_uint8_rgb, tile=256)
"""
import os

import torch

from common.precision import autocast
from common.upscale import as_given, check_image, check_tiling, to_tensor, to_uint8
from dgpnet.archs import PRESETS, DGPNet
from dgpnet.archs.reparam import convert, fuse
from dgpnet.models.net_utils import load_weights
from dgpnet.utils.tiling import run

__all__ = ["MODELS", "build", "load", "upscale", "fuse", "convert"]

MODELS = ("dgpnet", "dgpnet_s")
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
DEFAULT_OVERLAP = 32   # LR pixels of context per tile side (overlap tiling only)


def _check_name(name):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def build(name, scale, **cfg):
    """A fresh (unfused, trainable) DGPNet preset; ``cfg`` overrides DGPNet's arguments."""
    _check_name(name)
    return DGPNet(**dict(PRESETS[name], upscale=scale, **cfg))


def bundled_path(name, scale, kind="bicubic"):
    """Where the bundled fused export of ``name`` at ``scale`` lives: ``weights/DGPNet_x4.pth`` (bicubic-trained)
    or, with ``kind="real"``, ``weights/DGPNet_real_x4.pth`` (synthetic real-world degradations)."""
    stem = {"dgpnet": "DGPNet", "dgpnet_s": "DGPNet-S"}[name]
    return os.path.join(WEIGHTS_DIR, f"{stem}{'_real' if kind == 'real' else ''}_x{scale}.pth")


def load(name, scale, weights=None, fused=True, kind="bicubic"):
    """DGPNet with ``weights`` (a train.py ``net_g_*.pth`` or a fuse.py export), in eval mode.

    The returned network is fused (plain convolutions only) unless ``fused=False``. ``weights=None``: the
    bundled file of ``kind`` ("bicubic" or "real", ``bundled_path``; weights trained here, as the authors have
    released none), an error naming it when it does not ship.
    """
    _check_name(name)
    if kind not in ("bicubic", "real"):
        raise ValueError(f"kind must be 'bicubic' or 'real', got {kind!r}")
    if weights is None:
        weights = bundled_path(name, scale, kind)
        if not os.path.isfile(weights):
            raise FileNotFoundError(f"{weights}: no bundled weights for {name} x{scale} (the authors released none); "
                                    "pass weights=<net_g_*.pth from dgpnet/train.py or a dgpnet/fuse.py export>")
    net, was_fused = load_weights(dict(PRESETS[name], type="DGPNet", upscale=scale), weights)
    if net.upscale != scale:
        raise ValueError(f"{weights}: the checkpoint is x{net.upscale}, not x{scale}")
    if fused and not was_fused:
        net = fuse(net)
    elif not fused and was_fused:
        raise ValueError(f"{weights}: holds fused weights; the unfused network cannot be recovered")
    return net.eval()


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """Super-resolve a uint8 HxWx3 RGB image (HxW gray is replicated); (H*s)x(W*s)x3 uint8; docs/api.md.

    ``tile`` (LR pixels) bounds the memory. A DGPNet with channel attention (``att='ca'``, the
    default) then runs stage by stage over tiles (at most 128 pixels) with exactly the context each
    stage needs, so every attention still pools over the whole image and the result equals the
    whole-image one within rounding (at most 1 grey level); ``tile_overlap`` has nothing to add
    there and is only checked. Each block is computed twice (measured: 1.2-1.3x the whole-image time
    on CPU). Other models (``att='none'``, converted networks) run each tile with ``tile_overlap`` LR
    pixels of context per side (None: 32), exact when it is at least the receptive radius (2 N + 2
    LR pixels for DGPNet).
    ``precision`` (fp32, fp16, bf16) is the autocast dtype of the forward on the model's device
    (``common.precision``: fp16 needs CUDA, bf16 on a CPU needs native bf16); fp32 is the plain forward.
    """
    img = check_image(img)
    check_tiling(tile, tile_overlap)
    p = next(model.parameters())
    x = to_tensor(img, p.device).to(p.dtype)
    overlap = DEFAULT_OVERLAP if tile_overlap is None else tile_overlap
    with as_given(model), torch.inference_mode(), autocast(precision, p.device):
        y = run(model, x, tile, overlap)
    return to_uint8(y)
