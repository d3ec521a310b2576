"""VGG19 ``features`` with torchvision's key names (``features.N.weight``), written here so that
a torchvision ``vgg19-dcbb9e9d.pth`` file loads without torchvision. Nothing is downloaded."""
import torch
from torch import nn

from common.io import load_checkpoint

# torchvision's cfg "E"; "M" is max-pooling
_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def vgg19_features():
    """The 37-layer ``features`` Sequential of torchvision's vgg19 (no BN)."""
    layers, prev = [], 3
    for v in _CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(prev, v, 3, 1, 1), nn.ReLU(inplace=True)]
            prev = v
    return nn.Sequential(*layers)


class VGG19FeatureExtractor(nn.Module):
    """Frozen VGG19 ``features[:last_layer + 1]`` on ImageNet-normalised [0, 1] RGB input.

    ``last_layer=34`` is conv5_4 before its ReLU (ESRGAN / the authors' ``feature_layer=34``).
    """

    def __init__(self, weights_path, last_layer=34, use_input_norm=True):
        super().__init__()
        full = vgg19_features()
        state = load_checkpoint(weights_path)
        want = {k: v for k, v in state.items() if k.startswith("features.")}
        expected = {f"features.{k}" for k in full.state_dict()}
        missing = sorted(expected - set(want))
        if missing:
            raise ValueError(f"{weights_path}: not a VGG19 state_dict (missing {', '.join(missing[:3])}"
                             f"{', ...' if len(missing) > 3 else ''})")
        try:
            full.load_state_dict({k[len("features."):]: v for k, v in want.items()})
        except RuntimeError as exc:
            detail = str(exc).splitlines()[-1].strip()
            raise ValueError(f"{weights_path}: VGG19 weights do not fit ({detail})") from None
        self.features = nn.Sequential(*list(full.children())[:last_layer + 1])
        self.use_input_norm = use_input_norm
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode=True):
        return super().train(False)     # always eval: frozen feature extractor

    def forward(self, x):
        if self.use_input_norm:
            x = (x - self.mean) / self.std
        return self.features(x)
