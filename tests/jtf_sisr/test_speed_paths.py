"""The fast paths of JTF-SISR equal the plain formulations they replace, and the precision option."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from jtf_sisr import api
from jtf_sisr.model.jtf import LJTF
from tests.conftest import REPO
from tests.jtf_sisr.test_cli import TINY, _run, data  # noqa: F401  (the fixture)


def _unfold_weights(m, target, guide):
    """The LJTF kernels written with a materialised unfold over the whole window: psi evaluated at
    every neighbour (no symmetry), the outside masked through an unfolded ones image."""
    b, c, h, w = target.shape
    k = m.kernel_size
    unfold = lambda x: F.unfold(x, k, padding=k // 2).reshape(x.shape[0], x.shape[1], k * k, h, w)
    dt, dg = unfold(target) - target[:, :, None], unfold(guide) - guide[:, :, None]
    psi = lambda net, d: net(d.abs().reshape(b, c, k * k * h, w)).reshape(b, -1, k * k, h, w)
    logits = psi(m.psi_range.net, dt) + psi(m.psi_guide.net, dg) + m.spatial[None, :, :, None, None]
    inside = unfold(torch.ones(1, 1, h, w))
    return torch.softmax(logits.masked_fill(inside == 0, float("-inf")), dim=2), unfold(target)


@pytest.mark.parametrize("k,groups", [(3, 4), (5, 2)])
def test_ljtf_equals_the_unfold_formulation_within_1e5(k, groups):
    torch.manual_seed(0)
    m = LJTF(16, kernel_size=k, groups=groups)
    t = torch.randn(2, 16, 9, 13, requires_grad=True)
    g = torch.randn(2, 16, 9, 13)
    ref_w, t_unf = _unfold_weights(m, t, g)
    ref = t + m.fuse(torch.einsum("bgkhw,bgckhw->bgchw", ref_w,
                                  t_unf.reshape(2, groups, 16 // groups, k * k, 9, 13)).reshape(2, 16, 9, 13))
    torch.testing.assert_close(m.weights(t, g), ref_w, rtol=0, atol=1e-5)
    out = m(t, g)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
    grad, = torch.autograd.grad(out.square().sum(), t)
    ref_grad, = torch.autograd.grad(ref.square().sum(), t)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-5, atol=1e-5)


def test_split_fusion_conv_equals_the_concatenated_one():
    torch.manual_seed(0)
    net = api.build("jtf_sisr", 2, n_feats=8, n_resblocks=2, n_stages=2, jtf_groups=2)
    a, b = torch.randn(1, 8, 20, 22), torch.randn(1, 8, 20, 22)
    conv = net.fusion[0]
    ref = F.conv2d(torch.cat([a, b], 1), conv.weight, conv.bias, padding=1)
    torch.testing.assert_close(conv(a, b), ref, rtol=0, atol=1e-5)
    # FLOPs are counted as those of the one 16 -> 8 3x3 conv it replaces, at HR (x2 of 12 x 12)
    assert _fusion_flops(net.eval(), torch.rand(1, 3, 12, 12)) == 2 * 24 * 24 * 8 * 16 * 9


def _fusion_flops(net, x):
    """FLOPs the project's counter gives the fusion's first conv in one forward."""
    from benchmarks.model_stats import _layer_flops

    seen = []
    h = net.fusion[0].register_forward_hook(lambda m, i, o: seen.append(_layer_flops(m, i, o)))
    with torch.no_grad():
        net(x)
    h.remove()
    return sum(seen)


def test_upscale_in_channels_last_equals_nchw_and_gives_the_model_back():
    torch.manual_seed(0)
    net = api.build("jtf_sisr", 2, n_feats=8, n_resblocks=2, n_stages=2, jtf_groups=2).train()
    img = np.random.default_rng(1).integers(0, 256, (21, 17, 3), dtype=np.uint8)
    out = api.upscale(net, img)
    assert net.training and net.head_image.weight.is_contiguous()
    with torch.no_grad():
        ref = net.eval()(torch.from_numpy(img.transpose(2, 0, 1).copy()).float()[None])
    ref = ref[0].clamp(0, 255).permute(1, 2, 0).numpy()
    assert np.abs(out.astype(np.float64) - ref).max() <= 0.5 + 1e-3      # rounding of the same values
    assert np.array_equal(api.upscale(net, img, precision="fp32"), out)


def test_bf16_is_refused_without_native_support_and_runs_where_present(data, monkeypatch):  # noqa: F811
    common = TINY + ["--dir_data", str(data / "data"), "--data_train", "Tiny", "--data_test", "Mini",
                     "--dir_experiment", str(data / "experiment"), "--epochs", "1", "--precision", "bf16"]
    env = {**os.environ, "SR_NATIVE_BF16": "0", "OMP_NUM_THREADS": "1"}
    main_py = os.path.join(REPO, "jtf_sisr", "main.py")
    p = subprocess.run([sys.executable, main_py, *common, "--save", "no"], capture_output=True, text=True, env=env)
    assert p.returncode != 0 and p.stderr.count("\n") == 1 and "bf16" in p.stderr and "AVX" in p.stderr
    p = subprocess.run([sys.executable, main_py, *common, "--save", "no", "--precision", "half"],
                       capture_output=True, text=True, env=env)
    assert p.returncode != 0 and "fp16 needs a CUDA device" in p.stderr
    monkeypatch.setenv("SR_NATIVE_BF16", "1")      # bf16 autocast runs on any CPU, only slowly without it
    assert _run(data, "--save", "bf16", "--epochs", "1", "--precision", "bf16") == 0
    log = (data / "experiment" / "bf16" / "log.txt").read_text()
    assert "Precision bf16" in log and "PSNR:" in log and "nan" not in log.lower()


def test_concat_fusion_is_the_same_network_with_concatenation_in_place_of_jtf():
    from benchmarks.model_stats import count_parameters

    small = dict(n_feats=32, n_resblocks=8, n_stages=4)
    jtf, concat = api.build("jtf_sisr", 4, **small), api.build("jtf_sisr", 4, fusion="concat", **small)
    assert abs(count_parameters(concat) / count_parameters(jtf) - 1) < 0.05
    jtf_names = {k for k in jtf.state_dict() if not k.startswith("jtf_pairs")}
    assert jtf_names == {k for k in concat.state_dict() if not k.startswith("jtf_pairs")}
    # each group of the 3x3 conv sees both streams: a change of the guide alone changes every output channel
    fuse = concat.jtf_pairs[0].fuse_image
    t, g = torch.randn(1, 32, 8, 8), torch.randn(1, 32, 8, 8)
    delta = (fuse(t, g + 1) - fuse(t, g)).abs().amax(dim=(0, 2, 3))
    assert (delta > 0).all()
