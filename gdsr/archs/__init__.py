"""Architectures: the GDSR dual network, the VGG-128 discriminator and the VGG19 feature extractor."""
from gdsr.archs.discriminator_arch import DiscriminatorVGG128
from gdsr.archs.gdsr_arch import GDSRNet, remap_legacy_keys
from gdsr.archs.vgg_arch import VGG19FeatureExtractor

__all__ = ["GDSRNet", "DiscriminatorVGG128", "VGG19FeatureExtractor", "remap_legacy_keys"]
