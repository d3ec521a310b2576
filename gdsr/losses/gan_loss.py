"""GAN criterion (old BasicSR ``GANLoss``) and the relativistic average (RaGAN) terms of ESRGAN."""
import torch
from torch import nn


class GANLoss(nn.Module):
    """'vanilla': BCE with logits; 'lsgan': MSE. Targets are constant 1 (real) or 0 (fake)."""

    def __init__(self, gan_type="vanilla"):
        super().__init__()
        if gan_type == "vanilla":
            self.loss = nn.BCEWithLogitsLoss()
        elif gan_type == "lsgan":
            self.loss = nn.MSELoss()
        else:
            raise ValueError(f"gan_type {gan_type!r} is not supported (use 'vanilla' or 'lsgan')")

    def forward(self, pred, target_is_real):
        target = torch.full_like(pred, 1.0 if target_is_real else 0.0)
        return self.loss(pred, target)


def ragan_g_loss(cri, pred_real, pred_fake):
    """Generator side: [L(D(HR) - mean D(SR), 0) + L(D(SR) - mean D(HR), 1)] / 2, real logits detached."""
    pred_real = pred_real.detach()
    return (cri(pred_real - pred_fake.mean(), False) + cri(pred_fake - pred_real.mean(), True)) / 2
