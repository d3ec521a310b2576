import pytest
import torch
import torch.nn.functional as F

from fasrgan.archs import VGG19FeatureExtractor
from fasrgan.archs.vgg_arch import vgg19_features
from fasrgan.losses import GANLoss, PerceptualLoss, attention_pixel_loss, pixel_gan_loss, ragan_d_loss, ragan_g_loss

from .helpers import make_vgg


def test_ragan_matches_formula():
    gan = GANLoss("vanilla")
    real, fake = torch.tensor([[1.0], [0.5]]), torch.tensor([[-0.2], [0.3]])
    bce = F.binary_cross_entropy_with_logits
    want_g = 0.5 * (bce(real - fake.mean(), torch.zeros(2, 1)) + bce(fake - real.mean(), torch.ones(2, 1)))
    want_d = 0.5 * (bce(real - fake.mean(), torch.ones(2, 1)) + bce(fake - real.mean(), torch.zeros(2, 1)))
    assert torch.allclose(ragan_g_loss(gan, real, fake), want_g)
    assert torch.allclose(ragan_d_loss(gan, real, fake), want_d)


def test_pixel_gan_labels():
    gan = GANLoss("vanilla")
    real, fake = torch.full((1, 3, 2, 2), 5.0), torch.full((1, 3, 2, 2), -5.0)
    assert pixel_gan_loss(gan, real, fake, for_generator=False) < 0.01   # D is right
    assert pixel_gan_loss(gan, real, fake, for_generator=True) > 4.9     # G side labels are flipped


def test_attention_loss_weights_hard_pixels_and_detaches():
    sr = torch.zeros(1, 3, 2, 2, requires_grad=True)
    hr = torch.ones(1, 3, 2, 2)
    fake_map = torch.zeros(1, 3, 2, 2, requires_grad=True)
    with torch.no_grad():
        fake_map[..., 0, 0] = -20.0       # D sure this pixel is fake -> weight ~1
        fake_map[..., 1, 1] = 20.0        # D fooled -> weight ~0
    loss = attention_pixel_loss(sr, hr, fake_map)
    assert abs(loss.item() - (1 + 0.5 + 0.5 + 0) / 4) < 1e-6
    loss.backward()
    assert fake_map.grad is None and sr.grad is not None


def test_vgg_feature_loss(tmp_path):
    path = make_vgg(str(tmp_path / "vgg19.pth"))
    vgg = VGG19FeatureExtractor(path)
    assert len(vgg.features) == 35 and isinstance(vgg.features[-1], torch.nn.Conv2d)  # conv5_4, before ReLU
    assert all(not p.requires_grad for p in vgg.parameters())
    loss = PerceptualLoss(path)
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    assert loss(x, x.detach()).item() == 0
    l2 = loss(x, torch.rand(1, 3, 32, 32))
    l2.backward()
    assert l2.item() > 0 and x.grad is not None


def test_vgg_missing_or_wrong_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        PerceptualLoss(str(tmp_path / "nope.pth"))
    bad = tmp_path / "bad.pth"
    feats = vgg19_features()
    torch.save({f"features.{k}": v for k, v in list(feats.state_dict().items())[:4]}, bad)
    with pytest.raises(ValueError, match="bad.pth"):
        PerceptualLoss(str(bad))
