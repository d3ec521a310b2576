"""The package's contract (docs/api.md): MODELS, build, load, upscale; plus load_extractor.

* ``fasrgan``: ESRGAN's RRDBNet (nf 64, nb 23), trained with the fine-grained attention D;
* ``fs_srgan``: Fs-SRGAN's test-time network G(E(x)): E (1 RRDB, bundled authors' weights) and
  G (RRDBNet on E's 64 channels, nb 16).

Only Fs-SRGAN's E was released in a recoverable form (fasrgan/weights/FsSRGAN_E.pth). Generator weights are
passed as files (the authors' FASRGAN_G.pth / FsSRGAN_G.pth, ESRGAN's RRDB_*_x4.pth, or a net_G_*.pth written by
fasrgan/train.py); ``weights=None`` loads the file of ``kind`` ("gan" or "psnr") bundled at the reduced size
(``bundled_path``; written by ``python -m fasrgan.export``), an error naming it where it does not ship.
"""
import os

import torch

from common.io import load_checkpoint
from common.precision import autocast
from common.upscale import as_given, check_image, check_tiling, model_device, tiled, to_tensor, to_uint8
from fasrgan.archs import FeatureExtractorE, FsGenerator, RRDBNet, convert_rrdb_keys
from fasrgan.archs.rrdbnet_arch import infer_rrdb_config

MODELS = ("fasrgan", "fs_srgan")
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
BUNDLED_E = os.path.join(WEIGHTS_DIR, "FsSRGAN_E.pth")
DEFAULT_OVERLAP = 32   # LR pixels of context per tile side

__all__ = ["MODELS", "build", "load", "upscale", "load_extractor", "bundled_path"]
KINDS = ("gan", "psnr")
WEIGHTS_NOTE = "reduced-size generators trained here (fasrgan/weights/README.md)"
_BUNDLED_NAMES = {("fasrgan", "gan"): "FASRGAN", ("fasrgan", "psnr"): "RRDB_PSNR",
                  ("fs_srgan", "gan"): "FsSRGAN", ("fs_srgan", "psnr"): "Fs_RRDB_PSNR"}


def _check_name(name):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def build(name, scale, **cfg):
    """Fresh (randomly initialised) network. cfg: nf, nb, gc; for fs_srgan also e_nb."""
    _check_name(name)
    nf, gc = cfg.pop("nf", 64), cfg.pop("gc", 32)
    if name == "fasrgan":
        nb = cfg.pop("nb", 23)
        if cfg:
            raise TypeError(f"build('fasrgan'): unknown options {', '.join(cfg)}")
        return RRDBNet(3, 3, nf, nb, gc, scale)
    nb, e_nb = cfg.pop("nb", 16), cfg.pop("e_nb", 1)
    if cfg:
        raise TypeError(f"build('fs_srgan'): unknown options {', '.join(cfg)}")
    return FsGenerator(FeatureExtractorE(3, nf, e_nb, gc), RRDBNet(nf, 3, nf, nb, gc, scale))


def _load_strict(net, state, path):
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{path}: does not match the network ({str(exc).splitlines()[0]})") from None
    return net


def _rrdb_from_file(path, scale, expect_in_nc=None):
    state = convert_rrdb_keys(load_checkpoint(path))
    try:
        in_nc, nf, nb = infer_rrdb_config(state)
    except (KeyError, ValueError):
        raise ValueError(f"{path}: not an RRDBNet checkpoint (no model.0 / model.1.sub.N keys)") from None
    if expect_in_nc is not None and in_nc != expect_in_nc:
        raise ValueError(f"{path}: generator takes {in_nc} input channels, expected {expect_in_nc}")
    gc = state["model.1.sub.0.RDB1.conv1.0.weight"].shape[0] if nb else 32
    return _load_strict(RRDBNet(in_nc, state["model.10.weight"].shape[0] if "model.10.weight" in state else 3,
                                nf, nb, gc, scale), state, path)


def load_extractor(path=None):
    """Fs-SRGAN's E, loaded strictly from the authors' file (None: the bundled FsSRGAN_E.pth); eval mode."""
    path = path or BUNDLED_E
    state = load_checkpoint(path)
    try:
        in_nc, nf, nb = infer_rrdb_config(state)
        gc = state["model.1.sub.0.RDB1.conv1.0.weight"].shape[0]
    except (KeyError, ValueError):
        raise ValueError(f"{path}: not a Fs-SRGAN extractor checkpoint (model.0 / model.1.sub.N keys)") from None
    return _load_strict(FeatureExtractorE(in_nc, nf, nb, gc), state, path).eval()


