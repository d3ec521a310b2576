"""EDSR (Lim et al., CVPRW 2017): the plain baseline, ``--model EDSR``."""
from torch import nn

from jtf_sisr.model.common import MeanShift, ResBlock, Upsampler, default_conv


def make_model(args, parent=False):
    return EDSR(args)


class EDSR(nn.Module):
    def __init__(self, args):
        super().__init__()
        n_feats, scale = args.n_feats, args.scale[0]
        self.sub_mean = MeanShift(args.rgb_range, sign=-1)
        self.add_mean = MeanShift(args.rgb_range, sign=1)
        self.head = nn.Sequential(default_conv(args.n_colors, n_feats, 3))
        self.body = nn.Sequential(*[ResBlock(n_feats, res_scale=args.res_scale) for _ in range(args.n_resblocks)],
                                  default_conv(n_feats, n_feats, 3))
        self.tail = nn.Sequential(Upsampler(scale, n_feats), default_conv(n_feats, args.n_colors, 3))

    def forward(self, x):
        x = self.head(self.sub_mean(x))
        return self.add_mean(self.tail(self.body(x) + x))
