"""ESRGAN building blocks (Wang et al., ECCVW 2018) with the old-BasicSR module names GDSR's keys use.

Every convolution sits in a one-element ``nn.Sequential`` (``conv1.0.weight``), as the authors'
``conv_block`` wrapped it, so their checkpoint loads strictly.
"""
import torch
from torch import nn


def conv(in_nc, out_nc, act=False):
    """3x3 convolution with bias (zero padding 1), optionally followed by LeakyReLU(0.2)."""
    layers = [nn.Conv2d(in_nc, out_nc, 3, 1, 1, bias=True)]
    if act:
        layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


class ResidualDenseBlock5C(nn.Module):
    """Five densely connected 3x3 convolutions; output x + 0.2 * conv5(...)."""

    def __init__(self, nf=64, gc=32):
        super().__init__()
        self.conv1 = conv(nf, gc, act=True)
        self.conv2 = conv(nf + gc, gc, act=True)
        self.conv3 = conv(nf + 2 * gc, gc, act=True)
        self.conv4 = conv(nf + 3 * gc, gc, act=True)
        self.conv5 = conv(nf + 4 * gc, nf)

    def forward(self, x):
        x1 = self.conv1(x)
        x2 = self.conv2(torch.cat((x, x1), 1))
        x3 = self.conv3(torch.cat((x, x1, x2), 1))
        x4 = self.conv4(torch.cat((x, x1, x2, x3), 1))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    """Residual-in-Residual Dense Block: three RDBs, output x + 0.2 * RDB3(RDB2(RDB1(x)))."""

    def __init__(self, nf=64, gc=32):
        super().__init__()
        self.RDB1 = ResidualDenseBlock5C(nf, gc)
        self.RDB2 = ResidualDenseBlock5C(nf, gc)
        self.RDB3 = ResidualDenseBlock5C(nf, gc)

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class ShortcutBlock(nn.Module):
    """x + sub(x); the authors' group-level skip (keys ``<name>.sub.<i>...``)."""

    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


def rrdb_group(n, nf=64, gc=32):
    """A group of ``n`` RRDBs inside one shortcut (no trunk convolution, unlike RRDBNet)."""
    if n < 1:
        raise ValueError(f"an RRDB group needs at least 1 block, got {n}")
    return ShortcutBlock(nn.Sequential(*[RRDB(nf, gc) for _ in range(n)]))


def upconv_upsampler(nf, scale):
    """[nearest x2 -> conv -> LeakyReLU] per factor 2 (one nearest x3 stage for scale 3).

    Keys ``.1`` / ``.4`` / ``.7`` are the convolutions, as in the authors' ``upconv_blcok``.
    """
    if scale == 3:
        factors = [3]
    elif scale >= 2 and scale & (scale - 1) == 0:
        factors = [2] * (scale.bit_length() - 1)
    else:
        raise ValueError(f"GDSR upsamples by 2, 3, 4 or 8, got scale {scale}")
    layers = []
    for f in factors:
        layers += [nn.Upsample(scale_factor=f, mode="nearest"), nn.Conv2d(nf, nf, 3, 1, 1, bias=True),
                   nn.LeakyReLU(0.2, inplace=True)]
    return nn.Sequential(*layers)
