"""Loss terms, as the authors' FASRGAN/FsSRGAN models compute them (docs/papers/fasrgan.md §2.2, §3.3).

* pixel: L1 (or L2) between SR and HR;
* perceptual: L1 between VGG19 conv5_4 (before ReLU) features of SR and HR (HR detached);
* relativistic average GAN (ESRGAN): BCE(C(a) - mean C(b), target) averaged over the two orders;
* per-pixel GAN on the discriminator's 3-channel map (standard, not relativistic);
* fine-grained attention: mean of |SR - HR| * (1 - sigmoid(M(SR))), the weight detached.
"""
import torch
from torch import nn
import torch.nn.functional as F

from fasrgan.archs.vgg_arch import VGG19FeatureExtractor


def build_pixel_loss(kind):
    kinds = {"l1": nn.L1Loss, "l2": nn.MSELoss}
    if kind not in kinds:
        raise ValueError(f"pixel/feature criterion must be one of {', '.join(kinds)}, got {kind!r}")
    return kinds[kind]()


class GANLoss(nn.Module):
    """'vanilla' (BCE with logits) or 'lsgan' (MSE) against a constant real/fake target."""

    def __init__(self, gan_type="vanilla"):
        super().__init__()
        if gan_type not in ("vanilla", "lsgan"):
            raise ValueError(f"gan_type must be 'vanilla' or 'lsgan', got {gan_type!r}")
        self.gan_type = gan_type

    def forward(self, logits, target_is_real):
        target = torch.full_like(logits, 1.0 if target_is_real else 0.0)
        if self.gan_type == "vanilla":
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.mse_loss(logits, target)


def ragan_g_loss(gan, real, fake):
    """Generator side of RaGAN; ``real`` is expected detached."""
    return 0.5 * (gan(real - fake.mean(), False) + gan(fake - real.mean(), True))


def ragan_d_loss(gan, real, fake):
    """Discriminator side of RaGAN; ``fake`` comes from a detached SR."""
    return 0.5 * (gan(real - fake.mean(), True) + gan(fake - real.mean(), False))


def pixel_gan_loss(gan, real_map, fake_map, for_generator):
    """Per-pixel standard GAN on the U-Net map. The authors' G side labels the HR map 0 and the SR
    map 1 (the HR term is a constant for G); the D side labels HR 1 and SR 0."""
    if for_generator:
        return 0.5 * (gan(real_map, False) + gan(fake_map, True))
    return 0.5 * (gan(real_map, True) + gan(fake_map, False))


def attention_pixel_loss(sr, hr, fake_map):
    """Mean of |SR - HR| weighted by D's per-pixel probability that SR is fake (weight detached)."""
    weight = 1.0 - torch.sigmoid(fake_map.detach())
    return (weight * (sr - hr).abs()).mean()


class PerceptualLoss(nn.Module):
    """criterion(phi(SR), phi(HR)) with phi = VGG19 up to ``layer``; phi(HR) is detached."""

    def __init__(self, weights_path, layer="conv5_4", criterion="l1"):
        super().__init__()
        self.vgg = VGG19FeatureExtractor(weights_path, layer)
        self.criterion = build_pixel_loss(criterion)

    def forward(self, sr, hr):
        with torch.no_grad():
            target = self.vgg(hr)
        return self.criterion(self.vgg(sr), target)
