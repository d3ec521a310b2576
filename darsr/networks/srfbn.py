"""SRFBN-S (Li et al., CVPR 2019): the feedback SR network DARSR keeps frozen.

Input and output are RGB in [0, 255]. ``forward`` returns a list of per-step outputs: the last
step's only (what DARSR and SRFBN's own test use; the earlier steps' output layers, an HR
transposed conv and conv each, are then not run), or every step's with ``all_steps=True`` (what
SRFBN's curriculum training scores). Module names follow the authors' checkpoints
(``sub_mean``, ``conv_in.0``, ``block.upBlocks.0.0``, ...) so those load without renaming.
"""
import torch
from torch import nn
from torch.nn import functional as F

# (kernel, stride, padding) of the up/down projections for each scale
PROJECTION = {2: (6, 2, 2), 3: (7, 3, 2), 4: (8, 4, 2), 8: (12, 8, 2)}
RGB_MEAN = (0.4488, 0.4371, 0.4040)


class PReLU(nn.PReLU):
    """nn.PReLU whose frozen single-slope form runs as leaky_relu: the same x if x > 0 else a*x, bit for
    bit, without PReLU's CPU kernel (about a third of SRFBN-S's inference time in channels_last). It
    works in place on its input (a convolution's output here, which nothing else reads) where autograd
    allows it (no gradient recorded, or a positive slope): no new HR-sized buffer per activation."""

    def forward(self, x):
        if self.num_parameters == 1 and not self.weight.requires_grad:
            slope = float(self.weight)
            return F.leaky_relu(x, slope, inplace=slope > 0 or not torch.is_grad_enabled())
        return super().forward(x)


def _conv(cin, cout, k=1, s=1, p=0, act=True, transpose=False):
    layer = (nn.ConvTranspose2d if transpose else nn.Conv2d)(cin, cout, k, s, p)
    return nn.Sequential(layer, PReLU(init=0.2)) if act else nn.Sequential(layer)


class MeanShift(nn.Conv2d):
    """A 1x1 conv; initialised to subtract (sign -1) or add (+1) the RGB mean on 0..255."""

    def __init__(self, sign, rgb_range=255.0, mean=RGB_MEAN):
        super().__init__(3, 3, 1)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.bias.copy_(sign * rgb_range * torch.tensor(mean))
        self.weight.requires_grad_(False)
        self.bias.requires_grad_(False)


class FeedbackBlock(nn.Module):
    """Feedback block: up/down projection groups with dense LR/HR feature reuse."""

    def __init__(self, nf, num_groups, scale):
        super().__init__()
        k, s, p = PROJECTION[scale]
        self.num_groups = num_groups
        self.compress_in = _conv(2 * nf, nf)
        self.upBlocks = nn.ModuleList([_conv(nf, nf, k, s, p, transpose=True) for _ in range(num_groups)])
        self.downBlocks = nn.ModuleList([_conv(nf, nf, k, s, p) for _ in range(num_groups)])
        self.uptranBlocks = nn.ModuleList([_conv(nf * (g + 1), nf) for g in range(1, num_groups)])
        self.downtranBlocks = nn.ModuleList([_conv(nf * (g + 1), nf) for g in range(1, num_groups)])
        self.compress_out = _conv(num_groups * nf, nf)

    def forward(self, x, hidden):
        lr = [self.compress_in(torch.cat((x, hidden), 1))]
        hr = []
        for g in range(self.num_groups):
            t = torch.cat(lr, 1)
            if g > 0:
                t = self.uptranBlocks[g - 1](t)
            hr.append(self.upBlocks[g](t))
            t = torch.cat(hr, 1)
            if g > 0:
                t = self.downtranBlocks[g - 1](t)
            lr.append(self.downBlocks[g](t))
        return self.compress_out(torch.cat(lr[1:], 1))


class SRFBN(nn.Module):
    """SRFBN; the defaults are SRFBN-S (32 features, 4 steps, 3 groups)."""

    def __init__(self, scale=2, num_features=32, num_steps=4, num_groups=3, in_channels=3, out_channels=3):
        super().__init__()
        if scale not in PROJECTION:
            raise ValueError(f"SRFBN supports scales {sorted(PROJECTION)}, got {scale}")
        k, s, p = PROJECTION[scale]
        self.scale, self.num_steps = scale, num_steps
        self.sub_mean = MeanShift(-1)
        self.conv_in = _conv(in_channels, 4 * num_features, 3, 1, 1)
        self.feat_in = _conv(4 * num_features, num_features)
        self.block = FeedbackBlock(num_features, num_groups, scale)
        self.out = _conv(num_features, num_features, k, s, p, transpose=True)
        self.conv_out = _conv(num_features, out_channels, 3, 1, 1, act=False)
        self.add_mean = MeanShift(+1)

    def forward(self, x, all_steps=False):
        x = self.sub_mean(x)
        inter_res = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        x = self.feat_in(self.conv_in(x))
        hidden = x
        outs = []
        for step in range(self.num_steps):
            hidden = self.block(x, hidden)
            if all_steps or step == self.num_steps - 1:
                outs.append(self.add_mean(inter_res + self.conv_out(self.out(hidden))))
        return outs
