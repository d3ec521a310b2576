"""The frozen SR network DARSR corrects its LR images for (SRFBN-S): build, load, and whole or tiled SR.

``darsr.api`` exposes these under the package contract (docs/api.md); ``darsr.learner`` uses them
directly, so the learner does not import the api (which imports the learner for ``correct``).
"""
import os

import torch

from common.io import load_checkpoint
from common.precision import autocast
from common.upscale import as_given, check_image, check_tiling, model_device, tiled
from common.upscale import to_tensor as _to_tensor
from common.upscale import to_uint8
from darsr.networks.srfbn import PROJECTION, SRFBN

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
SCALES = (2, 4)


def check_scale(scale):
    if scale not in SCALES:
        raise ValueError(f"srfbn_s: scale must be one of {SCALES} (bundled SRFBN-S weights), got {scale}")


def build(scale, **cfg):
    """A fresh SRFBN-S (``cfg`` may override num_features, num_steps, num_groups)."""
    check_scale(scale)
    return SRFBN(scale=scale, **cfg)


def load(scale, weights=None, device="cpu"):
    """SRFBN-S in eval mode with frozen parameters; ``weights=None`` uses darsr/weights/SRFBN-S_x{s}_BI.pth.

    The authors' checkpoints (``module.``-prefixed, legacy pickle) load as they are; the
    MeanShift tensors come from the file.
    """
    check_scale(scale)
    path = weights or os.path.join(WEIGHTS_DIR, f"SRFBN-S_x{scale}_BI.pth")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: SRFBN-S x{scale} weights not found; pass weights=<path to .pth>")
    model = SRFBN(scale=scale)
    model.load_state_dict(load_checkpoint(path))
    model.eval().requires_grad_(False)
    return model.to(device, memory_format=torch.channels_last)   # the faster layout on CPU (see upscale)


def to_tensor(img, device="cpu"):
    """uint8 HxWx3 (or HxW, replicated to RGB) -> 1x3xHxW float in [0, 1]."""
    return _to_tensor(check_image(img), device)


def to_image(x):
    """1x3xHxW float in [0, 1] -> uint8 HxWx3 (clipped, rounded half up)."""
    return to_uint8(x)


def sr_forward(model, x):
    """SRFBN-S on a [0, 1] batch; returns the last step's output in [0, 1] (unclipped, float32
    also under bf16/fp16 autocast)."""
    return model(x * 255.0)[-1].float() / 255.0


def receptive_radius(model):
    """How far (LR pixels) an SRFBN output pixel sees: each up/down projection pair reaches
    (k - 1) // s LR pixels, num_groups pairs per step, num_steps steps; 3 more for conv_in, the
    output deconvolution, conv_out and the bilinear skip. Exact for SRFBN-S x2 (27), 1 above the
    measured support of the input gradient at x3/x4/x8 (x4: 14)."""
    k, s, _ = PROJECTION[model.scale]
    return model.num_steps * model.block.num_groups * ((k - 1) // s) + 3


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """SRFBN-S of one uint8 image (gray is replicated to RGB); uint8 (H*s)x(W*s)x3.

    ``tile=N`` runs N x N LR tiles with ``tile_overlap`` LR pixels of context per side; None is the
    receptive radius (x2: 27, x4: 15), which makes the tiled result equal the whole-image one up
    to float rounding. ``precision`` ('fp32', 'fp16' or 'bf16', ``common.precision``) runs the
    forward under autocast on the model's device; the output is cast to float32 before rounding.
    """
    img = check_image(img)
    check_tiling(tile, tile_overlap)
    device = model_device(model)
    # channels_last input (load() converts the weights too): 1.6x faster SRFBN-S inference on CPU
    # (benchmarks.bench_inference_modes), same output up to float rounding
    x = _to_tensor(img, device).contiguous(memory_format=torch.channels_last)
    with as_given(model), torch.inference_mode(), autocast(precision, device):
        if tile is None:
            return to_uint8(sr_forward(model, x))
        overlap = receptive_radius(model) if tile_overlap is None else tile_overlap
        return to_uint8(tiled(lambda t: sr_forward(model, t), x, model.scale, tile, overlap))
