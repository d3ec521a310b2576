"""The discriminator of the real-world GAN fine-tune: a U-Net with spectral normalization that scores every
pixel (Real-ESRGAN's design, Wang et al., ICCVW 2021): three stride-2 downsampling convolutions, three
bilinear x2 upsampling stages with additive skips, two refinement convolutions, one score map."""
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = ["UNetDiscriminatorSN"]


class UNetDiscriminatorSN(nn.Module):
    """HxW image -> 1xHxW real/fake logits (H and W multiples of 8)."""

    def __init__(self, num_in_ch=3, num_feat=64, skip_connection=True):
        super().__init__()
        f, sn = num_feat, spectral_norm
        self.skip_connection = skip_connection
        self.conv_in = nn.Conv2d(num_in_ch, f, 3, 1, 1)
        self.down = nn.ModuleList([sn(nn.Conv2d(f, 2 * f, 4, 2, 1, bias=False)),
                                   sn(nn.Conv2d(2 * f, 4 * f, 4, 2, 1, bias=False)),
                                   sn(nn.Conv2d(4 * f, 8 * f, 4, 2, 1, bias=False))])
        self.up = nn.ModuleList([sn(nn.Conv2d(8 * f, 4 * f, 3, 1, 1, bias=False)),
                                 sn(nn.Conv2d(4 * f, 2 * f, 3, 1, 1, bias=False)),
                                 sn(nn.Conv2d(2 * f, f, 3, 1, 1, bias=False))])
        self.refine = nn.ModuleList([sn(nn.Conv2d(f, f, 3, 1, 1, bias=False)),
                                     sn(nn.Conv2d(f, f, 3, 1, 1, bias=False))])
        self.conv_out = nn.Conv2d(f, 1, 3, 1, 1)

    def forward(self, x):
        if x.shape[-1] % 8 or x.shape[-2] % 8:
            raise ValueError(f"UNetDiscriminatorSN: input {x.shape[-2]}x{x.shape[-1]} is not a multiple of 8")
        act = lambda t: F.leaky_relu(t, 0.2)
        feats = [act(self.conv_in(x))]
        for conv in self.down:
            feats.append(act(conv(feats[-1])))
        y = feats.pop()
        for conv in self.up:
            y = act(conv(F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)))
            skip = feats.pop()
            if self.skip_connection:
                y = y + skip
        for conv in self.refine:
            y = act(conv(y))
        return self.conv_out(y)
