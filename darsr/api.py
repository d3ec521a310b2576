"""The package's contract (DESIGN.md): build/load/upscale for SRFBN-S, plus DARSR's ``correct``."""
import os

import numpy as np
import torch

from common.io import load_checkpoint
from common.precision import autocast
from darsr.networks.srfbn import PROJECTION, SRFBN

__all__ = ["MODELS", "WEIGHTS_DIR", "build", "load", "upscale", "correct", "to_tensor", "to_image", "sr_forward",
           "receptive_radius"]

MODELS = ("srfbn_s",)
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
SCALES = (2, 4)


def _check(name, scale):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; darsr builds {MODELS}")
    if scale not in SCALES:
        raise ValueError(f"{name}: scale must be one of {SCALES} (bundled SRFBN-S weights), got {scale}")


def build(name="srfbn_s", scale=2, **cfg):
    """A fresh SRFBN-S (``cfg`` may override num_features, num_steps, num_groups)."""
    _check(name, scale)
    return SRFBN(scale=scale, **cfg)


def load(name="srfbn_s", scale=2, weights=None, device="cpu"):
    """SRFBN-S in eval mode with frozen parameters; ``weights=None`` uses darsr/weights/SRFBN-S_x{s}_BI.pth.

    The authors' checkpoints (``module.``-prefixed, legacy pickle) load as they are; the
    MeanShift tensors come from the file.
    """
    _check(name, scale)
    path = weights or os.path.join(WEIGHTS_DIR, f"SRFBN-S_x{scale}_BI.pth")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: SRFBN-S x{scale} weights not found; pass weights=<path to .pth>")
    model = SRFBN(scale=scale)
    model.load_state_dict(load_checkpoint(path))
    model.eval().requires_grad_(False)
    return model.to(device, memory_format=torch.channels_last)   # the faster layout on CPU (see upscale)


def to_tensor(img, device="cpu"):
    """uint8 HxWx3 (or HxW, replicated to RGB) -> 1x3xHxW float in [0, 1]."""
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"expected a uint8 HxWx3 or HxW image, got {img.dtype} {img.shape}")
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float().div(255).to(device)


def to_image(x):
    """1x3xHxW float in [0, 1] -> uint8 HxWx3 (clipped and rounded)."""
    x = x.detach()[0].clamp(0, 1).mul(255).round().byte()
    return x.permute(1, 2, 0).cpu().numpy()


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


def _tiles(length, tile, overlap):
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step)) + [length - tile]
    return sorted(set(starts))


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """Super-resolve one uint8 image with SRFBN-S; gray input is replicated to RGB (RGB out).

    ``precision`` ('fp32', 'fp16' or 'bf16', see ``common.precision``) runs the forward pass under
    autocast on the model's device (fp32: no autocast, the unchanged result); the output is cast to
    float32 before rounding. A precision the device cannot run raises ``PrecisionError``.

    ``tile=N`` runs N x N LR tiles, neighbours sharing ``tile_overlap`` LR pixels; each output
    pixel is taken from the tile where it lies farthest from a tile border, so it has at least
    ``tile_overlap // 2`` pixels of context. ``tile_overlap=None`` is twice the receptive radius
    (x2: 54, x4: 30), which makes the tiled result equal the whole-image one up to float rounding;
    ``tile`` must then be larger than that.
    """
    s = model.scale
    device = next(model.parameters()).device
    # channels_last (load() converts the weights too): 1.6x faster SRFBN-S inference on CPU
    # (benchmarks.bench_inference_modes), same output up to float rounding
    x = to_tensor(img, device).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode(), autocast(precision, device):
        if tile is None or (x.shape[-2] <= tile and x.shape[-1] <= tile):
            return to_image(sr_forward(model, x))
        default = tile_overlap is None
        if default:
            tile_overlap = 2 * receptive_radius(model)
        if tile_overlap >= tile:
            why = f", twice SRFBN x{s}'s receptive radius (the default, exact)" if default else ""
            raise ValueError(f"tile_overlap ({tile_overlap}{why}) must be smaller than tile ({tile})")
        h, w = x.shape[-2:]
        out = torch.zeros(1, 3, h * s, w * s, device=device)
        ys, xs = _tiles(h, tile, tile_overlap), _tiles(w, tile, tile_overlap)

        def bounds(starts, i, length):
            # the interior region this tile owns: split overlaps at their midpoints
            th = min(tile, length)
            lo = 0 if i == 0 else (starts[i - 1] + th + starts[i]) // 2
            hi = length if i == len(starts) - 1 else (starts[i] + th + starts[i + 1]) // 2
            return lo, hi

        for i, y0 in enumerate(ys):
            r0, r1 = bounds(ys, i, h)
            for j, x0 in enumerate(xs):
                c0, c1 = bounds(xs, j, w)
                patch = x[..., y0:y0 + min(tile, h), x0:x0 + min(tile, w)]
                sr = sr_forward(model, patch)
                out[..., r0 * s:r1 * s, c0 * s:c1 * s] = sr[..., (r0 - y0) * s:(r1 - y0) * s,
                                                             (c0 - x0) * s:(c1 - x0) * s]
        return to_image(out)


def correct(lr, scale, iters=None, seed=0, preset="fast", device="cpu", precision="fp32", **overrides):
    """Run DARSR on one uint8 LR image; returns (corrected LR, SR, kernel).

    ``iters`` overrides the preset's joint-stage iterations (``num_iters``); ``precision`` is
    ``--precision`` (fp32, fp16 on CUDA, bf16); any other option of ``darsr/options.py``
    (``dsem_iters``, ``batch_size``, ``darm_init``, ...) may be passed as a keyword.
    """
    from darsr.learner import run_image
    from darsr.options import make_config

    if iters is not None:
        overrides["num_iters"] = int(iters)
    conf = make_config(scale_factor=scale, seed=seed, preset=preset, device=device, precision=precision,
                       **overrides)
    result = run_image(np.asarray(lr), conf)
    return result["corrected"], result["ours"], result["kernel"]
