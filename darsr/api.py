"""The package's contract (docs/api.md): build / load / upscale, plus DARSR's ``correct``.

Two models:

* ``srfbn_s``: the frozen SR network alone (SRFBN-S, bundled authors' weights at x2 and x4);
* ``darsr``: the whole per-image method. ``upscale`` estimates the kernel (and, with DARM, learns the
  correction filter) on the given image, corrects it and super-resolves it with the model's SRFBN-S.
  ``build`` uses the ``tiny`` preset (4 iterations, for tests), ``load`` the ``fast`` one (KernelGAN's kernel
  and the closed-form correction; ``correction="darm"`` for DARM); every option of ``darsr/options.py``
  (``preset``, ``num_iters``, ``seed``, ...) may be passed to either.
"""
import copy

import numpy as np
import torch

from common.upscale import check_image, check_tiling, model_device
from darsr import frozen_sr
from darsr.frozen_sr import SCALES, WEIGHTS_DIR, receptive_radius, sr_forward, to_image, to_tensor

__all__ = ["MODELS", "SCALES", "WEIGHTS_DIR", "DARSR", "build", "load", "upscale", "correct", "to_tensor",
           "to_image", "sr_forward", "receptive_radius"]

MODELS = ("srfbn_s", "darsr")


class DARSR(torch.nn.Module):
    """DARSR as one upscaler: the frozen SR network and the options of the per-image procedure."""

    def __init__(self, sr, **options):
        super().__init__()
        self.sr = sr
        self.options = dict(options)
        _config(self.scale, "cpu", "fp32", **self.options)       # unknown or invalid options fail here

    @property
    def scale(self):
        return self.sr.scale


def _check_name(name):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; darsr builds {', '.join(MODELS)}")


def _config(scale, device, precision, **options):
    from darsr.options import ConfigError, build_parser, make_config

    known = vars(build_parser().parse_args([]))
    unknown = [k for k in options if k not in known]
    if unknown:
        raise TypeError(f"darsr: unknown options {', '.join(unknown)} (see darsr/options.py)")
    try:
        return make_config(scale_factor=scale, device=str(device), precision=precision, **options)
    except ConfigError as exc:
        raise ValueError(f"darsr: {exc}") from None


def build(name, scale, **cfg):
    """A fresh network: SRFBN-S (``cfg``: num_features, num_steps, num_groups), or DARSR around a
    fresh SRFBN-S (``cfg``: options of darsr/options.py; preset ``tiny`` unless given)."""
    _check_name(name)
    if name == "srfbn_s":
        return frozen_sr.build(scale, **cfg)
    return DARSR(frozen_sr.build(scale), **{"preset": "tiny", **cfg})


def load(name, scale, weights=None, device="cpu", **cfg):
    """SRFBN-S in eval mode with frozen parameters (``weights=None``: darsr/weights/SRFBN-S_x{s}_BI.pth),
    or DARSR around it (``cfg``: options of darsr/options.py; preset ``fast`` unless given)."""
    _check_name(name)
    if name == "srfbn_s" and cfg:
        raise TypeError(f"srfbn_s: unknown options {', '.join(cfg)}")
    sr = frozen_sr.load(scale, weights, device)
    return sr if name == "srfbn_s" else DARSR(sr, **{"preset": "fast", **cfg}).eval()


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """Super-resolve one uint8 image (gray is replicated to RGB): uint8 (H*s)x(W*s)x3.

    SRFBN-S: one forward pass. DARSR: the per-image procedure (``learner.run_image``) with the
    model's SRFBN-S, on the model's device; ``precision`` applies to its training and correction,
    the SR of the corrected LR is fp32 (as ``darsr/main.py``). ``tile``/``tile_overlap``: the SR
    runs over N x N LR tiles with that many LR pixels of context per side (None: SRFBN's receptive
    radius, exact). The model is left as given: DARSR trains on a copy of its SRFBN-S.
    """
    if not isinstance(model, DARSR):
        return frozen_sr.upscale(model, img, tile, tile_overlap, precision)
    from darsr.learner import run_image

    img = check_image(img)
    check_tiling(tile, tile_overlap)
    device = model_device(model.sr)
    conf = _config(model.scale, device, precision, **model.options)
    conf.tile = tile or 0                 # the SR of the corrected LR inside run_image
    sr = copy.deepcopy(model.sr).eval().requires_grad_(False)
    result = run_image(img, conf, sr_net=sr)
    if tile_overlap is None:
        return result["ours"]
    return frozen_sr.upscale(sr, result["corrected"], tile, tile_overlap)


def correct(lr, scale, iters=None, seed=0, preset="fast", device="cpu", precision="fp32", **overrides):
    """Run DARSR on one uint8 LR image; returns (corrected LR, SR, kernel).

    ``iters`` overrides the preset's iterations: DARM's joint stage (``num_iters``) and, for the fast preset's
    closed-form correction, KernelGAN's (``kernelgan_iters``); ``precision`` is
    ``--precision`` (fp32, fp16 on CUDA, bf16); any other option of ``darsr/options.py``
    (``dsem_iters``, ``batch_size``, ``darm_init``, ...) may be passed as a keyword.
    """
    from darsr.learner import run_image
    from darsr.options import make_config

    if iters is not None:
        overrides["num_iters"] = overrides["kernelgan_iters"] = int(iters)
    conf = make_config(scale_factor=scale, seed=seed, preset=preset, device=device, precision=precision,
                       **overrides)
    result = run_image(np.asarray(lr), conf)
    return result["corrected"], result["ours"], result["kernel"]
