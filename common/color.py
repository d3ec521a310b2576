"""Colour conversion shared by the metrics (``common.metrics``) and NIQE (``common.niqe``).

MATLAB ``rgb2ycbcr`` on ``im2double`` input (BT.601 studio range, not rounded), and ``to_y``, the
float64 array a metric compares.
"""
import numpy as np

__all__ = ["rgb2ycbcr", "to_y"]

_Y = np.array([65.481, 128.553, 24.966])
_CB = np.array([-37.797, -74.203, 112.0])
_CR = np.array([112.0, -93.786, -18.214])


def rgb2ycbcr(img, y_only=True):
    """MATLAB ``rgb2ycbcr`` of an RGB image, not rounded.

    uint8 input gives float64 on the 0..255 scale (Y in [16, 235]); float input is taken as
    RGB in [0, 1] and gives float64 in [0, 1] units. Returns HxW (``y_only``) or HxWx3 YCbCr.
    """
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"rgb2ycbcr expects an HxWx3 RGB image, got shape {img.shape}")
    unit = img.dtype == np.uint8
    rgb = img.astype(np.float64) / 255.0 if unit else img.astype(np.float64)
    y = rgb @ _Y + 16.0
    if y_only:
        out = y
    else:
        out = np.stack([y, rgb @ _CB + 128.0, rgb @ _CR + 128.0], axis=-1)
    return out if unit else out / 255.0


def to_y(img, crop_border=0, test_y_channel=True):
    """The float64 array a metric compares: shaved, then Y (RGB) or as is (gray)."""
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border]
    if img.ndim == 3 and test_y_channel:
        return rgb2ycbcr(img, y_only=True)
    return img.astype(np.float64)
