import os

import pytest
import torch

from fasrgan import api
from fasrgan.archs import (FeatureExtractorE, RRDBNet, UNetDiscriminator, VGGDiscriminator,
                           convert_rrdb_keys)


def count_parameters(net):
    return sum(p.numel() for p in net.parameters())


def test_fasrgan_generator_size_and_authors_keys():
    net = api.build("fasrgan", 4)
    assert count_parameters(net) == 16_697_987
    keys = net.state_dict()
    assert len(keys) == 702
    for k in ("model.0.weight", "model.1.sub.0.RDB1.conv1.0.weight", "model.1.sub.22.RDB3.conv5.0.bias",
              "model.1.sub.23.weight", "model.3.weight", "model.6.weight", "model.8.weight", "model.10.weight"):
        assert k in keys, k
    assert tuple(keys["model.10.weight"].shape) == (3, 64, 3, 3)


def test_fs_srgan_sizes():
    net = api.build("fs_srgan", 4)
    assert count_parameters(net.E) == 758_144
    assert count_parameters(net.G) == 11_697_155
    assert count_parameters(net) == 12_455_299
    assert "model.1.sub.16.weight" in net.G.state_dict()


def test_discriminator_sizes_and_keys():
    d = UNetDiscriminator()           # paper: 128x128 input
    assert count_parameters(d) == 70_473_220
    keys = d.state_dict()
    for k in ("inc.conv.conv.0.weight", "inc.conv.conv.1.running_mean", "down3.mpconv.1.conv.4.weight",
              "up4.conv.conv.3.weight", "outc.conv.weight", "classifier.0.weight", "classifier.2.bias"):
        assert k in keys, k
    del d
    assert count_parameters(VGGDiscriminator(64, 64, 192)) == 20_735_689
    assert count_parameters(VGGDiscriminator(3, 64, 128, n_down=5)) == 14_502_281


def test_unet_outputs_and_bn_eps_option():
    d = UNetDiscriminator(nf=4, in_size=32)
    score, mask = d(torch.rand(2, 3, 32, 32))
    assert score.shape == (2, 1) and mask.shape == (2, 3, 32, 32)
    assert d.inc.conv.conv[1].eps == 1e-5
    bug = UNetDiscriminator(nf=4, in_size=32, bn_eps_bug=True)
    assert bug.inc.conv.conv[1].eps == 4 and bug.down2.mpconv[1].conv[1].eps == 16
    assert bug.inc.conv.conv[4].eps == 1e-5          # only the first BN had the bug
    with pytest.raises(ValueError, match="in_size"):
        d(torch.rand(1, 3, 48, 48))


def test_extractor_from_shared_loads_strictly_and_runs(shared_dir):
    path = os.path.join(shared_dir, "weights", "fasrgan", "FsSRGAN_E.pth")
    E = api.load_extractor(path)
    assert count_parameters(E) == 758_144
    raw = torch.load(path, map_location="cpu", weights_only=True)
    assert set(raw) == set(E.state_dict())
    with torch.no_grad():
        y = E(torch.rand(1, 3, 12, 10))
    assert y.shape == (1, 64, 12, 10) and torch.isfinite(y).all()
    bundled = api.load_extractor()
    for k, v in bundled.state_dict().items():
        assert torch.equal(v, E.state_dict()[k])


def test_extractor_rejects_other_files(tmp_path):
    p = tmp_path / "g.pth"
    torch.save(RRDBNet(3, 3, 8, 1, 4).state_dict(), p)
    with pytest.raises(ValueError, match="g.pth"):
        api.load_extractor(str(p))


def test_modern_basicsr_names_convert():
    old = RRDBNet(3, 3, 8, 2, 4)
    ren = {"model.0.": "conv_first.", "model.1.sub.2.": "conv_body.", "model.3.": "conv_up1.",
           "model.6.": "conv_up2.", "model.8.": "conv_hr.", "model.10.": "conv_last."}
    modern = {}
    for k, v in old.state_dict().items():
        nk = k
        for a, b in ren.items():
            if k.startswith(a):
                nk = b + k[len(a):]
        if k.startswith("model.1.sub.") and ".RDB" in k:
            i, rdb, conv = k.split(".")[3], k.split(".")[4], k.split(".")[5]
            nk = f"body.{i}.{rdb.lower()}.{conv}.{k.split('.')[-1]}"
        modern[nk] = v
    conv = convert_rrdb_keys(modern)
    assert set(conv) == set(old.state_dict())
    fresh = RRDBNet(3, 3, 8, 2, 4)
    fresh.load_state_dict(conv, strict=True)
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.equal(fresh(x), old(x))


def test_extractor_layout_matches_fresh_build():
    assert set(FeatureExtractorE().state_dict()) == {
        "model.0.weight", "model.0.bias", "model.1.sub.1.weight", "model.1.sub.1.bias",
        *[f"model.1.sub.0.RDB{r}.conv{c}.0.{t}" for r in (1, 2, 3) for c in range(1, 6) for t in ("weight", "bias")]}
