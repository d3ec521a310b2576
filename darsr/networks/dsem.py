"""DSEM: the degradation score estimator; a scalar in (0, 1) per image (0 = bicubic-like)."""
from torch import nn


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(True), nn.Conv2d(c, c, 3, 1, 1))

    def forward(self, x):
        return x + self.body(x)


class DSEM(nn.Module):
    def __init__(self, channels=64, blocks=2):
        super().__init__()
        c = channels
        layers = [nn.Conv2d(3, c, 3, 1, 1)]
        layers += [ResBlock(c) for _ in range(blocks)] + [nn.Conv2d(c, 2 * c, 3, 2, 1)]
        layers += [ResBlock(2 * c) for _ in range(blocks)] + [nn.Conv2d(2 * c, 4 * c, 3, 2, 1)]
        layers += [ResBlock(4 * c) for _ in range(blocks)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(4 * c, 4 * c), nn.ReLU(True), nn.Linear(4 * c, 1), nn.Sigmoid())

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)
