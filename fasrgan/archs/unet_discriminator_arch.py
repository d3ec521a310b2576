"""FASRGAN's fine-grained attention discriminator: a U-Net with two heads.

Yan et al., "Fine-grained Attention and Feature-sharing Generative Adversarial Networks for Single
Image Super-Resolution", IEEE TMM 2021. The encoder feeds an image head (one real/fake logit per
image); the decoder gives a 3-channel, full-resolution logit map (the per-pixel score used both as a
pixel-level GAN and as the attention weight of the reconstruction loss). Key names follow the
authors' ``UNet`` (inc/down1-3/up2-4/outc/classifier).
"""
from torch import nn
import torch
import torch.nn.functional as F


class DoubleConv(nn.Module):
    """(conv3x3, BN, ReLU) x 2. ``bn_eps_bug`` reproduces the authors' first BN, built as
    ``BatchNorm2d(out, out)`` and so with eps = out channels instead of 1e-5."""

    def __init__(self, cin, cout, bn_eps_bug=False):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=cout if bn_eps_bug else 1e-5),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.conv(x)


class _In(nn.Module):
    def __init__(self, cin, cout, bug):
        super().__init__()
        self.conv = DoubleConv(cin, cout, bug)

    def forward(self, x):
        return self.conv(x)


class _Down(nn.Module):
    def __init__(self, cin, cout, bug):
        super().__init__()
        self.mpconv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(cin, cout, bug))

    def forward(self, x):
        return self.mpconv(x)


class _Up(nn.Module):
    """Bilinear x2 (align_corners=True), pad to the skip, concat [skip, up], DoubleConv."""

    def __init__(self, cin, cout, bug):
        super().__init__()
        self.conv = DoubleConv(cin, cout, bug)

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        dy, dx = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
        x = F.pad(x, (dx // 2, dx - dx // 2, dy // 2, dy - dy // 2))
        return self.conv(torch.cat([skip, x], 1))


class _OutConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.conv(x)


class UNetDiscriminator(nn.Module):
    """Returns (image_logit [N,1], pixel_logits [N,3,H,W]); no sigmoid inside.

    ``in_size``: the square input size the image head is built for (the authors hard-code 128;
    here it follows the training patch). ``nf``: base width (64 in the paper).
    """

    def __init__(self, in_nc=3, nf=64, in_size=128, fc_nf=1024, bn_eps_bug=False):
        super().__init__()
        if in_size % 8:
            raise ValueError(f"UNet discriminator: in_size must be a multiple of 8, got {in_size}")
        self.in_size = in_size
        b = bn_eps_bug
        self.inc = _In(in_nc, nf, b)
        self.down1 = _Down(nf, 2 * nf, b)
        self.down2 = _Down(2 * nf, 4 * nf, b)
        self.down3 = _Down(4 * nf, 4 * nf, b)
        self.up2 = _Up(8 * nf, 2 * nf, b)
        self.up3 = _Up(4 * nf, nf, b)
        self.up4 = _Up(2 * nf, nf, b)
        self.outc = _OutConv(nf, 3)
        self.classifier = nn.Sequential(nn.Linear(4 * nf * (in_size // 8) ** 2, fc_nf),
                                        nn.LeakyReLU(0.2, inplace=True), nn.Linear(fc_nf, 1))

    def forward(self, x):
        if x.shape[-2:] != (self.in_size, self.in_size):
            raise ValueError(f"UNet discriminator built for {self.in_size}x{self.in_size} inputs, "
                             f"got {x.shape[-1]}x{x.shape[-2]} (set network_D.in_size)")
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        score = self.classifier(x4.flatten(1))
        y = self.up2(x4, x3)
        y = self.up3(y, x2)
        y = self.up4(y, x1)
        return score, self.outc(y)
