"""The dual network, the discriminator and the VGG19 extractor against docs/papers/gdsr.md."""
import numpy as np
import pytest
import torch

from gdsr import api
from gdsr.archs import DiscriminatorVGG128, GDSRNet, VGG19FeatureExtractor, remap_legacy_keys
from gdsr.models.base_model import load_weights
from tests.gdsr.conftest import TINY_G

TOP_ORDER = ["body_ex", "body_l1", "body_l2", "body_h1", "concat", "body_h2", "body_m", "LR_conv_l", "LR_conv_h",
             "LR_conv_M", "upsampler_l", "upsampler_h", "upsampler_m", "HR_conv0_l", "HR_conv0_h", "HR_conv0_m",
             "HR_conv1_l", "HR_conv1_h", "HR_conv1_m"]


@pytest.fixture(scope="module")
def full_state():
    model = api.build("gdsr", 4)
    return sum(p.numel() for p in model.parameters()), model.state_dict()


def test_parameter_count_x4(full_state):
    params, state = full_state
    assert params == 27_142_601
    assert len(state) == 1144


def test_key_names_and_shapes(full_state):
    _, state = full_state
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    assert list(state)[:2] == ["body_ex.0.weight", "body_ex.0.bias"]
    assert shapes["body_ex.0.weight"] == (64, 3, 3, 3)
    expected = {
        "body_ex.1.sub.1.RDB3.conv5.0.weight": (64, 192, 3, 3),
        "body_l1.sub.9.RDB1.conv1.0.weight": (32, 64, 3, 3),
        "body_l2.sub.4.RDB2.conv2.0.weight": (32, 96, 3, 3),
        "body_h1.sub.4.RDB3.conv3.0.weight": (32, 128, 3, 3),
        "body_h2.sub.9.RDB1.conv4.0.weight": (32, 160, 3, 3),
        "body_m.sub.4.RDB3.conv5.0.bias": (64,),
        "concat.0.weight": (64, 128, 3, 3),
        "LR_conv_M.0.weight": (64, 64, 3, 3),
        "upsampler_m.1.weight": (64, 64, 3, 3),
        "upsampler_l.4.weight": (64, 64, 3, 3),
        "HR_conv0_h.0.weight": (64, 64, 3, 3),
        "HR_conv1_m.0.weight": (3, 64, 3, 3),
    }
    for key, shape in expected.items():
        assert shapes[key] == shape, key
    assert "body_l1.sub.10.RDB1.conv1.0.weight" not in state and "body_ex.1.sub.2.RDB1.conv1.0.weight" not in state
    assert not any(k.startswith(("LR_conv_m.", "module.", "body_ex_conv.")) for k in state)
    tops = list(dict.fromkeys(k.split(".")[0] for k in state))
    assert tops == TOP_ORDER
    # per part, as the table of docs/papers/gdsr.md
    part = lambda p: sum(v.numel() for k, v in state.items() if k.split(".")[0] == p)  # noqa: E731
    assert part("body_ex") == 1_440_640 and part("body_l1") == 7_194_240 and part("concat") == 73_792
    assert part("body_m") == 3_597_120


def test_nf32_variant_and_other_scales():
    assert sum(p.numel() for p in GDSRNet(nf=32).parameters()) == 15_495_337
    for scale, convs in ((2, ["1"]), (3, ["1"]), (8, ["1", "4", "7"])):
        keys = {k.split(".")[1] for k in GDSRNet(scale=scale, **TINY_G).state_dict() if k.startswith("upsampler_h.")}
        assert sorted(keys) == convs
    with pytest.raises(ValueError, match="scale 5"):
        GDSRNet(scale=5, **TINY_G)


def test_forward_modes():
    torch.manual_seed(0)
    net = GDSRNet(**TINY_G)
    x = torch.rand(2, 3, 6, 7)
    low, high, fused = net(x)
    assert low.shape == high.shape == fused.shape == (2, 3, 24, 28)
    out = net.forward_all(x)
    assert out["mask"].shape == (2, 8, 24, 28) and 0 <= out["mask"].min() and out["mask"].max() <= 1
    net.eval()
    with torch.no_grad():
        only = net(x)
        assert torch.allclose(only, net.forward_all(x)["fused"])
        assert len(net(x, return_all=True)) == 3


@pytest.mark.parametrize("mask, branch", [(1.0, 1), (0.0, 0)])
def test_fusion_follows_the_mask(mask, branch):
    """SR_fused = HR_conv1_m(M * Fh + (1 - M) * Fl): with the mask saturated at 1 (0) and HR_conv1_m
    given HR_conv1_h's (HR_conv1_l's) weights, SR_fused must equal SR_high (SR_low)."""
    torch.manual_seed(0)
    net = GDSRNet(**TINY_G).eval()
    with torch.no_grad():
        net.HR_conv0_m[0].weight.zero_()
        net.HR_conv0_m[0].bias.fill_(50.0 if mask else -1000.0)   # sigmoid(50) and sigmoid(-200) round to 1 and 0
        source = net.HR_conv1_h if branch else net.HR_conv1_l
        net.HR_conv1_m.load_state_dict(source.state_dict())
        low, high, fused = net(torch.rand(1, 3, 6, 7), return_all=True)
    assert torch.equal(fused, high if branch else low)
    assert not torch.equal(fused, low if branch else high)


