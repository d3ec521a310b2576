"""VGG19 feature extractor for the perceptual loss (torchvision's ``vgg19`` layer indices, so its
``features.N.weight`` / ``features.N.bias`` state dict loads). No weights are bundled or downloaded:
the ImageNet weights come from a file the user names (e.g. torchvision's vgg19-dcbb9e9d.pth)."""
import os

import torch
from torch import nn

_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
LAYER_INDEX = {"conv5_4": 34, "relu5_4": 35, "conv4_4": 25, "relu4_4": 26, "conv3_4": 16, "relu3_4": 17}


def vgg19_features():
    """torchvision's ``vgg19().features`` (no BN), randomly initialised."""
    layers, cin = [], 3
    for v in _CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=True)]
            cin = v
    return nn.Sequential(*layers)


def load_backbone_weights(module, path, what, prefix="features."):
    """Load ``prefix``N.* tensors of a torchvision state dict file into ``module`` (strict on the
    layers ``module`` has); errors name the file."""
    from common.io import load_checkpoint

    if not path:
        raise FileNotFoundError(f"{what}: no weights file given")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: {what} weights file not found")
    state = load_checkpoint(path)
    if not any(k.startswith(prefix) for k in state):
        state = {prefix + k: v for k, v in state.items()}   # a bare features state dict
    own = module.state_dict()
    picked = {}
    for k, v in own.items():
        src = state.get(prefix + k)
        if src is None or tuple(src.shape) != tuple(v.shape):
            got = "missing" if src is None else f"shape {tuple(src.shape)}"
            raise ValueError(f"{path}: not a torchvision {what} file ({prefix}{k} {got}, expected {tuple(v.shape)})")
        picked[k] = src
    module.load_state_dict(picked)


class VGG19FeatureExtractor(nn.Module):
    """phi(x) = VGG19 features up to ``layer`` (default conv5_4 before ReLU, ESRGAN's choice) of
    the ImageNet-normalised [0,1] RGB input. Parameters are frozen."""

    def __init__(self, weights_path, layer="conv5_4", use_input_norm=True):
        super().__init__()
        if layer not in LAYER_INDEX:
            raise ValueError(f"unknown VGG19 layer {layer!r}; choose from {', '.join(LAYER_INDEX)}")
        full = vgg19_features()
        load_backbone_weights(full, weights_path, "VGG19")
        self.features = nn.Sequential(*list(full.children())[:LAYER_INDEX[layer] + 1])
        self.use_input_norm = use_input_norm
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad = False
        self.eval()

    def train(self, mode=True):
        return super().train(False)   # always eval; no BN/dropout anyway

    def forward(self, x):
        if self.use_input_norm:
            x = (x - self.mean) / self.std
        return self.features(x)
