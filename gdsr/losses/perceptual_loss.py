"""Perceptual loss: criterion(VGG19 conv5_4 (before ReLU) of SR, the same of HR)."""
import torch
from torch import nn

from gdsr.archs.vgg_arch import VGG19FeatureExtractor
from gdsr.losses.pixel_loss import build_criterion


class PerceptualLoss(nn.Module):
    """``loss(x, target(hr))``: the SR feature keeps its graph, the HR one (``target``) is detached."""

    def __init__(self, vgg19_path, layer=34, criterion="l1"):
        super().__init__()
        self.vgg = VGG19FeatureExtractor(vgg19_path, last_layer=layer)
        self.cri = build_criterion(criterion)

    @torch.no_grad()
    def target(self, hr):
        return self.vgg(hr).detach().float()

    def forward(self, x, target_feature):
        # features as fp32 (VGG may run under autocast), so the loss itself is fp32
        return self.cri(self.vgg(x).float(), target_feature.float())
