"""Fs-SRGAN's discriminator head (``discriminator_vgg_192_ex``): a VGG-style classifier that runs
on the shared extractor's 64-channel features of a 192x192 HR or SR patch.

ESRGAN/SRGAN VGG discriminator layout: conv0 3x3 (no BN), then pairs of [3x3 s1, 4x4 s2] convs
with BN and LeakyReLU(0.2), widths nf, nf | 2nf | 4nf | 8nf | 8nf | 8nf; the map is flattened
(8nf x (in_size/64)^2) into Linear(->100), LeakyReLU, Linear(->1).
"""
from torch import nn


def _block(cin, cout, k, s, bn=True):
    layers = [nn.Conv2d(cin, cout, k, s, 1)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return layers


class VGGDiscriminator(nn.Module):
    """One logit per image. ``in_size`` is the input's square size and ``n_down`` the number of
    stride-2 stages: 192 and 6 for Fs-SRGAN, 128 and 5 for ESRGAN's VGG-128."""

    def __init__(self, in_nc=64, nf=64, in_size=192, n_down=6):
        super().__init__()
        widths = ([nf, 2 * nf, 4 * nf] + [8 * nf] * max(n_down - 3, 0))[:n_down]
        if in_size % (2 ** n_down):
            raise ValueError(f"VGG discriminator: in_size {in_size} is not a multiple of {2 ** n_down}")
        self.in_size = in_size
        layers = _block(in_nc, nf, 3, 1, bn=False) + _block(nf, nf, 4, 2)
        cin = nf
        for w in widths[1:]:
            layers += _block(cin, w, 3, 1) + _block(w, w, 4, 2)
            cin = w
        self.features = nn.Sequential(*layers)
        side = in_size // 2 ** n_down
        self.classifier = nn.Sequential(nn.Linear(cin * side * side, 100), nn.LeakyReLU(0.2, inplace=True),
                                        nn.Linear(100, 1))

    def forward(self, x):
        if x.shape[-2:] != (self.in_size, self.in_size):
            raise ValueError(f"VGG discriminator built for {self.in_size}x{self.in_size} inputs, "
                             f"got {x.shape[-1]}x{x.shape[-2]} (set network_D.in_size)")
        return self.classifier(self.features(x).flatten(1))
