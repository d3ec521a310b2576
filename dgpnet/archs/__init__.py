"""Architectures: DGConv, AIIBlock, DGPNet (and a small SRResNet for the drop-in check)."""
from dgpnet.archs.aiiblock_arch import AIIBlock
from dgpnet.archs.discriminator_arch import UNetDiscriminatorSN
from dgpnet.archs.dgconv_arch import BRANCHES, STATISTICAL, STRUCTURAL, DGConv
from dgpnet.archs.dgpnet_arch import PRESETS, DGPNet
from dgpnet.archs.reparam import convert, fuse
from dgpnet.archs.srresnet_arch import MSRResNet

ARCHS = {"DGPNet": DGPNet, "MSRResNet": MSRResNet}
DISCRIMINATORS = {"UNetDiscriminatorSN": UNetDiscriminatorSN}

__all__ = ["AIIBlock", "BRANCHES", "STATISTICAL", "STRUCTURAL", "DGConv", "PRESETS", "DGPNet", "MSRResNet",
           "ARCHS", "DISCRIMINATORS", "UNetDiscriminatorSN", "convert", "fuse"]
