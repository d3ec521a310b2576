"""The real-world GAN stage: the adversarial loss, the U-Net discriminator, and DGPNetGANModel through train.py
(both networks learn, the discriminator is saved and resumed exactly)."""
import math
import os

import pytest
import torch

from common.io import load_checkpoint
from dgpnet.archs import UNetDiscriminatorSN
from dgpnet.losses import GANLoss
from dgpnet.train import cli as train_cli
from tests.dgpnet.conftest import train_options, write_json


def test_gan_loss_values_and_weight():
    zero = torch.zeros(2, 1, 4, 4)
    g = GANLoss("vanilla", loss_weight=0.1)
    assert g(zero, True, is_disc=True).item() == pytest.approx(math.log(2), rel=1e-6)   # BCE at logit 0
    assert g(zero, True).item() == pytest.approx(0.1 * math.log(2), rel=1e-6)           # weight: G only
    big = torch.full((1, 1, 2, 2), 20.0)
    assert g(big, True, is_disc=True).item() < 1e-8 and g(big, False, is_disc=True).item() > 19
    ls = GANLoss("lsgan")
    assert ls(torch.full((1, 1, 2, 2), 0.5), True, is_disc=True).item() == pytest.approx(0.25)
    with pytest.raises(ValueError, match="gan_type"):
        GANLoss("wgan")


def test_unet_discriminator_scores_every_pixel():
    d = UNetDiscriminatorSN(num_feat=8)
    assert d(torch.rand(2, 3, 32, 40)).shape == (2, 1, 32, 40)
    with pytest.raises(ValueError, match="multiple of 8"):
        d(torch.rand(1, 3, 30, 32))
    plain = UNetDiscriminatorSN(num_feat=8, skip_connection=False)
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in d.parameters())


def _gan_options(root, name, total_iter):
    opt = train_options(root, name=name, total_iter=total_iter, model_type="DGPNetGANModel",
                        network_d={"type": "UNetDiscriminatorSN", "num_feat": 8})
    opt["train"].update(gan_opt={"type": "GANLoss", "gan_type": "vanilla", "loss_weight": 0.1})
    return opt


def test_gan_training_saves_and_resumes_both_networks(pairs, capsys, monkeypatch):
    root = str(pairs)
    monkeypatch.chdir(root)
    assert train_cli(["-opt", write_json(pairs / "g4.json", _gan_options(root, "gan", 4))]) == 0
    out = capsys.readouterr().out
    assert "l_g_pix:" in out and "l_g_gan:" in out and "l_d_real:" in out and "l_d_fake:" in out
    exp = os.path.join(root, "experiments", "gan")
    for f in ("net_g_4.pth", "net_d_2.pth", "net_d_4.pth", "net_d_latest.pth"):
        assert os.path.isfile(os.path.join(exp, "models", f)), f
    d2, d4 = (load_checkpoint(os.path.join(exp, "models", f"net_d_{i}.pth"), key="params") for i in (2, 4))
    assert any(not torch.equal(d2[k], d4[k]) for k in d2)                       # D learns
    state = load_checkpoint(os.path.join(exp, "training_states", "4.state"), key=None)
    assert len(state["optimizers"]) == 2 and len(state["schedulers"]) == 2

    # resumed to 6 == straight to 6, for G and for D
    assert train_cli(["-opt", write_json(pairs / "g6.json", _gan_options(root, "gan", 6)), "--auto_resume"]) == 0
    assert train_cli(["-opt", write_json(pairs / "r6.json", _gan_options(root, "ref", 6))]) == 0
    ref = os.path.join(root, "experiments", "ref", "models")
    for net in ("net_g_6.pth", "net_d_6.pth"):
        a = load_checkpoint(os.path.join(exp, "models", net), key="params")
        b = load_checkpoint(os.path.join(ref, net), key="params")
        for k in b:
            torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6, msg=f"{net} {k}")


def test_resume_without_the_discriminator_is_a_one_line_error(pairs, capsys, monkeypatch):
    root = str(pairs)
    monkeypatch.chdir(root)
    assert train_cli(["-opt", write_json(pairs / "g2.json", _gan_options(root, "gan", 2))]) == 0
    exp = os.path.join(root, "experiments", "gan")
    os.remove(os.path.join(exp, "models", "net_d_2.pth"))
    capsys.readouterr()
    rc = train_cli(["-opt", write_json(pairs / "g4.json", _gan_options(root, "gan", 4)), "--auto_resume"])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and len(err.splitlines()) == 1 and "net_d_2.pth" in err, err
