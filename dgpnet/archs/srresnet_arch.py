"""A small SRResNet-style network (MSRResNet layout: residual blocks without BN), used to show
the drop-in claim: ``dgpnet.api.convert`` swaps its 3x3 convolutions for DGConv."""
import torch.nn.functional as F
from torch import nn

__all__ = ["MSRResNet"]


class _ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class MSRResNet(nn.Module):
    """conv -> LeakyReLU -> residual blocks -> (conv + PixelShuffle(2))^k -> conv -> conv, plus bilinear skip."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, upscale=4):
        super().__init__()
        if upscale not in (2, 4):
            raise ValueError(f"MSRResNet: upscale must be 2 or 4, got {upscale}")
        self.upscale = upscale
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[_ResBlock(num_feat) for _ in range(num_block)])
        ups = []
        for _ in range(upscale // 2):
            ups += [nn.Conv2d(num_feat, num_feat * 4, 3, 1, 1), nn.PixelShuffle(2), nn.LeakyReLU(0.1, inplace=True)]
        self.upsample = nn.Sequential(*ups)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.act = nn.LeakyReLU(0.1, inplace=True)

    def forward(self, x):
        f = self.body(self.act(self.conv_first(x)))
        out = self.conv_last(self.act(self.conv_hr(self.upsample(f))))
        return out + F.interpolate(x, scale_factor=self.upscale, mode="bilinear", align_corners=False)
