"""The model wrapper (EDSR's ``Model``): picks ``model/<name>.py``, exact tiled forward (--chop),
x8 self-ensemble, and loading of --pre_train / --resume weights."""
import importlib
import os

import torch
from torch import nn

from common.io import CheckpointError, load_checkpoint
from jtf_sisr.model.common import count_lr_radius

# The upsamplers (JTF-SISR's two, EDSR's tail.0): the only tensors that differ between scales.
UPSAMPLER_PREFIXES = ("up_image.", "up_grad.", "tail.0.")


def fit_state(own, state, path, allow_upsampler=False):
    """The part of ``state`` that the state dict ``own`` takes. A key missing, unexpected or of another
    shape is a CheckpointError naming ``path`` and the first such keys, except, with ``allow_upsampler``
    (fine-tuning at another scale, as EDSR does), in the upsamplers: those stay as they are."""
    problems, fitted = [], {}
    for key in list(own) + [k for k in state if k not in own]:
        if key not in state:
            problem = f"{key} missing"
        elif key not in own:
            problem = f"{key} unexpected"
        elif tuple(state[key].shape) != tuple(own[key].shape):
            problem = f"{key} {tuple(state[key].shape)} instead of {tuple(own[key].shape)}"
        else:
            fitted[key] = state[key]
            continue
        if not (allow_upsampler and key.startswith(UPSAMPLER_PREFIXES)):
            problems.append(problem)
    if problems:
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise CheckpointError(f"{path}: not a checkpoint of this network ({'; '.join(problems[:3])}{more}); "
                              f"check --model and its size flags")
    return fitted


def make_network(args):
    """The bare network of ``--model`` (``model`` is JTF-SISR, ``EDSR`` the baseline)."""
    try:
        module = importlib.import_module(f"jtf_sisr.model.{args.model.lower()}")
    except ModuleNotFoundError:
        raise ValueError(f"--model {args.model}: no such model (choose model or EDSR)") from None
    return module.make_model(args)


def _cores(top, bottom, left, right, max_pixels):
    """Quadrants of the LR area, halved recursively until each has at most ``max_pixels``."""
    if (bottom - top) * (right - left) <= max_pixels or min(bottom - top, right - left) < 2:
        yield top, bottom, left, right
        return
    mid_y, mid_x = (top + bottom) // 2, (left + right) // 2
    for t, b in ((top, mid_y), (mid_y, bottom)):
        for l, r in ((left, mid_x), (mid_x, right)):
            yield from _cores(t, b, l, r, max_pixels)


def tiled_forward(net, x, scale, max_pixels, overlap):
    """EDSR's --chop made exact: split the LR input into quadrants (recursively, until each has at
    most ``max_pixels``), run each extended by ``overlap`` pixels, keep its own part of the output.
    With ``overlap`` at least the network's receptive-field radius this equals ``net(x)``."""
    b, c, h, w = x.shape
    if h * w <= max_pixels:
        return net(x)
    out = None
    for top, bottom, left, right in _cores(0, h, 0, w, max_pixels):
        t0, b0 = max(top - overlap, 0), min(bottom + overlap, h)
        l0, r0 = max(left - overlap, 0), min(right + overlap, w)
        y = net(x[:, :, t0:b0, l0:r0])
        if out is None:
            out = y.new_zeros(b, y.shape[1], h * scale, w * scale)
        out[:, :, top * scale:bottom * scale, left * scale:right * scale] = \
            y[:, :, (top - t0) * scale:(bottom - t0) * scale, (left - l0) * scale:(right - l0) * scale]
    return out


def _dihedral(x, k, inverse=False):
    """The k-th of the 8 flips/transposes of an NCHW tensor (or its inverse)."""
    ops = [lambda t: t.flip(3) if k % 2 else t, lambda t: t.flip(2) if (k // 2) % 2 else t,
           lambda t: t.transpose(2, 3) if k >= 4 else t]
    for op in (reversed(ops) if inverse else ops):
        x = op(x)
    return x


class Model(nn.Module):
    def __init__(self, args, ckp=None):
        super().__init__()
        self.args = args
        self.scale = args.scale[0]
        self.chop, self.self_ensemble = args.chop, args.self_ensemble
        self.model = make_network(args)
        self.overlap = count_lr_radius(self.model)

    def forward(self, x):
        if self.training:
            return self.model(x)
        net = (lambda t: tiled_forward(self.model, t, self.scale, self.args.chop_size, self.overlap)) \
            if self.chop else self.model
        if not self.self_ensemble:
            return net(x)
        return torch.stack([_dihedral(net(_dihedral(x, k)), k, inverse=True) for k in range(8)]).mean(0)

    def load_weights(self, path, strict=True):
        """Load a state dict (ours or an EDSR-style file; ``module.`` and params wrappers accepted)."""
        state = load_checkpoint(path)
        result = self.model.load_state_dict(state, strict=strict)
        return result
