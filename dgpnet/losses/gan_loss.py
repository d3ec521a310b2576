"""The adversarial loss (BasicSR's GANLoss keys): 'vanilla' (logits + binary cross-entropy) or 'lsgan' (MSE)."""
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GANLoss"]


class GANLoss(nn.Module):
    """``loss(pred, target_is_real, is_disc)``; ``loss_weight`` scales the generator's term only (the
    discriminator's loss is unweighted, as in BasicSR)."""

    def __init__(self, gan_type="vanilla", real_label_val=1.0, fake_label_val=0.0, loss_weight=1.0):
        super().__init__()
        if gan_type not in ("vanilla", "lsgan"):
            raise ValueError(f"gan_type must be 'vanilla' or 'lsgan', got {gan_type!r}")
        self.gan_type, self.loss_weight = gan_type, loss_weight
        self.real_label_val, self.fake_label_val = real_label_val, fake_label_val

    def forward(self, pred, target_is_real, is_disc=False):
        target = torch.full_like(pred, self.real_label_val if target_is_real else self.fake_label_val)
        if self.gan_type == "vanilla":
            loss = F.binary_cross_entropy_with_logits(pred, target)
        else:
            loss = F.mse_loss(pred, target)
        return loss if is_disc else loss * self.loss_weight
