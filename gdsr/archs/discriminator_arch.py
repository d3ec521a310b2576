"""ESRGAN's ``discriminator_vgg_128`` (old BasicSR ``Discriminator_VGG_128``), the authors' keys.

``input_size`` (default 128, the authors' fixed value) only sizes the first linear layer, so tiny
training patches (a multiple of 32) can be used for tests.
"""
from torch import nn


def _block(in_nc, out_nc, k, s, bn=True):
    layers = [nn.Conv2d(in_nc, out_nc, k, s, (k - 1) // 2, bias=True)]
    if bn:
        layers.append(nn.BatchNorm2d(out_nc, affine=True))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return layers


class DiscriminatorVGG128(nn.Module):
    """Ten conv blocks (five stride-2), then Linear(nf*8*(size/32)^2, 100) -> LReLU -> Linear(100, 1)."""

    def __init__(self, in_nc=3, nf=64, input_size=128):
        super().__init__()
        if input_size % 32:
            raise ValueError(f"the VGG-128 discriminator needs an input size that is a multiple of 32, "
                             f"got {input_size}")
        plan = [(nf, 4, 2), (2 * nf, 3, 1), (2 * nf, 4, 2), (4 * nf, 3, 1), (4 * nf, 4, 2), (8 * nf, 3, 1),
                (8 * nf, 4, 2), (8 * nf, 3, 1), (8 * nf, 4, 2)]
        layers = _block(in_nc, nf, 3, 1, bn=False)
        prev = nf
        for out_nc, k, s in plan:
            layers += _block(prev, out_nc, k, s)
            prev = out_nc
        self.features = nn.Sequential(*layers)
        side = input_size // 32
        self.input_size = input_size
        self.classifier = nn.Sequential(nn.Linear(prev * side * side, 100), nn.LeakyReLU(0.2, inplace=True),
                                        nn.Linear(100, 1))

    def forward(self, x):
        if x.shape[-1] != self.input_size or x.shape[-2] != self.input_size:
            raise ValueError(f"the discriminator was built for {self.input_size}x{self.input_size} input, "
                             f"got {x.shape[-2]}x{x.shape[-1]} (set network_D.input_size to HR_size)")
        return self.classifier(self.features(x).flatten(1))