def test_legacy_layout_loads(tmp_path):
    net = GDSRNet(**TINY_G)
    state = {}
    for k, v in net.state_dict().items():
        k = k.replace("body_ex.0.", "body_ex_conv.0.").replace("body_ex.1.sub.", "body_ex.sub.")
        state[k] = v
    assert "body_ex_conv.0.weight" in state
    assert set(remap_legacy_keys(state)) == set(net.state_dict())
    path = tmp_path / "old_G.pth"
    torch.save(state, path)
    other = GDSRNet(**TINY_G)
    load_weights(other, str(path))
    assert all(torch.equal(a, b) for a, b in zip(other.state_dict().values(), net.state_dict().values()))


def test_strict_load_names_the_mismatch(tmp_path):
    path = tmp_path / "g.pth"
    state = GDSRNet(**TINY_G).state_dict()
    state.pop("concat.0.bias")
    torch.save({"params": state}, path)
    with pytest.raises(ValueError, match=r"g.pth: not a checkpoint of this network G: missing keys concat.0.bias"):
        load_weights(GDSRNet(**TINY_G), str(path))
    torch.save(GDSRNet(**dict(TINY_G, nf=16)).state_dict(), path)
    with pytest.raises(ValueError, match="other shapes"):
        load_weights(GDSRNet(**TINY_G), str(path))


def test_discriminator():
    d = DiscriminatorVGG128()
    assert sum(p.numel() for p in d.parameters()) == 14_502_281
    weights = sorted({int(k.split(".")[1]) for k in d.state_dict() if k.startswith("features.")})
    assert weights == [0, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24, 26, 27]
    assert {k for k in d.state_dict() if k.startswith("classifier.")} == {
        "classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"}
    assert d.classifier[0].in_features == 8192
    small = DiscriminatorVGG128(nf=8, input_size=32)
    assert small(torch.rand(2, 3, 32, 32)).shape == (2, 1)
    with pytest.raises(ValueError, match="input_size"):
        small(torch.rand(1, 3, 64, 64))


def test_vgg19_feature_extractor(vgg19_file, tmp_path):
    vgg = VGG19FeatureExtractor(vgg19_file)
    assert len(vgg.features) == 35 and isinstance(vgg.features[-1], torch.nn.Conv2d)   # conv5_4, no ReLU
    assert not any(p.requires_grad for p in vgg.parameters())
    vgg.train()
    assert not vgg.training
    assert vgg(torch.rand(1, 3, 32, 32)).shape == (1, 512, 2, 2)
    bad = tmp_path / "not_vgg.pth"
    torch.save({"features.0.weight": torch.zeros(64, 3, 3, 3)}, bad)
    with pytest.raises(ValueError, match="not_vgg.pth: not a VGG19 state_dict"):
        VGG19FeatureExtractor(str(bad))
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        VGG19FeatureExtractor(str(tmp_path / "missing.pth"))


def test_api_upscale_and_tiles(tmp_path):
    assert api.MODELS == ("gdsr",)
    torch.manual_seed(1)
    model = api.build("gdsr", 4, **TINY_G)
    for m in model.modules():           # larger weights so that tiling errors would show
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.normal_(m.weight, std=0.2)
    img = np.random.default_rng(0).integers(0, 256, (40, 52, 3), dtype=np.uint8)
    whole = api.upscale(model, img)
    assert whole.shape == (160, 208, 3) and whole.dtype == np.uint8
    assert model.training                               # upscale restores the mode
    tiled = api.upscale(model, img, tile=16, tile_overlap=60)   # overlap beyond the tiny net's receptive field
    assert np.abs(tiled.astype(int) - whole).max() <= 1
    gray = api.upscale(model, img[:, :, 0])
    assert gray.shape == (160, 208, 3)
    with pytest.raises(ValueError, match="HxWx3"):
        api.upscale(model, np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(ValueError, match="unknown model"):
        api.build("esrgan", 4)
    path = tmp_path / "w_G.pth"
    torch.save(model.state_dict(), path)
    loaded = api.load("gdsr", 4, weights=str(path), **TINY_G)
    assert not loaded.training
    assert np.array_equal(api.upscale(loaded, img), whole)
    inferred = api.load("gdsr", 4, weights=str(path))          # sizes read from the file
    assert np.array_equal(api.upscale(inferred, img), whole)


def test_infer_config_reads_every_group_size():
    cfg = dict(nf=16, gc=8, nb_e=1, nb_l_1=3, nb_l_2=2, nb_h_1=1, nb_h_2=4, nb_m=2)
    assert api.infer_config(GDSRNet(**cfg).state_dict()) == cfg
