"""The package's contract (DESIGN.md): build / load / upscale for JTF-SISR and the EDSR baseline."""
import numpy as np
import torch

import os

from jtf_sisr import weights as bundled
from jtf_sisr.model import make_network, tiled_forward
from jtf_sisr.model.common import count_lr_radius
from jtf_sisr.option import build_parser

MODELS = ("jtf_sisr", "edsr")
WEIGHTS_NOTE = "preview weights (jtf_sisr/weights/README.md)"
_NAMES = {"jtf_sisr": "model", "edsr": "EDSR"}


def _args(name, scale, **cfg):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; jtf_sisr builds {MODELS}")
    args = build_parser().parse_args([])
    args.model, args.scale = _NAMES[name], [int(scale)]
    for key, value in cfg.items():
        if not hasattr(args, key):
            raise ValueError(f"unknown option {key!r} for {name}")
        setattr(args, key, value)
    return args


def build(name, scale, **cfg):
    """A fresh network (inputs and outputs in [0, 255]; eval mode returns the SR image only)."""
    net = make_network(_args(name, scale, **cfg))
    net.scale = int(scale)
    return net


def load(name, scale, weights=None):
    """The network with the bundled preview weights, or a given file; eval mode."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; jtf_sisr builds {MODELS}")
    path = weights or bundled.bundled_path(_NAMES[name], scale)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no {name} weights for x{scale}; pass weights=<model_best.pt>")
    state, arch = bundled.read(path)
    arch.pop("model", None)
    net = build(name, scale, **arch)
    net.load_state_dict(state)
    return net.eval()


@torch.inference_mode()
def upscale(model, img, tile=None, tile_overlap=32):
    """uint8 HxWx3 (or HxW gray, replicated) -> uint8 (H*s)x(W*s)x3. ``tile`` splits the LR into
    tiles of at most tile x tile pixels, each extended by at least the receptive-field radius, so
    the result equals the whole-image one."""
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float()[None]
    model.eval()
    if tile:
        overlap = max(tile_overlap, count_lr_radius(model))
        y = tiled_forward(model, x, model.scale, tile * tile, overlap)
    else:
        y = model(x)
    return y[0].clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
