"""GDSR: Guided Dual Networks for SISR (Chen et al., IEEE Access 2020), the authors' ``DualSR_RRDB``.

Data flow (docs/papers/gdsr.md section 1): a shared head F = body_ex(LR); the low-frequency branch gives
the guide G = body_l1(F) and SR_low; the high-frequency branch takes concat(G, body_h1(F)) and
gives SR_high; the mask generator gives M = sigmoid(...) at HR size, 64 channels; the fused
feature M * Fh + (1 - M) * Fl gives SR_fused. Module names equal the authors' HEAD layout, so
their ``200000_G.pth`` loads with ``strict=True`` (1,144 tensors, 27,142,601 parameters at x4).
"""
import torch
from torch import nn

from gdsr.archs.rrdb_block import conv, rrdb_group, upconv_upsampler


class GDSRNet(nn.Module):
    """The dual network. ``forward`` returns (SR_low, SR_high, SR_fused) in train mode, SR_fused in
    eval mode (``return_all=True`` forces the tuple); ``forward_all`` also returns the mask."""

    def __init__(self, in_nc=3, out_nc=3, nf=64, gc=32, nb_e=2, nb_l_1=10, nb_l_2=5, nb_h_1=5, nb_h_2=10,
                 nb_m=5, scale=4, guidance=True, mask=True):
        super().__init__()
        # the ablation's switches (gdsr/README.md, "The claim at a reduced scale"); the same modules either way:
        # guidance=False feeds zeros instead of the low-frequency guide into the high-frequency branch;
        # mask=False fixes the mask at 1, so the fused output is the high-frequency features alone
        self.scale, self.guidance, self.use_mask = scale, guidance, mask
        # registration order = the authors' state_dict order
        # the first conv is bare here (key body_ex.0.weight), unlike the wrapped convs elsewhere
        self.body_ex = nn.Sequential(nn.Conv2d(in_nc, nf, 3, 1, 1), rrdb_group(nb_e, nf, gc))
        self.body_l1 = rrdb_group(nb_l_1, nf, gc)
        self.body_l2 = rrdb_group(nb_l_2, nf, gc)
        self.body_h1 = rrdb_group(nb_h_1, nf, gc)
        self.concat = conv(2 * nf, nf)
        self.body_h2 = rrdb_group(nb_h_2, nf, gc)
        self.body_m = rrdb_group(nb_m, nf, gc)
        self.LR_conv_l = conv(nf, nf)
        self.LR_conv_h = conv(nf, nf)
        self.LR_conv_M = conv(nf, nf)
        self.upsampler_l = upconv_upsampler(nf, scale)
        self.upsampler_h = upconv_upsampler(nf, scale)
        self.upsampler_m = upconv_upsampler(nf, scale)
        self.HR_conv0_l = conv(nf, nf, act=True)
        self.HR_conv0_h = conv(nf, nf, act=True)
        self.HR_conv0_m = conv(nf, nf, act=True)
        self.HR_conv1_l = conv(nf, out_nc)
        self.HR_conv1_h = conv(nf, out_nc)
        self.HR_conv1_m = conv(nf, out_nc)

    def forward_all(self, x):
        """Dict with 'low', 'high', 'fused' (B x out_nc x sH x sW) and 'mask' (B x nf x sH x sW)."""
        f = self.body_ex(x)
        guide = self.body_l1(f)
        fl = self.HR_conv0_l(self.upsampler_l(self.LR_conv_l(self.body_l2(guide))))
        h = self.concat(torch.cat((guide if self.guidance else torch.zeros_like(guide), self.body_h1(f)), 1))
        fh = self.HR_conv0_h(self.upsampler_h(self.LR_conv_h(self.body_h2(h))))
        if self.use_mask:
            # the LeakyReLU of HR_conv0_m before the sigmoid is the authors' and is kept
            mask = torch.sigmoid(self.HR_conv0_m(self.upsampler_m(self.LR_conv_M(self.body_m(f)))))
        else:
            mask = torch.ones_like(fh)
        fused = self.HR_conv1_m(mask * fh + (1 - mask) * fl)
        return {"low": self.HR_conv1_l(fl), "high": self.HR_conv1_h(fh), "fused": fused, "mask": mask}

    def forward(self, x, return_all=None):
        out = self.forward_all(x)
        if return_all or (return_all is None and self.training):
            return out["low"], out["high"], out["fused"]
        return out["fused"]


def remap_legacy_keys(state):
    """Map the df8215 / codes.zip layout (``body_ex_conv.0.*``, ``body_ex.sub.*``) to HEAD's."""
    if not any(k.startswith("body_ex_conv.") for k in state):
        return state
    out = {}
    for k, v in state.items():
        if k.startswith("body_ex_conv.0."):
            k = "body_ex.0." + k[len("body_ex_conv.0."):]
        elif k.startswith("body_ex.sub."):
            k = "body_ex.1.sub." + k[len("body_ex.sub."):]
        out[k] = v
    return out


def init_weights(net, scale=0.1):
    """Kaiming-normal (fan_in, a=0) times ``scale`` on convs/linears, zero biases, BN to (1, 0)."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            m.weight.data.mul_(scale)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