def bundled_path(name, scale, kind="gan"):
    """Where the bundled reduced-size generator of ``name`` lives: ``weights/<FASRGAN|FsSRGAN>_reduced_x<scale>.pth``
    (GAN stage) or, with ``kind="psnr"``, its PSNR stage ``weights/<RRDB_PSNR|Fs_RRDB_PSNR>_reduced_x<scale>.pth``."""
    _check_name(name)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return os.path.join(WEIGHTS_DIR, f"{_BUNDLED_NAMES[name, kind]}_reduced_x{scale}.pth")


def load(name, scale, weights=None, kind="gan"):
    """Network in eval mode with weights.

    fasrgan: ``weights`` = a generator file. fs_srgan: ``weights`` = a G file (E is the bundled
    one), an (E, G) pair of files, or a file holding {'E': ..., 'G': ...} state dicts. ``weights=None``:
    the bundled reduced-size file of ``kind`` (``bundled_path``).
    """
    _check_name(name)
    if weights is None:
        weights = bundled_path(name, scale, kind)
        if not os.path.isfile(weights):
            how = ("'<FASRGAN_G.pth or experiments/<name>/models/net_G_latest.pth>'" if name == "fasrgan" else
                   "'<FsSRGAN_G.pth>' or weights=('<E.pth>', '<G.pth>')")
            raise FileNotFoundError(f"{weights}: no bundled {name} x{scale} generator ({kind} stage; the authors' "
                                    f"files are not recoverable); pass weights={how}")
    if name == "fasrgan":
        net = _rrdb_from_file(weights, scale, expect_in_nc=3)
        return net.eval()
    if isinstance(weights, (tuple, list)):
        e_path, g_path = weights
    else:
        e_path, g_path = None, weights
        raw = load_checkpoint(weights, key=None)
        if isinstance(raw, dict) and isinstance(raw.get("E"), dict) and isinstance(raw.get("G"), dict):
            from common.io import _strip_module  # same unwrapping as load_checkpoint

            E = FeatureExtractorE(*_e_cfg(raw["E"]))
            _load_strict(E, _strip_module(raw["E"]), weights)
            g_state = _strip_module(raw["G"])
            _, nf, nb = infer_rrdb_config(g_state)
            G = RRDBNet(E.out_nc, 3, nf, nb, g_state["model.1.sub.0.RDB1.conv1.0.weight"].shape[0], scale=scale)
            _load_strict(G, g_state, weights)
            return FsGenerator(E, G).eval()
    E = load_extractor(e_path)
    G = _rrdb_from_file(g_path, scale, expect_in_nc=E.out_nc)
    return FsGenerator(E, G).eval()


def _e_cfg(state):
    in_nc, nf, nb = infer_rrdb_config(state)
    return in_nc, nf, nb, state["model.1.sub.0.RDB1.conv1.0.weight"].shape[0]


def _model_scale(model):
    return getattr(model, "scale", None) or getattr(getattr(model, "G", None), "scale", 4)


def upscale(model, img, tile=None, tile_overlap=None, precision="fp32"):
    """SR of a uint8 HxWx3 RGB image (HxW gray is repeated to 3 channels; the result is RGB); docs/api.md.

    ``precision``: fp32 (default, no autocast), bf16 (CUDA, or a CPU with native bf16) or fp16 (CUDA):
    the forward pass runs under autocast on the model's device and the output is cast to float32
    before rounding; a precision the device cannot run is a PrecisionError (common.precision).

    ``tile=N``: N x N LR tiles, each run with ``tile_overlap`` LR pixels of context per side (None: 32)
    and keeping only its own output, so the result matches whole-image inference up to what the
    network sees beyond the overlap. RRDBNet's theoretical field (~350 px) is far more than it really
    uses: measured on Set14 crops, random FASRGAN needs 6 px for at most 1 grey level, Fs-SRGAN with
    the bundled (trained) E and a random G 16 px; the default 32 covers both (see the README).
    The network runs with channels_last weights and is given back as it came.
    """
    img = check_image(img)
    check_tiling(tile, tile_overlap)
    s = _model_scale(model)
    device = model_device(model)
    x = to_tensor(img, device).contiguous(memory_format=torch.channels_last)

    def run(t):
        return model(t).float().clamp_(0, 1)

    with as_given(model, channels_last=True), torch.inference_mode(), autocast(precision, device):
        if tile is None:
            out = run(x)
        else:
            out = tiled(run, x, s, tile, DEFAULT_OVERLAP if tile_overlap is None else tile_overlap)
    return to_uint8(out)
