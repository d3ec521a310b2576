"""Losses, built from an options block ``{type, loss_weight, reduction, eps}``."""
from dgpnet.losses.basic_loss import CharbonnierLoss, L1Loss, MSELoss
from dgpnet.losses.gan_loss import GANLoss

LOSSES = {"L1Loss": L1Loss, "MSELoss": MSELoss, "CharbonnierLoss": CharbonnierLoss}

__all__ = ["LOSSES", "GANLoss", "build_loss"]


def build_loss(opt):
    opt = dict(opt)
    kind = opt.pop("type")
    if kind not in LOSSES:
        raise ValueError(f"unknown loss type {kind!r} (choose from {', '.join(LOSSES)})")
    return LOSSES[kind](**opt)
