"""Pure nn.Module architectures of FASRGAN and Fs-SRGAN (no training code)."""
from fasrgan.archs.rrdbnet_arch import RRDB, RRDBNet, FeatureExtractorE, FsGenerator, convert_rrdb_keys
from fasrgan.archs.unet_discriminator_arch import UNetDiscriminator
from fasrgan.archs.vgg_discriminator_arch import VGGDiscriminator
from fasrgan.archs.vgg_arch import VGG19FeatureExtractor
from fasrgan.archs.alexnet_arch import AlexNetFeatures

__all__ = ["RRDB", "RRDBNet", "FeatureExtractorE", "FsGenerator", "convert_rrdb_keys",
           "UNetDiscriminator", "VGGDiscriminator", "VGG19FeatureExtractor", "AlexNetFeatures"]
