"""Loss terms of FASRGAN / Fs-SRGAN (see losses.py)."""
from fasrgan.losses.losses import (GANLoss, PerceptualLoss, attention_pixel_loss, build_pixel_loss,
                                   pixel_gan_loss, ragan_d_loss, ragan_g_loss)

__all__ = ["GANLoss", "PerceptualLoss", "attention_pixel_loss", "build_pixel_loss", "pixel_gan_loss",
           "ragan_d_loss", "ragan_g_loss"]
