"""AIIBlock: statistical {CSA, VC} and structural {CSG, IDG, HG, VG} paths that interact.

Reading of the framework figure (docs/papers/dgpnet.md B.2/B.4), input X:
    S = act(DGConv_stat(X)),  T = act(DGConv_struct(X))
    A1 = Att(cat[DG_a(S), DG_c(T)]),  A2 = Att(cat[DG_d(T), DG_b(S)])
    out = X + A1 + A2
"""
import torch
from torch import nn

from dgpnet.archs.dgconv_arch import STATISTICAL, STRUCTURAL, DGConv

__all__ = ["AIIBlock", "Att", "make_conv"]


def make_conv(cin, cout, deploy=False, branches=None, **dg):
    """A DGConv, or the plain 3x3 convolution it fuses into when ``deploy``."""
    if deploy:
        return nn.Conv2d(cin, cout, 3, 1, 1)
    if branches is not None:
        dg = dict(dg, branches=branches)
    return DGConv(cin, cout, **dg)


class Att(nn.Module):
    """1x1 fusion (2C -> C), then channel attention ('ca', RCAN-style) or none ('none')."""

    def __init__(self, num_feat, att="ca", reduction=16):
        super().__init__()
        if att not in ("ca", "none"):
            raise ValueError(f"Att: att must be 'ca' or 'none', got {att!r}")
        self.fuse = nn.Conv2d(2 * num_feat, num_feat, 1)
        self.att = att
        if att == "ca":
            mid = max(num_feat // reduction, 1)
            self.ca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(num_feat, mid, 1), nn.ReLU(inplace=True),
                                    nn.Conv2d(mid, num_feat, 1), nn.Sigmoid())

    def gate_from_mean(self, mean):
        """The N x C x 1 x 1 channel gate for given per-channel means of the fused map."""
        return self.ca[1:](mean)

    def gated(self, y, gate=None):
        """``y`` times its channel gate; ``gate`` (N x C x 1 x 1) replaces the pooled one when given."""
        if self.att == "none":
            return y
        return y * (self.ca(y) if gate is None else gate)

    def forward(self, a, b):
        return self.gated(self.fuse(torch.cat([a, b], dim=1)))


class AIIBlock(nn.Module):
    """Attentive information-interaction block; ``deploy=True`` builds it with plain convolutions."""

    def __init__(self, num_feat=64, att="ca", reduction=16, negative_slope=0.1, deploy=False, **dg):
        super().__init__()
        c = num_feat
        self.stat = make_conv(c, c, deploy, STATISTICAL, **dg)
        self.struct = make_conv(c, c, deploy, STRUCTURAL, **dg)
        self.dg_a, self.dg_b = make_conv(c, c, deploy, **dg), make_conv(c, c, deploy, **dg)
        self.dg_c, self.dg_d = make_conv(c, c, deploy, **dg), make_conv(c, c, deploy, **dg)
        self.att1, self.att2 = Att(c, att, reduction), Att(c, att, reduction)
        self.act = nn.LeakyReLU(negative_slope, inplace=True)

    def attention_inputs(self, x):
        """(y1, y2): the two 1x1-fused maps that att1 and att2 gate."""
        s = self.act(self.stat(x))
        t = self.act(self.struct(x))
        y1 = self.att1.fuse(torch.cat([self.dg_a(s), self.dg_c(t)], dim=1))
        y2 = self.att2.fuse(torch.cat([self.dg_d(t), self.dg_b(s)], dim=1))
        return y1, y2

    def forward(self, x, gates=(None, None)):
        """``gates``: optional channel gates (g1, g2) used instead of pooling over ``x`` (tiled inference)."""
        y1, y2 = self.attention_inputs(x)
        return x + self.att1.gated(y1, gates[0]) + self.att2.gated(y2, gates[1])
