"""DGPNet / AIIBlock fusion, plain-conv equivalence, the drop-in conversion, and the api contract."""
import numpy as np
import pytest
import torch
from torch import nn

from benchmarks.model_stats import count_flops, count_parameters
from dgpnet import api
from dgpnet.archs import AIIBlock, DGConv, DGPNet, MSRResNet, convert, fuse
from tests.dgpnet.conftest import perturb

SMALL = dict(num_feat=16, num_block=2, reduction=4)


def _rel(a, b):
    return float((a - b).abs().max() / (a.max() - a.min()))


def _only_plain(net):
    kinds = {type(m) for m in net.modules()}
    return DGConv not in kinds and all(m.kernel_size in ((3, 3), (1, 1)) for m in net.modules()
                                       if isinstance(m, nn.Conv2d))


@pytest.mark.parametrize("cfg", [dict(upscale=4), dict(upscale=2, tail="standard", feat_skip=True, skip_up="bicubic"),
                                 dict(upscale=3, idg_refs=2, csg_ref="center", alpha_act="softmax", att="none")])
def test_fused_dgpnet_matches_unfused_and_is_plain(cfg):
    torch.manual_seed(0)
    net = perturb(DGPNet(**SMALL, **cfg), std=0.05).eval()
    fused = fuse(net)
    assert _only_plain(fused) and any(isinstance(m, DGConv) for m in net.modules())
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        a, b = net(x), fused(x)
        with pytest.MonkeyPatch.context() as mp:   # reference: every branch convolved separately
            mp.setattr(DGConv, "forward", DGConv.forward_branches)
            ref = net(x)
    assert a.shape == (1, 3, 12 * cfg["upscale"], 10 * cfg["upscale"])
    assert _rel(a, b) <= 1e-5 and _rel(ref, b) <= 1e-5
    # the fused net is exactly the deploy (plain-conv) network: same keys, params and FLOPs
    plain = DGPNet(**SMALL, **cfg, deploy=True)
    assert set(plain.state_dict()) == set(fused.state_dict())
    plain.load_state_dict(fused.state_dict())
    with torch.no_grad():
        assert torch.equal(plain(x), b)
    assert count_parameters(fused) == count_parameters(plain) < count_parameters(net)
    assert count_flops(fused, x) == count_flops(plain, x)


@pytest.mark.parametrize("preset", api.MODELS)
def test_presets_parameter_counts(preset):
    net = api.build(preset, 4)
    fused, plain = fuse(net), api.build(preset, 4, deploy=True)
    assert count_parameters(fused) == count_parameters(plain)
    expected = {"dgpnet": 1_943_492, "dgpnet_s": 1_099_764}[preset]   # README table
    assert count_parameters(plain) == expected


def test_aiiblock_groups_and_fusion():
    torch.manual_seed(0)
    blk = perturb(AIIBlock(8, reduction=4), std=0.05).eval()
    assert blk.stat.names == ("csa", "vc") and blk.struct.names == ("csg", "idg", "hg", "vg")
    assert blk.dg_a.names == ("csg", "csa", "hg", "vg", "vc", "idg")
    x = torch.rand(2, 8, 9, 9)
    with torch.no_grad():
        assert _rel(blk(x), fuse(blk)(x)) <= 1e-5


def test_convert_srresnet_to_dgconv_and_back():
    torch.manual_seed(0)
    base = MSRResNet(num_feat=8, num_block=2, upscale=2).eval()
    conv = convert(base)
    n3 = sum(isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) for m in base.modules())
    assert sum(isinstance(m, DGConv) for m in conv.modules()) == n3
    assert not any(type(m) is nn.Conv2d for m in conv.modules())
    x = torch.rand(1, 3, 10, 10)
    with torch.no_grad():
        assert conv(x).shape == base(x).shape == (1, 3, 20, 20)
        assert _rel(conv(x), base(x)) <= 1e-5          # the converted network starts as the original
    perturb(conv, std=0.05)
    back = fuse(conv).eval()
    assert count_parameters(back) == count_parameters(base)
    assert count_flops(back, x) == count_flops(base, x)
    with torch.no_grad():
        assert _rel(conv(x), back(x)) <= 1e-5
    # a 1x1 convolution is kept; the vanilla branch starts from the old 3x3 weights (over its balance
    # factor), the new branches at zero
    m = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 3, padding=1))
    c = convert(m)
    assert type(c[0]) is nn.Conv2d and isinstance(c[1], DGConv)
    a_vc = c[1].alphas()[c[1].names.index("vc")]
    torch.testing.assert_close(c[1].weight_vc.view(4, 4, 3, 3) * a_vc, m[1].weight)
    assert all(not getattr(c[1], f"weight_{n}").any() for n in c[1].names if n != "vc")


