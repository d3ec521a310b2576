"""DARSR's losses: KernelGAN's kernel constraints, DualSR's masked interpolation, helpers."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def shave(x, size):
    """Symmetric centre crop of an NCHW tensor to ``size`` x ``size``."""
    h, w = x.shape[-2:]
    t, l = (h - size) // 2, (w - size) // 2
    return x[..., t:t + size, l:l + size]


def _cubic(x):
    ax = np.abs(x)
    return np.where(ax <= 1, 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1,
                    np.where(ax <= 2, -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2, 0.0))


def bicubic_x2_kernel():
    """The 8x8 antialiased bicubic kernel of a x2 downscaling (taps at +-0.25, +-0.75, ... scaled by 1/2)."""
    k1 = _cubic((np.arange(8) - 3.5) / 2) / 2
    k1 /= k1.sum()
    return np.outer(k1, k1).astype(np.float32)


class DownScaleLoss(nn.Module):
    """MSE between G's output and the input filtered by the x2 bicubic kernel at stride ``scale``.

    ``mixed=True`` reproduces the original's (3,3,8,8) weight, which sums the colour channels.
    """

    def __init__(self, scale, mixed=False):
        super().__init__()
        k = torch.from_numpy(bicubic_x2_kernel())
        self.register_buffer("kernel", k.expand(3, 3 if mixed else 1, 8, 8).clone(), persistent=False)
        self.scale, self.groups = scale, 1 if mixed else 3

    def forward(self, g_in, g_out):
        down = F.conv2d(g_in, self.kernel, stride=self.scale, padding=3, groups=self.groups)
        return F.mse_loss(g_out, shave(down, g_out.shape[-1]))


class KernelConstraints(nn.Module):
    """Sum-to-one, boundary, centralisation and sparsity terms on G's effective kernel."""

    def __init__(self, k_size=13, scale=2):
        super().__init__()
        ax = np.arange(k_size) - (k_size - 1) / 2
        g = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * k_size ** 2))
        mask = 30 * (1 - g / g.max())
        m = 2
        mask[m:k_size - m, m:k_size - m] = 0
        self.register_buffer("mask", torch.from_numpy(mask.astype(np.float32)), persistent=False)
        self.register_buffer("idx", torch.arange(k_size, dtype=torch.float32), persistent=False)
        self.center = k_size // 2 + 0.5 * (scale - k_size % 2)

    def sum_to_one(self, k):
        return (1 - k.sum()).abs()

    def boundaries(self, k):
        return (k * self.mask).abs().mean()

    def centralized(self, k):
        total = k.sum()
        r = (k.sum(1) * self.idx).sum() / total
        c = (k.sum(0) * self.idx).sum() / total
        return ((r - self.center) ** 2 + (c - self.center) ** 2) / 2

    def sparsity(self, k):
        return (k.abs() + 1e-12).pow(0.2).mean()


def sobel_magnitude(x):
    """Per-channel 3x3 Sobel gradient magnitude, unnormalised, zero padding."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device, dtype=x.dtype)
    w = torch.stack([kx, kx.t()])[:, None].repeat(x.shape[1], 1, 1, 1)
    g = F.conv2d(x, w, padding=1, groups=x.shape[1])
    return torch.sqrt(g[:, 0::2] ** 2 + g[:, 1::2] ** 2 + 1e-6)
