"""LPIPS, 'net-lin' on AlexNet (Zhang et al., "The Unreasonable Effectiveness of Deep Features as a
Perceptual Metric", CVPR 2018), the configuration FASRGAN's tables use (version 0.0).

d(x, y) = sum_l mean_hw( w_l . (n(f_l(x)) - n(f_l(y)))^2 ), with f_l the five AlexNet ReLU maps,
n() the unit normalisation over channels and w_l the calibrated 1x1 linear layers. Inputs are RGB in
[-1, 1]. Version 0.0 feeds them straight into AlexNet; 0.1 first applies the ScalingLayer.
The AlexNet ImageNet weights are not shipped: the user names torchvision's alexnet file.
"""
import os

import numpy as np
import torch
from torch import nn

from common.io import load_checkpoint
from fasrgan.archs.alexnet_arch import AlexNetFeatures

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


class LPIPS(nn.Module):
    def __init__(self, alexnet_path, linear_path=None, version="0.0"):
        super().__init__()
        if version not in ("0.0", "0.1"):
            raise ValueError(f"LPIPS version must be '0.0' or '0.1', got {version!r}")
        if not alexnet_path:
            raise FileNotFoundError("LPIPS needs the ImageNet AlexNet weights: set path.lpips_alex to torchvision's "
                                    "alexnet-owt-7be5be79.pth (nothing is downloaded)")
        self.net = AlexNetFeatures(alexnet_path)
        linear_path = linear_path or os.path.join(WEIGHTS_DIR, f"lpips_alex_v{version}.pth")
        state = load_checkpoint(linear_path)
        self.lins = nn.ModuleList()
        for k, c in enumerate(AlexNetFeatures.CHANNELS):
            w = state.get(f"lin{k}.model.1.weight")
            if w is None or tuple(w.shape) != (1, c, 1, 1):
                raise ValueError(f"{linear_path}: not an LPIPS alex linear-layer file (lin{k}.model.1.weight)")
            conv = nn.Conv2d(c, 1, 1, bias=False)
            conv.weight.data.copy_(w)
            self.lins.append(conv)
        self.version = version
        self.register_buffer("shift", torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad = False
        self.eval()

    @staticmethod
    def _unit(x, eps=1e-10):
        return x / (torch.sqrt((x * x).sum(1, keepdim=True)) + eps)

    @torch.no_grad()
    def forward(self, x, y):
        """x, y: N x 3 x H x W in [-1, 1]; returns N distances."""
        if self.version == "0.1":
            x, y = (x - self.shift) / self.scale, (y - self.shift) / self.scale
        total = 0
        for lin, fx, fy in zip(self.lins, self.net(x), self.net(y)):
            total = total + lin((self._unit(fx) - self._unit(fy)) ** 2).mean((2, 3))
        return total.view(-1)

    def images(self, img, img2):
        """LPIPS of two uint8 HxWx3 RGB images (the paper's script: x / 127.5 - 1, full image)."""
        def t(a):
            return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))).float().unsqueeze(0) / 127.5 - 1

        dev = self.shift.device
        return float(self(t(img).to(dev), t(img2).to(dev))[0])
