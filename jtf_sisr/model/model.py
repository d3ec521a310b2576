"""JTF-SISR, ``--model model`` (the authors' README command).

Two branches at LR resolution (EDSR style): an image branch of EDSR ResBlocks and a gradient
branch fed by the SPSR gradient map of the LR image. Each of ``n_stages`` stages ends with a
bi-directional JTF pair exchanging guidance between the two streams. Each branch has its own
upsampler; the gradient branch predicts the HR gradient map, and the fused HR features give the
SR image. Returns (SR, HR gradient map) in training, SR in eval mode. Inputs in [0, rgb_range].
"""
import torch
import torch.nn.functional as F
from torch import nn

from jtf_sisr.model.common import MeanShift, ResBlock, Upsampler, default_conv
from jtf_sisr.model.jtf import ConcatPair, JTFPair, gradient_map


class ConcatConv2d(nn.Conv2d):
    """``conv(cat(a, b))`` computed as the sum of the convolutions of a and b with the two halves of
    the weight: the same sum, without writing the concatenated tensor (at HR the largest tensor of
    the network). A forward hook still sees one Conv2d with its full in_channels."""

    def forward(self, a, b):
        n = a.shape[1]
        return (F.conv2d(a, self.weight[:, :n], self.bias, self.stride, self.padding)
                + F.conv2d(b, self.weight[:, n:], None, self.stride, self.padding))


def make_model(args, parent=False):
    return JTFSISR(args)


class JTFSISR(nn.Module):
    def __init__(self, args):
        super().__init__()
        n, scale, stages = args.n_feats, args.scale[0], args.n_stages
        if args.n_resblocks % stages:
            raise ValueError(f"--n_resblocks {args.n_resblocks} must be a multiple of --n_stages {stages}")
        per_stage = args.n_resblocks // stages
        jtf = dict(kernel_size=args.jtf_kernel, groups=args.jtf_groups)
        self.rgb_range = args.rgb_range
        self.sub_mean = MeanShift(args.rgb_range, sign=-1)
        self.add_mean = MeanShift(args.rgb_range, sign=1)
        self.head_image = default_conv(args.n_colors, n, 3)
        self.head_grad = default_conv(args.n_colors, n, 3)
        self.stages_image = nn.ModuleList(
            nn.Sequential(*[ResBlock(n, res_scale=args.res_scale) for _ in range(per_stage)]) for _ in range(stages))
        self.stages_grad = nn.ModuleList(
            nn.Sequential(*[ResBlock(n, res_scale=args.res_scale) for _ in range(args.n_gradblocks)])
            for _ in range(stages))
        fusion = getattr(args, "fusion", "jtf")
        if fusion == "jtf":
            self.jtf_pairs = nn.ModuleList(JTFPair(n, **jtf) for _ in range(stages))
        elif fusion == "concat":                  # the ablation: concatenation + 3x3 conv instead of JTF
            self.jtf_pairs = nn.ModuleList(ConcatPair(n, args.concat_groups) for _ in range(stages))
        else:
            raise ValueError(f"--fusion {fusion}: choose jtf or concat")
        self.body_end_image = default_conv(n, n, 3)
        self.body_end_grad = default_conv(n, n, 3)
        self.up_image = Upsampler(scale, n)
        self.up_grad = Upsampler(scale, n)
        self.grad_out = default_conv(n, args.n_colors, 3)
        self.fusion = nn.Sequential(ConcatConv2d(2 * n, n, 3, padding=1), nn.ReLU(True), default_conv(n, args.n_colors, 3))

    def forward(self, x):
        grad_lr = gradient_map(x / self.rgb_range)          # the gradient of the raw LR image
        fi = self.head_image(self.sub_mean(x))
        fg = self.head_grad(grad_lr)
        hi, hg = fi, fg
        for block_i, block_g, pair in zip(self.stages_image, self.stages_grad, self.jtf_pairs):
            hi, hg = pair(block_i(hi), block_g(hg))
        hi = self.body_end_image(hi) + fi
        hg = self.body_end_grad(hg) + fg
        up_i, up_g = self.up_image(hi), self.up_grad(hg)
        sr = self.add_mean(self.fusion[2](self.fusion[1](self.fusion[0](up_i, up_g))))
        if self.training:
            return sr, self.grad_out(up_g) * self.rgb_range   # HR gradient map, rgb_range units
        return sr
