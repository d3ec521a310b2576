"""What every package's ``api.upscale`` shares (the contract is docs/api.md).

* ``check_image``: uint8 HxWx3, or uint8 HxW replicated to RGB; anything else is ``ImageInputError``.
* ``to_tensor`` / ``to_uint8``: uint8 HxWx3 <-> 1x3xHxW float32, rounding half up as the rest of
  ``common`` does (``common.imresize``, ``common.degradations``).
* ``check_tiling`` and ``tiled``: ``tile`` x ``tile`` LR tiles, each run with ``tile_overlap`` LR pixels
  of context on every side (clipped at the image border); each tile keeps only its own output.
* ``as_given``: runs the caller's model in eval mode (optionally with channels_last weights) and
  gives every module's mode and every weight's memory layout back as they were.
"""
import contextlib
import itertools

import numpy as np
import torch
from torch.nn import functional as F

__all__ = ["ImageInputError", "check_image", "to_tensor", "to_uint8", "check_tiling", "tiled", "as_given",
           "model_device"]

# the largest float32 below 0.5 (see to_uint8)
_BELOW_HALF = float(np.nextafter(np.float32(0.5), np.float32(0)))


class ImageInputError(ValueError):
    """An image that ``upscale`` does not accept."""


def check_image(img):
    """``img`` as a uint8 HxWx3 array (a uint8 HxW image is replicated to three channels).

    Anything else (another dtype, 4 channels, an empty image, not an array) is ``ImageInputError``
    with the message ``upscale: expected a uint8 HxWx3 or HxW image, got <dtype> of shape <shape>``.
    """
    a = np.asarray(img)
    ok = a.dtype == np.uint8 and a.size > 0 and (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3))
    if not ok:
        raise ImageInputError(f"upscale: expected a uint8 HxWx3 or HxW image, got {a.dtype} of shape {a.shape}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return a


def to_tensor(img, device, peak=1):
    """A checked uint8 HxWx3 array -> 1x3xHxW float32 on ``device``, in [0, 1] (``peak=1``) or [0, 255]."""
    if peak not in (1, 255):
        raise ValueError(f"peak must be 1 or 255, got {peak}")
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None].to(device).float()
    return x.div_(255.0) if peak == 1 else x


def to_uint8(t, peak=1):
    """1xCxHxW (or CxHxW) float in [0, peak] -> uint8 HxWxC numpy array: clipped, scaled to 0..255 in
    float32 and rounded half up (``floor(v + 0.5)``). ``t`` itself is not modified."""
    x = t.detach()
    x = (x[0] if x.dim() == 4 else x).float()
    x = x.clamp(0, 1).mul_(255.0) if peak == 1 else x.clamp(0, 255)
    # floor(v + 0.5) is exact in float32 for v >= 0.5; below, only the largest float under 0.5
    # would round up, so values <= that one are set to 0 first (in place: no extra full-size copy)
    F.threshold_(x, _BELOW_HALF, 0.0)
    x.add_(0.5).floor_()
    return x.to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def check_tiling(tile, tile_overlap):
    """ValueError unless ``tile`` is None or a positive int and ``tile_overlap`` None or a non-negative int."""
    if tile is not None and (isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1):
        raise ValueError(f"upscale: tile must be a positive integer or None, got {tile!r}")
    if tile_overlap is not None and (isinstance(tile_overlap, bool) or not isinstance(tile_overlap, (int, np.integer))
                                     or tile_overlap < 0):
        raise ValueError(f"upscale: tile_overlap must be a non-negative integer or None, got {tile_overlap!r}")


def tiled(fn, x, scale, tile, overlap):
    """``fn`` (an SR network: NCHW -> NCH*sW*s) of ``x`` computed over ``tile`` x ``tile`` LR tiles.

    Each tile is cropped with ``overlap`` LR pixels of context on every side (clipped at the image
    border) and keeps only the output of its own pixels, so the result equals ``fn(x)`` up to float
    rounding when ``overlap`` covers the receptive radius of the network.
    """
    n, _, h, w = x.shape
    s, out = scale, None
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(y0 - overlap, 0), max(x0 - overlap, 0)
            yb, xb = min(y1 + overlap, h), min(x1 + overlap, w)
            y = fn(x[:, :, ya:yb, xa:xb]).float()
            if out is None:
                out = y.new_zeros(n, y.shape[1], h * s, w * s)
            out[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = \
                y[:, :, (y0 - ya) * s:(y1 - ya) * s, (x0 - xa) * s:(x1 - xa) * s]
    return out


def model_device(model):
    """The device of the model's first parameter (CPU for a model without parameters)."""
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@contextlib.contextmanager
def as_given(model, channels_last=False):
    """``model`` in eval mode for the block, with its 4-D weights in channels_last if asked.

    Afterwards every module's train/eval flag is what it was and every converted parameter or
    buffer holds its original tensor again (same values, same memory layout). Device, dtype and
    ``requires_grad`` are never changed.
    """
    modes = [(m, m.training) for m in model.modules()]
    originals = []
    if channels_last:
        # the same conversion as model.to(memory_format=torch.channels_last), undone exactly afterwards
        for t in itertools.chain(model.parameters(), model.buffers()):
            if t.dim() == 4:
                originals.append((t, t.data))
                t.data = t.data.to(memory_format=torch.channels_last)
    model.eval()
    try:
        yield model
    finally:
        for t, data in originals:
            t.data = data
        for m, training in modes:
            m.training = training
