"""torchvision's AlexNet ``features`` (keys ``features.N.*``), split at the five ReLUs that LPIPS
reads. Weights come from a user-named file (e.g. torchvision's alexnet-owt-7be5be79.pth)."""
from torch import nn

from fasrgan.archs.vgg_arch import load_backbone_weights


def alexnet_features():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))


class AlexNetFeatures(nn.Module):
    """Returns the relu1..relu5 feature maps (64, 192, 384, 256, 256 channels)."""

    CHANNELS = (64, 192, 384, 256, 256)
    _SPLITS = ((0, 2), (2, 5), (5, 8), (8, 10), (10, 12))

    def __init__(self, weights_path):
        super().__init__()
        full = alexnet_features()
        load_backbone_weights(full, weights_path, "AlexNet")
        layers = list(full.children())
        self.slices = nn.ModuleList(nn.Sequential(*layers[a:b]) for a, b in self._SPLITS)
        for p in self.parameters():
            p.requires_grad = False
        self.eval()

    def forward(self, x):
        outs = []
        for s in self.slices:
            x = s(x)
            outs.append(x)
        return outs
