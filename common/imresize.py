"""MATLAB ``imresize(img, scale, 'bicubic')`` with antialiasing, in NumPy and PyTorch.

Two modes, chosen by the input's dtype:

* uint8: bit-exact MATLAB. Each 1-D pass is computed in float64 and rounded half up
  and saturated to uint8 before the next pass, as MATLAB's mex does for integer images.
* float: no rounding between or after the passes (what BasicSR does); the dtype is kept.

The dimension with the smaller scale factor is resized first, the height on a tie
(MATLAB's ``resizeDimOrder``); for uint8 the order changes the result.
"""
import math

import numpy as np
import torch

__all__ = ["imresize", "imresize_torch", "output_size", "resize_weights"]


def _cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's 'bicubic')."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def output_size(in_shape, scale=None, output_shape=None):
    """Output (H, W) and per-dimension scales, as MATLAB derives them."""
    h, w = in_shape[:2]
    if output_shape is not None:
        oh, ow = int(output_shape[0]), int(output_shape[1])
        if scale is None:
            return (oh, ow), (oh / h, ow / w)
        return (oh, ow), (float(scale), float(scale))
    if scale is None:
        raise ValueError("imresize needs scale or output_shape")
    scale = float(scale)
    if scale <= 0:
        raise ValueError(f"imresize: scale must be positive, got {scale}")
    return (math.ceil(h * scale), math.ceil(w * scale)), (scale, scale)


def resize_weights(in_len, out_len, scale, antialiasing=True):
    """Tap weights and 0-based source indices for resizing one dimension.

    Returns ``(weights, indices)``, both of shape (out_len, taps). Out-of-range taps are
    mirrored with the edge pixel repeated, and all-zero tap columns are dropped (MATLAB's
    ``contributions``).
    """
    width = 4.0
    stretch = scale < 1 and antialiasing
    if stretch:
        width = width / scale
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)               # output pixel centre in input coordinates
    left = np.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]          # 1-based candidate taps
    dist = u[:, None] - idx
    weights = scale * _cubic(dist * scale) if stretch else _cubic(dist)
    weights = weights / weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
    idx0 = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], idx0[:, keep]


def _round_uint8(x):
    # MATLAB rounds half away from zero and saturates; floor(x + 0.5) after clipping is the same
    return np.floor(np.clip(x, 0, 255) + 0.5).astype(np.uint8)


def _resize_axis_np(img, axis, out_len, scale, antialiasing):
    weights, idx = resize_weights(img.shape[axis], out_len, scale, antialiasing)
    src = np.moveaxis(img, axis, 0).astype(np.float64, copy=False)
    shape = (out_len,) + (1,) * (src.ndim - 1)
    out = np.zeros((out_len,) + src.shape[1:], dtype=np.float64)
    for k in range(weights.shape[1]):     # a loop over the few taps, in MATLAB's summation order
        out += weights[:, k].reshape(shape) * src[idx[:, k]]
    return np.moveaxis(out, 0, axis)


def _dim_order(scales):
    return (0, 1) if scales[0] <= scales[1] else (1, 0)


def imresize(img, scale=None, output_shape=None, antialiasing=True):
    """Resize an HxW or HxWxC image like MATLAB ``imresize(img, scale, 'bicubic')``.

    Args:
        img: numpy array, uint8 (bit-exact MATLAB, uint8 out) or float (float out, same dtype;
            values are not clipped).
        scale: a single factor for both dimensions (0.25 for x4 down, 4 for x4 up).
        output_shape: (H, W) of the result, instead of or together with ``scale``.
        antialiasing: stretch the kernel when downscaling (MATLAB's default).
    """
    img = np.asarray(img)
    if img.ndim not in (2, 3):
        raise ValueError(f"imresize expects HxW or HxWxC, got shape {img.shape}")
    is_uint8 = img.dtype == np.uint8
    if not is_uint8 and not np.issubdtype(img.dtype, np.floating):
        raise TypeError(f"imresize supports uint8 and float images, got {img.dtype}")
    out_hw, scales = output_size(img.shape, scale, output_shape)
    out = img
    for axis in _dim_order(scales):
        out = _resize_axis_np(out, axis, out_hw[axis], scales[axis], antialiasing)
        out = _round_uint8(out) if is_uint8 else out
    return out if is_uint8 else out.astype(img.dtype, copy=False)


def _resize_axis_torch(x, dim, out_len, scale, antialiasing):
    weights, idx = resize_weights(x.shape[dim], out_len, scale, antialiasing)
    w = torch.from_numpy(weights).to(x.device, torch.float64 if x.dtype == torch.float64 else x.dtype)
    idx = torch.from_numpy(idx).to(x.device)
    shape = [1] * x.dim()
    shape[dim] = out_len
    out = None
    for k in range(w.shape[1]):
        term = x.index_select(dim, idx[:, k]) * w[:, k].reshape(shape)
        out = term if out is None else out + term
    return out


def imresize_torch(x, scale=None, output_shape=None, antialiasing=True):
    """MATLAB bicubic resize of an (..., H, W) tensor, e.g. NCHW batches.

    A uint8 tensor is resized bit-exactly like :func:`imresize` (float64 inside, rounded after
    each pass). A float tensor stays float and differentiable; it is computed in its own dtype.
    """
    if x.dim() < 2:
        raise ValueError(f"imresize_torch expects (..., H, W), got shape {tuple(x.shape)}")
    is_uint8 = x.dtype == torch.uint8
    work = x.double() if is_uint8 else x
    out_hw, scales = output_size(tuple(x.shape[-2:]), scale, output_shape)
    for axis in _dim_order(scales):
        dim = x.dim() - 2 + axis
        work = _resize_axis_torch(work, dim, out_hw[axis], scales[axis], antialiasing)
        if is_uint8:
            work = torch.floor(work.clamp(0, 255) + 0.5)
    return work.to(torch.uint8) if is_uint8 else work
