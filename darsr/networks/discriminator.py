"""D: KernelGAN's fully-convolutional patch discriminator with spectral norm."""
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


class Discriminator(nn.Module):
    def __init__(self, channels=64, n_layers=7, kernel_size=7):
        super().__init__()
        self.first = spectral_norm(nn.Conv2d(3, channels, kernel_size))
        body = []
        for _ in range(n_layers - 2):
            body += [spectral_norm(nn.Conv2d(channels, channels, 1)), nn.BatchNorm2d(channels), nn.ReLU(True)]
        self.body = nn.Sequential(*body)
        self.last = nn.Sequential(spectral_norm(nn.Conv2d(channels, 1, 1)), nn.Sigmoid())
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.parametrizations.weight.original, gain=0.1)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.last(self.body(self.first(x)))
