"""EDSR building blocks: MeanShift, ResBlock, Upsampler."""
import math

import torch
from torch import nn


def default_conv(in_channels, out_channels, kernel_size, bias=True):
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)


class MeanShift(nn.Conv2d):
    """Subtract (sign=-1) or add (sign=+1) the DIV2K RGB mean, scaled to ``rgb_range``; frozen."""

    def __init__(self, rgb_range=255, rgb_mean=(0.4488, 0.4371, 0.4040), rgb_std=(1.0, 1.0, 1.0), sign=-1):
        super().__init__(3, 3, kernel_size=1)
        std = torch.tensor(rgb_std)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * rgb_range * torch.tensor(rgb_mean) / std
        self.requires_grad_(False)


class ResBlock(nn.Module):
    """conv-act-conv with a scaled residual (EDSR, no batch norm)."""

    def __init__(self, n_feats, kernel_size=3, act=None, res_scale=1.0):
        super().__init__()
        self.body = nn.Sequential(default_conv(n_feats, n_feats, kernel_size), act or nn.ReLU(True),
                                  default_conv(n_feats, n_feats, kernel_size))
        self.res_scale = res_scale

    def forward(self, x):
        return x + self.body(x) * self.res_scale


class Upsampler(nn.Sequential):
    """Sub-pixel upsampling: (conv + PixelShuffle(2)) x log2(scale), or conv + PixelShuffle(3)."""

    def __init__(self, scale, n_feats):
        layers = []
        if scale & (scale - 1) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [default_conv(n_feats, 4 * n_feats, 3), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [default_conv(n_feats, 9 * n_feats, 3), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"scale {scale} is not supported (2, 3, 4, 8, ...)")
        super().__init__(*layers)


def count_lr_radius(model):
    """An upper bound of the network's receptive-field radius in LR pixels: the sum of the radii
    of every spatial convolution and JTF window (each can extend a path by at most its radius)."""
    radius = 0
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            radius += (m.kernel_size[0] // 2) * m.dilation[0]
        elif hasattr(m, "kernel_size") and isinstance(m.kernel_size, int):
            radius += m.kernel_size // 2
    return radius
