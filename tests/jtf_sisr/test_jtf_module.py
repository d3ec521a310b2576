import math

import numpy as np
import pytest
import torch

from jtf_sisr.model import tiled_forward
from jtf_sisr.model.common import count_lr_radius
from jtf_sisr.model.jtf import LJTF, gradient_map


def _direct_jtf(t, g, k, sigmas):
    """Pixel-domain joint trilateral filter of a 1-channel target t (its own range image) guided by g,
    a loop over pixels and window positions inside the image."""
    s_s, s_r, s_g = sigmas
    h, w = t.shape
    out = np.zeros_like(t)
    r = k // 2
    for y in range(h):
        for x in range(w):
            num = den = 0.0
            for dy in range(-r, r + 1):
                for dx in range(-r, r + 1):
                    qy, qx = y + dy, x + dx
                    if not (0 <= qy < h and 0 <= qx < w):
                        continue
                    wt = (math.exp(-(dy * dy + dx * dx) / (2 * s_s ** 2))
                          * math.exp(-(t[qy, qx] - t[y, x]) ** 2 / (2 * s_r ** 2))
                          * math.exp(-(g[qy, qx] - g[y, x]) ** 2 / (2 * s_g ** 2)))
                    num += wt * t[qy, qx]
                    den += wt
            out[y, x] = num / den
    return out


@pytest.mark.parametrize("k,sigmas", [(3, (1.0, 0.3, 0.5)), (5, (1.5, 0.2, 0.8))])
def test_gaussian_ljtf_equals_direct_joint_trilateral_filter(k, sigmas):
    rng = np.random.default_rng(0)
    t, g = rng.random((9, 11)), rng.random((9, 11))
    module = LJTF(1, kernel_size=k, groups=1, kernel_fn="gaussian", sigmas=sigmas).double()
    ours = module.filter(torch.from_numpy(t)[None, None], torch.from_numpy(g)[None, None])[0, 0].detach().numpy()
    np.testing.assert_allclose(ours, _direct_jtf(t, g, k, sigmas), atol=1e-5)


def test_learned_ljtf_weights_are_normalised_and_local():
    torch.manual_seed(0)
    m = LJTF(8, kernel_size=3, groups=4)
    t, g = torch.rand(2, 8, 6, 7), torch.rand(2, 8, 6, 7)
    w = m.weights(t, g)
    assert w.shape == (2, 4, 9, 6, 7)
    torch.testing.assert_close(w.sum(2), torch.ones(2, 4, 6, 7))
    assert (w[:, :, :3, 0] == 0).all()            # the row above the image gets no weight
    out = m(t, g)
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_gradient_map_is_central_difference_magnitude():
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, :, 3:] = 1.0                             # a vertical edge between columns 2 and 3
    gm = gradient_map(x)[0, 0]
    assert gm[2, 2].item() == pytest.approx(1.0, abs=1e-5) and gm[2, 0].item() == pytest.approx(1e-3, abs=1e-6)


def test_tiled_forward_is_exact_only_with_the_receptive_field_overlap():
    from jtf_sisr.api import build

    torch.manual_seed(0)
    net = build("jtf_sisr", 2, n_feats=8, n_resblocks=2, n_stages=2, jtf_groups=2).eval()
    for p in net.parameters():
        p.data += 0.05 * torch.randn_like(p)
    x = torch.rand(1, 3, 30, 34) * 255
    with torch.no_grad():
        whole = net(x)
        exact = tiled_forward(net, x, 2, 200, count_lr_radius(net))
        lossy = tiled_forward(net, x, 2, 200, 2)
    assert (exact - whole).abs().max() < 1e-4          # on the 0..255 scale
    assert (lossy - whole).abs().max() > 1e-2
