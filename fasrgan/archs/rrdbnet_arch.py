"""ESRGAN's RRDBNet with the old BasicSR/ESRGAN state_dict names, and Fs-SRGAN's extractor E.

Wang et al., "ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks", ECCVW 2018.
Key layout (so the authors' FASRGAN_G.pth, FsSRGAN_{E,G}.pth and ESRGAN's RRDB_PSNR_x4.pth load
strictly): ``model.0`` first conv, ``model.1.sub.{i}.RDB{1,2,3}.conv{1..5}.0`` the RRDBs,
``model.1.sub.{nb}`` the trunk conv, then the upsampling convs, the HR conv and the last conv.
"""
import re

import torch
from torch import nn


def _conv(cin, cout, act=True):
    layers = [nn.Conv2d(cin, cout, 3, 1, 1)]
    if act:
        layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


class ResidualDenseBlock5C(nn.Module):
    """Five densely connected convs; output = x + 0.2 * conv5."""

    def __init__(self, nf=64, gc=32):
        super().__init__()
        self.conv1 = _conv(nf, gc)
        self.conv2 = _conv(nf + gc, gc)
        self.conv3 = _conv(nf + 2 * gc, gc)
        self.conv4 = _conv(nf + 3 * gc, gc)
        self.conv5 = _conv(nf + 4 * gc, nf, act=False)

    def forward(self, x):
        x1 = self.conv1(x)
        x2 = self.conv2(torch.cat((x, x1), 1))
        x3 = self.conv3(torch.cat((x, x1, x2), 1))
        x4 = self.conv4(torch.cat((x, x1, x2, x3), 1))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x + 0.2 * x5


class RRDB(nn.Module):
    """Residual-in-residual dense block: three RDBs and a 0.2-scaled skip."""

    def __init__(self, nf=64, gc=32):
        super().__init__()
        self.RDB1 = ResidualDenseBlock5C(nf, gc)
        self.RDB2 = ResidualDenseBlock5C(nf, gc)
        self.RDB3 = ResidualDenseBlock5C(nf, gc)

    def forward(self, x):
        return x + 0.2 * self.RDB3(self.RDB2(self.RDB1(x)))


class ShortcutBlock(nn.Module):
    """x + sub(x); the attribute name ``sub`` is part of the checkpoint keys."""

    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


def _trunk(nf, nb, gc):
    return ShortcutBlock(nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)], nn.Conv2d(nf, nf, 3, 1, 1)))


class RRDBNet(nn.Module):
    """RRDBNet ('RRDB_net' / 'RRDBNet_G'): conv, nb RRDBs + trunk conv in a long skip,
    nearest-neighbour 'upconv' upsampling, HR conv, last conv. No output activation.

    ``in_nc=64`` gives Fs-SRGAN's G, which takes E's 64-channel features.
    Scales 2, 3 and 4 (8 = three x2 steps) are supported.
    """

    def __init__(self, in_nc=3, out_nc=3, nf=64, nb=23, gc=32, scale=4):
        super().__init__()
        if scale not in (1, 2, 3, 4, 8):
            raise ValueError(f"RRDBNet supports scale 1, 2, 3, 4 or 8, got {scale}")
        self.scale, self.in_nc = scale, in_nc
        steps = {1: [], 2: [2], 3: [3], 4: [2, 2], 8: [2, 2, 2]}[scale]
        layers = [nn.Conv2d(in_nc, nf, 3, 1, 1), _trunk(nf, nb, gc)]
        for s in steps:
            layers += [nn.Upsample(scale_factor=s, mode="nearest"), nn.Conv2d(nf, nf, 3, 1, 1),
                       nn.LeakyReLU(0.2, inplace=True)]
        layers += [nn.Conv2d(nf, nf, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(nf, out_nc, 3, 1, 1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class FeatureExtractorE(nn.Module):
    """Fs-SRGAN's shared shallow extractor E: f = conv(x); E(x) = f + Trunk(f), 64 channels,
    same spatial size. Keys ``model.0``, ``model.1.sub.{0..nb-1}`` (RRDBs), ``model.1.sub.{nb}``
    (trunk conv): the layout of the released FsSRGAN_E.pth (the 2019 ``model_ex``)."""

    def __init__(self, in_nc=3, nf=64, nb=1, gc=32):
        super().__init__()
        self.out_nc = nf
        self.model = nn.Sequential(nn.Conv2d(in_nc, nf, 3, 1, 1), _trunk(nf, nb, gc))

    def forward(self, x):
        return self.model(x)


class FsGenerator(nn.Module):
    """Fs-SRGAN at test time: SR = G(E(LR)). Holds E and G as ``E`` and ``G``."""

    def __init__(self, E, G):
        super().__init__()
        self.E, self.G = E, G
        self.scale = G.scale

    def forward(self, x):
        return self.G(self.E(x))


_NEW_NAMES = [  # modern BasicSR / new ESRGAN names -> old names (n = index of the trunk conv)
    (r"^conv_first\.", "model.0."),
    (r"^(?:body|RRDB_trunk)\.(\d+)\.(?:rdb|RDB)(\d)\.conv(\d)\.", r"model.1.sub.\1.RDB\2.conv\3.0."),
    (r"^(?:conv_body|trunk_conv)\.", "model.1.sub.{n}."),
    (r"^(?:conv_up1|upconv1)\.", "model.3."),
    (r"^(?:conv_up2|upconv2)\.", "model.6."),
    (r"^(?:conv_hr|HRconv)\.", "model.8."),
    (r"^conv_last\.", "model.10."),
]


def convert_rrdb_keys(state):
    """Map a x4 RRDBNet state dict with modern BasicSR or new-ESRGAN names to the old names;
    a dict already in the old format is returned unchanged."""
    if any(k.startswith("model.") for k in state):
        return dict(state)
    idx = [int(m.group(1)) for k in state for m in [re.match(r"^(?:body|RRDB_trunk)\.(\d+)\.", k)] if m]
    n = max(idx) + 1 if idx else 0
    out = {}
    for k, v in state.items():
        new = k
        for pat, rep in _NEW_NAMES:
            if re.match(pat, k):
                new = re.sub(pat, rep.replace("{n}", str(n)), k)
                break
        out[new] = v
    return out


def infer_rrdb_config(state):
    """(in_nc, nf, nb) of an RRDBNet or E state dict in the old key format."""
    w = state["model.0.weight"]
    subs = {int(m.group(1)) for k in state for m in [re.match(r"^model\.1\.sub\.(\d+)\.", k)] if m}
    if not subs:
        raise ValueError("not an RRDBNet state dict: no 'model.1.sub.N' keys")
    return w.shape[1], w.shape[0], max(subs)
