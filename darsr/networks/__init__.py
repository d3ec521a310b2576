"""DARSR's networks: pure nn.Modules, one file each."""
from darsr.networks.darm import DARM
from darsr.networks.discriminator import Discriminator
from darsr.networks.downsampler import Downsampler, FixedKernel
from darsr.networks.dsem import DSEM
from darsr.networks.srfbn import SRFBN

__all__ = ["DARM", "Discriminator", "Downsampler", "DSEM", "FixedKernel", "SRFBN"]