def test_convert_then_train_step_runs():
    net = convert(MSRResNet(num_feat=8, num_block=1, upscale=2))
    loss = net(torch.rand(1, 3, 8, 8)).abs().mean()
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())
    # the zero-initialised branches learn: their gradients are not zero
    dg = next(m for m in net.modules() if isinstance(m, DGConv))
    assert all(getattr(dg, f"weight_{n}").grad.abs().sum() > 0 for n in dg.names)


def test_api_upscale_whole_tiled_and_gray(tmp_path):
    torch.manual_seed(0)
    net = fuse(perturb(api.build("dgpnet_s", 2, num_feat=8, num_block=2, att="none"), std=0.02)).eval()
    rng = np.random.default_rng(0)
    img = (rng.random((21, 30, 3)) * 255).astype(np.uint8)
    whole = api.upscale(net, img)
    assert whole.shape == (42, 60, 3) and whole.dtype == np.uint8
    tiled = api.upscale(net, img, tile=8, tile_overlap=8)   # overlap >= receptive radius 2N+2
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1
    gray = api.upscale(net, img[:, :, 0])
    assert gray.shape == (42, 60, 3)


def test_api_load_checkpoint_and_errors(tmp_path):
    from common.io import save_checkpoint

    with pytest.raises(FileNotFoundError, match="DGPNet-S_x4.pth: no bundled weights.*weights="):
        api.load("dgpnet_s", 4)                     # only the dgpnet preset at x4 ships
    with pytest.raises(ValueError, match="unknown model"):
        api.build("edsr", 4)
    torch.manual_seed(0)
    net = perturb(api.build("dgpnet_s", 2, num_feat=8, num_block=1), std=0.05).eval()
    cfg = dict(type="DGPNet", num_feat=8, num_block=1, upscale=2)
    save_checkpoint({"params": net.state_dict(), "network_g": cfg}, tmp_path / "net.pth")
    save_checkpoint({"params": fuse(net).state_dict(), "network_g": dict(cfg, deploy=True)}, tmp_path / "fused.pth")
    x = torch.rand(1, 3, 9, 9)
    a = api.load("dgpnet_s", 2, weights=str(tmp_path / "net.pth"))
    b = api.load("dgpnet_s", 2, weights=str(tmp_path / "fused.pth"))
    assert _only_plain(a) and _only_plain(b) and not a.training
    with torch.no_grad():
        ref = net(x)
        assert _rel(ref, a(x)) <= 1e-5 and _rel(ref, b(x)) <= 1e-5
    with pytest.raises(ValueError, match="not x4"):
        api.load("dgpnet_s", 4, weights=str(tmp_path / "net.pth"))


def test_srresnet_with_dgconv_from_options_roundtrip(tmp_path):
    from common.io import save_checkpoint
    from dgpnet.models.net_utils import build_network, load_weights

    cfg = {"type": "MSRResNet", "num_feat": 8, "num_block": 1, "upscale": 2, "dgconv": True}
    torch.manual_seed(0)
    net = perturb(build_network(cfg), std=0.05).eval()
    assert any(isinstance(m, DGConv) for m in net.modules())
    save_checkpoint({"params": net.state_dict(), "network_g": cfg}, tmp_path / "a.pth")
    save_checkpoint({"params": fuse(net).state_dict(), "network_g": cfg}, tmp_path / "b.pth")
    a, fa = load_weights(cfg, str(tmp_path / "a.pth"))
    b, fb = load_weights(cfg, str(tmp_path / "b.pth"))
    assert (fa, fb) == (False, True) and _only_plain(b)
    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        assert _rel(net(x), a.eval()(x)) == 0 and _rel(net(x), b.eval()(x)) <= 1e-5


def test_load_without_weights_reads_the_bundled_file(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="DGPNet_x4.pth: no bundled weights"):
        api.load("dgpnet", 4)
    torch.manual_seed(0)
    net = perturb(api.build("dgpnet", 4, num_feat=8, num_block=1, reduction=4), std=0.02)
    torch.save({"params": fuse(net).state_dict(), "network_g": {"num_feat": 8, "num_block": 1, "reduction": 4}},
               api.bundled_path("dgpnet", 4))
    loaded = api.load("dgpnet", 4)
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert _rel(loaded(x), net.eval()(x)) <= 1e-5
    assert api.bundled_path("dgpnet", 4, "real").endswith("DGPNet_real_x4.pth")
