"""Losses: pixel (L1/L2), VGG19 perceptual, and the relativistic average GAN loss."""
from gdsr.losses.gan_loss import GANLoss, ragan_g_loss
from gdsr.losses.pixel_loss import build_criterion
from gdsr.losses.perceptual_loss import PerceptualLoss

__all__ = ["build_criterion", "PerceptualLoss", "GANLoss", "ragan_g_loss"]
