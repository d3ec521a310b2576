"""DGConv: branch kernels match their defining formulas; merged forward == six-branch sum; fusion is exact."""
import pytest
import torch
import torch.nn.functional as F

from dgpnet.archs import BRANCHES, STATISTICAL, STRUCTURAL, DGConv, fuse
from tests.dgpnet.conftest import perturb


def _patches(x):
    """(N, C_in, 9, L): the 3x3 window of every output pixel, taps in raster order."""
    n, c = x.shape[:2]
    return F.unfold(x, 3, padding=1).view(n, c, 9, -1)


def _definition(layer, name, x):
    """The branch response computed from its formula on the window, not from the kernel."""
    w = getattr(layer, f"weight_{name}")
    p = _patches(x)
    if name in ("vc", "csg", "csa", "idg"):
        if name == "vc":
            d = p
        elif name in ("csg", "csa"):
            m = p.mean(2, keepdim=True) if layer.csg_ref == "mean" else p[:, :, 4:5]
            d = p - m if name == "csg" else p + m
        else:
            r = int(layer.idg_ref[0])
            d = p - p[:, :, r:r + 1]
        y = torch.einsum("oik,nikl->nol", w, d)
    elif name == "hg":   # a_r * (left - right) per row r
        d = p.view(*p.shape[:2], 3, 3, -1)
        y = torch.einsum("oir,nirl->nol", w, d[:, :, :, 0] - d[:, :, :, 2])
    else:                # vg: b_c * (top - bottom) per column c
        d = p.view(*p.shape[:2], 3, 3, -1)
        y = torch.einsum("oic,nicl->nol", w, d[:, :, 0] - d[:, :, 2])
    return y.view(x.shape[0], -1, *x.shape[2:])


@pytest.mark.parametrize("csg_ref", ["mean", "center"])
def test_branch_kernels_match_their_formulas(csg_ref):
    torch.manual_seed(0)
    layer = DGConv(3, 4, csg_ref=csg_ref).double()
    x = torch.rand(2, 3, 7, 9, dtype=torch.float64)
    kernels = layer.branch_kernels()
    for i, name in enumerate(layer.names):
        y = F.conv2d(x, kernels[i], padding=1)
        torch.testing.assert_close(y, _definition(layer, name, x), rtol=1e-10, atol=1e-10)
    # CSG (mean) is a zero-sum kernel, HG/VG are antisymmetric, IDG sums to zero
    k = dict(zip(layer.names, kernels))
    assert k["csg"].sum((2, 3)).abs().max() < 1e-12
    assert k["idg"].sum((2, 3)).abs().max() < 1e-12
    assert (k["hg"][..., 1] == 0).all() and (k["vg"][..., 1, :] == 0).all()


def test_merged_training_forward_has_the_six_branch_gradients():
    torch.manual_seed(0)
    layer = perturb(DGConv(4, 5).double(), std=0.2)
    x = torch.rand(2, 4, 8, 8, dtype=torch.float64, requires_grad=True)
    target = torch.rand(2, 5, 8, 8, dtype=torch.float64)

    def grads(fwd):
        layer.zero_grad()
        x.grad = None
        loss = ((fwd(x) - target) ** 2).mean()
        loss.backward()
        return loss.item(), {n: p.grad.clone() for n, p in layer.named_parameters()}, x.grad.clone()

    l1, g1, gx1 = grads(layer.forward)
    l2, g2, gx2 = grads(layer.forward_branches)
    assert l1 == pytest.approx(l2, rel=1e-12)
    assert set(g1) == set(g2) and len(g1) == 2 * 6 + 4     # 6 weights, 6 biases, 2 MLP layers
    for name in g1:
        torch.testing.assert_close(g1[name], g2[name], rtol=1e-9, atol=1e-12, msg=name)
        assert g1[name].abs().sum() > 0, f"no gradient reaches {name}"
    torch.testing.assert_close(gx1, gx2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("branches", [BRANCHES, STATISTICAL, STRUCTURAL])
@pytest.mark.parametrize("stride", [1, 2])
def test_fused_layer_is_one_plain_conv_with_the_same_output(branches, stride):
    torch.manual_seed(1)
    layer = perturb(DGConv(6, 7, stride=stride, branches=branches, idg_refs=2), std=0.3).eval()
    conv = fuse(layer)
    assert type(conv) is torch.nn.Conv2d and conv.stride == (stride, stride)
    x = torch.rand(2, 6, 11, 13)
    with torch.no_grad():
        ref, out = layer.forward_branches(x), conv(x)
    assert (ref - out).abs().max() / (ref.max() - ref.min()) <= 1e-5
    assert len(layer.alphas()) == len(layer.names)


def test_balance_factors_depend_on_the_kernels_only():
    torch.manual_seed(2)
    layer = DGConv(3, 3)
    a = layer.alphas()
    layer(torch.rand(1, 3, 5, 5))
    torch.testing.assert_close(layer.alphas(), a)
    assert torch.allclose(a, torch.full_like(a, torch.sigmoid(torch.tensor(1.0)).item()), atol=1e-2)
    soft = DGConv(3, 3, alpha_act="softmax").alphas()
    assert float(soft.detach().sum()) == pytest.approx(1.0)


def test_idg_reference_is_drawn_once_seeded_and_saved():
    torch.manual_seed(3)
    a = DGConv(2, 2, idg_refs=3)
    torch.manual_seed(3)
    b = DGConv(2, 2, idg_refs=3)
    assert torch.equal(a.idg_ref, b.idg_ref)
    assert len(set(a.idg_ref.tolist())) == 3 and 4 not in a.idg_ref.tolist()
    assert "idg_ref" in a.state_dict()
    ref = a.idg_ref.clone()
    a(torch.rand(1, 2, 4, 4))
    assert torch.equal(a.idg_ref, ref)
    c = DGConv(2, 2, idg_refs=3)
    c.load_state_dict(a.state_dict())
    torch.testing.assert_close(c.merged()[0], a.merged()[0])


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="branches"):
        DGConv(2, 2, branches=("vc", "sobel"))
    with pytest.raises(ValueError, match="csg_ref"):
        DGConv(2, 2, csg_ref="median")
