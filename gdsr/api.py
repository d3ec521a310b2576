"""The package's contract for benchmarks, tests and user scripts (docs/api.md).

    from gdsr import api
    model = api.load("gdsr", 4)                  # the bundled reduced GDSR (kind="psnr": its L1 stage)
    model = api.load("gdsr", 4, weights="experiments/GDSR_x4_DIV2K/models/latest_G.pth")
    sr = api.upscale(model, lr_uint8_rgb, tile=256)

``upscale`` returns SR_fused, the output the authors evaluate. A gray HxW image is replicated to
three channels and the result is RGB (HxWx3); RGBA input is refused (read it with common.io.imread,
which drops alpha).
"""
import os

import torch

from common.io import load_checkpoint
from common.precision import autocast
from common.upscale import as_given, check_image, check_tiling, model_device, to_tensor, to_uint8  # noqa: F401 (gdsr/test.py)
from gdsr.archs.gdsr_arch import GDSRNet, init_weights, remap_legacy_keys
from gdsr.models.base_model import load_weights

MODELS = ("gdsr",)
BUNDLED = {"gan": "GDSR_x{}.pth", "psnr": "GDSR_psnr_x{}.pth"}   # the bundled files: stage 2 (GAN), stage 1 (L1)
KINDS = tuple(BUNDLED)
DEFAULT_OVERLAP = 32   # LR pixels of context per tile side (forward_tiled)
WEIGHTS_NOTE = "reduced GDSR trained here (gdsr/weights/README.md)"
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")


def build(name, scale, **cfg):
    """A fresh GDSR network with the authors' init (Kaiming x 0.1); ``cfg`` overrides nf, gc, nb_*."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; gdsr builds {', '.join(MODELS)}")
    model = GDSRNet(scale=scale, **cfg)
    init_weights(model, 0.1)
    return model


_GROUPS = {"nb_e": "body_ex.1", "nb_l_1": "body_l1", "nb_l_2": "body_l2", "nb_h_1": "body_h1", "nb_h_2": "body_h2",
           "nb_m": "body_m"}


def bundled_path(scale, kind="gan"):
    """Where the bundled GDSR x``scale`` file lives (gdsr/weights/README.md): ``weights/GDSR_x<scale>.pth``, the
    second (GAN) stage, or with ``kind="psnr"`` ``weights/GDSR_psnr_x<scale>.pth``, the first (L1) stage."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return os.path.join(WEIGHTS_DIR, BUNDLED[kind].format(scale))


def infer_config(state):
    """nf, gc and the RRDB count of every group (nb_e ... nb_m), read from a GDSR state dict's keys and shapes."""
    cfg = {"nf": state["body_ex.0.weight"].shape[0], "gc": state["body_ex.1.sub.0.RDB1.conv1.0.weight"].shape[0]}
    for key, prefix in _GROUPS.items():
        blocks = {k[len(prefix) + 5:].split(".")[0] for k in state if k.startswith(prefix + ".sub.")}
        cfg[key] = len(blocks)
    return cfg


def load(name, scale, weights=None, kind="gan", **cfg):
    """GDSR in eval mode with ``weights`` (our ``*_G.pth``, the authors' ``200000_G.pth``, or a
    BasicSR ``params`` file). With ``weights=None`` the bundled file of ``kind`` (``bundled_path``),
    which may not exist: the error says what to pass. Without ``cfg`` the block counts and widths are
    read from the file (``infer_config``), so the full-size and reduced networks both load."""
    if weights is None:
        weights = bundled_path(scale, kind)
        if not os.path.isfile(weights):
            raise FileNotFoundError(
                f"{weights}: no bundled GDSR x{scale} weights; pass weights=<path to a *_G.pth> (train one "
                f"with gdsr/train.py, or use the authors' 200000_G.pth from the Baidu link in their README)")
    if not cfg and os.path.isfile(weights):
        state = remap_legacy_keys(load_checkpoint(weights))
        if "body_ex.0.weight" in state and "body_ex.1.sub.0.RDB1.conv1.0.weight" in state:
            cfg = infer_config(state)
    model = build(name, scale, **cfg)
    load_weights(model, weights, strict=True)
    return model.eval().to(memory_format=torch.channels_last)   # the faster layout on CPU (see upscale)


def forward_tiled(net, x, tile=None, tile_overlap=DEFAULT_OVERLAP, keys=("fused",)):
    """``net.forward_all`` of a 1x3xhxw tensor, whole or by ``tile`` x ``tile`` LR tiles.

    Each tile is run with ``tile_overlap`` LR pixels of context on every side (clipped at the image
    border) and only its own core is kept, so the result equals the whole-image one up to float
    rounding whenever the overlap covers the receptive field the output depends on. GDSR's
    theoretical field (~334 px) is far larger than what it really uses: with random init, 8 px
    of overlap already gives at most 1 grey level; the default 32 keeps a 4x margin (README, "tiling").
    The outputs are fp32 also when ``net`` runs under autocast.
    """
    if tile is None:
        out = net.forward_all(x)
        return {k: out[k].float() for k in keys}
    _, _, h, w = x.shape
    s = net.scale
    result = {}
    for top in range(0, h, tile):
        for left in range(0, w, tile):
            bottom, right = min(top + tile, h), min(left + tile, w)
            t0, l0 = max(top - tile_overlap, 0), max(left - tile_overlap, 0)
            b0, r0 = min(bottom + tile_overlap, h), min(right + tile_overlap, w)
            out = net.forward_all(x[:, :, t0:b0, l0:r0])
            for k in keys:
                o = out[k].float()
                if k not in result:
                    result[k] = o.new_zeros(o.shape[0], o.shape[1], h * s, w * s)
                result[k][:, :, top * s:bottom * s, left * s:right * s] = \
                    o[:, :, (top - t0) * s:(bottom - t0) * s, (left - l0) * s:(right - l0) * s]
    return result


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """SR_fused of a uint8 HxWx3 RGB (or HxW gray) image: (H*s)x(W*s)x3 uint8 (docs/api.md).

    ``tile=N`` runs N x N LR tiles with ``tile_overlap`` LR pixels of context per side (None: 32,
    see ``forward_tiled``). ``precision`` 'fp32' (default, unchanged), 'bf16' or 'fp16': the forward
    runs under ``common.precision.autocast`` on the model's device (PrecisionError if the device
    cannot run it)."""
    img = check_image(img)
    check_tiling(tile, tile_overlap)
    net = model.module if hasattr(model, "module") else model
    device = model_device(net)
    with as_given(net), torch.inference_mode(), autocast(precision, device):
        # channels_last input (load() converts the weights too): 1.2x faster on CPU
        # (benchmarks.bench_inference_modes), same output up to float rounding
        x = to_tensor(img, device).contiguous(memory_format=torch.channels_last)
        overlap = DEFAULT_OVERLAP if tile_overlap is None else tile_overlap
        out = forward_tiled(net, x, tile, overlap)["fused"]     # fp32 before rounding
        return to_uint8(out)
