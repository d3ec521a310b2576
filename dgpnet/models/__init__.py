"""Training procedure and network loading."""
from dgpnet.models.dgpnet_gan_model import DGPNetGANModel
from dgpnet.models.dgpnet_model import DGPNetModel
from dgpnet.models.net_utils import build_network, load_weights

__all__ = ["DGPNetModel", "DGPNetGANModel", "build_network", "load_weights"]
