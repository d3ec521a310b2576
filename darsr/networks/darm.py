"""DARM: the degradation-adaptive correction filter (DARSR, ICCV 2023, Sec. 3).

A CNN regresses 72 unconstrained coefficients per pixel; the output is, per pixel, the
coefficient-weighted sum of the input filtered by a fixed dictionary of 72 5x5 filters
(LAPAR's ``kernel_72_k5``), the same coefficients for R, G and B.
"""
import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

DICTIONARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights",
                          "kernel_72_k5.npy")


def load_dictionary(path=DICTIONARY):
    """The (N, k, k) float32 filter dictionary from a plain .npy file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: filter dictionary not found (darsr/weights/kernel_72_k5.npy)")
    d = np.load(path, allow_pickle=False)
    k = int(round(d.shape[1] ** 0.5))
    return torch.from_numpy(d.reshape(d.shape[0], k, k).astype(np.float32))


class ChannelAttention(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.body = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, channels // reduction, 1),
                                  nn.ReLU(True), nn.Conv2d(channels // reduction, channels, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.body(x)


def _double_conv(c):
    return nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(True), nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(True))


class DARM(nn.Module):
    def __init__(self, channels=128, dictionary=None):
        super().__init__()
        filters = load_dictionary() if dictionary is None else torch.as_tensor(dictionary, dtype=torch.float32)
        n, k = filters.shape[0], filters.shape[-1]
        self.register_buffer("filters", filters.reshape(n, 1, k, k), persistent=False)
        self.pad = k // 2
        self.head = nn.Conv2d(3, channels, 3, 1, 1)
        self.head1 = _double_conv(channels)
        self.ca1 = ChannelAttention(channels)
        self.head2 = _double_conv(channels)
        self.ca2 = ChannelAttention(channels)
        self.tail = nn.Conv2d(channels, n, 3, 1, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def init_identity(self, scale=0.0):
        """Start at the identity: the tail's bias gives the min-norm coefficients whose filter
        combination is a delta, its weights are multiplied by ``scale`` (0: zero, so the first
        output equals the input; 0.01 already moved it by 1.3 grey levels on average).
        (Not the paper's init; see README.)"""
        n, _, k, _ = self.filters.shape
        delta = np.zeros(k * k)
        delta[(k * k) // 2] = 1.0
        # the dictionary has rank 13 (point-symmetric filters): use the min-norm solution
        coef = np.linalg.lstsq(self.filters.reshape(n, -1).double().cpu().numpy().T, delta, rcond=None)[0]
        with torch.no_grad():
            self.tail.weight.mul_(scale)
            self.tail.bias.copy_(torch.from_numpy(coef).float())
        return self

    def coefficients(self, x):
        return self.tail(self.ca2(self.head2(self.ca1(self.head1(self.head(x))))))

    def forward(self, x):
        b, c, h, w = x.shape
        coef = self.coefficients(x)                                   # B x N x H x W
        xp = F.pad(x, [self.pad] * 4, mode="reflect").reshape(b * c, 1, h + 2 * self.pad, w + 2 * self.pad)
        filtered = F.conv2d(xp, self.filters).reshape(b, c, -1, h, w)  # B x C x N x H x W
        return torch.einsum("bcnhw,bnhw->bchw", filtered, coef)
