"""DGPNet: DGConv head, stacked AIIBlocks, pixel-shuffle tail and an image-level LR skip.

Literal reading of the figure's top panel (docs/papers/dgpnet.md B.4), images in [0, 1]:
    f = AIIBlock^N(DGConv(3->C)(LR));  u = PixelShuffle(DGConv(C->3 s^2)(f));  HR = DGConv(3->3)(u + Up(LR))
``tail='standard'`` upsamples C-channel features instead and adds Up(LR) last.
"""
import torch.nn.functional as F
from torch import nn

from dgpnet.archs.aiiblock_arch import AIIBlock, make_conv

__all__ = ["DGPNet", "PRESETS"]

PRESETS = {"dgpnet": dict(num_feat=64, num_block=8), "dgpnet_s": dict(num_feat=48, num_block=8)}


class DGPNet(nn.Module):
    """Directional Gradient Perceiving Network.

    Args:
        num_feat, num_block, upscale: width, number of AIIBlocks and scale factor.
        tail: 'literal' (3->3 DGConv refinement after the skip) or 'standard'.
        skip_up: interpolation of the LR skip: 'bilinear', 'bicubic' or 'nearest'.
        feat_skip: add a DGConv and a long feature skip after the blocks (not drawn in the figure).
        deploy: build with plain 3x3 convolutions (what ``fuse`` produces; also the plain-conv baseline).
        att, reduction: AIIBlock attention. idg_refs, csg_ref, alpha_act: DGConv options.
    """

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=8, upscale=4, tail="literal",
                 skip_up="bilinear", feat_skip=False, att="ca", reduction=16, idg_refs=1, csg_ref="mean",
                 alpha_act="sigmoid", deploy=False):
        super().__init__()
        if tail not in ("literal", "standard"):
            raise ValueError(f"DGPNet: tail must be 'literal' or 'standard', got {tail!r}")
        if skip_up not in ("bilinear", "bicubic", "nearest"):
            raise ValueError(f"DGPNet: skip_up must be bilinear, bicubic or nearest, got {skip_up!r}")
        if num_in_ch != num_out_ch:
            raise ValueError("DGPNet: the image-level skip needs num_in_ch == num_out_ch")
        if upscale not in (1, 2, 3, 4, 8):
            raise ValueError(f"DGPNet: upscale must be 1, 2, 3, 4 or 8, got {upscale}")
        dg = dict(idg_refs=idg_refs, csg_ref=csg_ref, alpha_act=alpha_act)
        self.upscale, self.tail, self.skip_up, self.feat_skip = upscale, tail, skip_up, feat_skip
        self.head = make_conv(num_in_ch, num_feat, deploy, **dg)
        self.body = nn.Sequential(*[AIIBlock(num_feat, att, reduction, deploy=deploy, **dg) for _ in range(num_block)])
        if feat_skip:
            self.body_tail = make_conv(num_feat, num_feat, deploy, **dg)
        if tail == "literal":
            self.up = make_conv(num_feat, num_out_ch * upscale * upscale, deploy, **dg)
            self.refine = make_conv(num_out_ch, num_out_ch, deploy, **dg)
        else:
            self.up = make_conv(num_feat, num_feat * upscale * upscale, deploy, **dg)
            self.refine = make_conv(num_feat, num_out_ch, deploy, **dg)
        self.shuffle = nn.PixelShuffle(upscale)

    def forward(self, x):
        f0 = self.head(x)
        return self.reconstruct(x, self.body(f0), f0)

    def reconstruct(self, x, f, f0=None):
        """HR image from the LR image ``x``, the block output ``f`` and (with feat_skip) the head output ``f0``."""
        if self.feat_skip:
            f = self.body_tail(f) + f0
        u = self.shuffle(self.up(f))
        if self.upscale == 1:
            base = x
        else:
            align = None if self.skip_up == "nearest" else False
            base = F.interpolate(x, scale_factor=self.upscale, mode=self.skip_up, align_corners=align)
        if self.tail == "literal":
            return self.refine(u + base)
        return self.refine(u) + base
