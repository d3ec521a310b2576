import numpy as np
import pytest
import torch

from darsr import api
from darsr.losses import DownScaleLoss, KernelConstraints, bicubic_x2_kernel, sobel_magnitude
from darsr.networks import DARM, DSEM, Discriminator, Downsampler, SRFBN
from darsr.networks.darm import load_dictionary


def n_params(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("net, expected", [
    (lambda: Downsampler(2), 150_656), (lambda: Downsampler(4), 150_656), (Discriminator, 30_977),
    (DARM, 681_304), (DSEM, 3_535_233), (lambda: SRFBN(2), 282_442), (lambda: SRFBN(4), 483_146)])
def test_parameter_counts(net, expected):
    assert n_params(net()) == expected


@pytest.mark.parametrize("scale", [2, 4])
def test_bundled_srfbn_loads_with_file_meanshift(scale):
    model = api.load("srfbn_s", scale)
    assert n_params(model) == {2: 282_442, 4: 483_146}[scale]
    assert not any(p.requires_grad for p in model.parameters())
    bias = model.sub_mean.bias.detach().numpy()
    np.testing.assert_allclose(bias, [-114.41, -111.43, -102.99], atol=0.01)   # the file's, not ideal


@pytest.mark.parametrize("scale, out", [(2, 26), (4, 13)])
def test_downsampler_kernel_identity(scale, out):
    torch.manual_seed(0)
    g = Downsampler(scale)
    x = torch.rand(2, 3, 64, 64)
    y = g(x)
    assert y.shape == (2, 3, out, out)
    torch.testing.assert_close(y, g.forward_layers(x), atol=1e-5, rtol=1e-4)
    # gradients of the fast path equal those of the layer stack
    g.zero_grad()
    g(x).square().mean().backward()
    fast = [p.grad.clone() for p in g.parameters()]
    g.zero_grad()
    g.forward_layers(x).square().mean().backward()
    for a, b in zip(fast, (p.grad for p in g.parameters())):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-3)
    k = g.kernel()
    assert k.shape == (13, 13)
    # G(x) == subsample(x convolved with k)
    ref = torch.nn.functional.conv2d(x[:1, :1], k.flip(0, 1)[None, None], stride=scale)
    torch.testing.assert_close(y[:1, :1], ref, atol=1e-5, rtol=1e-4)


def test_discriminator_output_map():
    assert Discriminator()(torch.rand(2, 3, 58, 58)).shape == (2, 1, 52, 52)


def test_darm_dictionary_and_assembly():
    d = load_dictionary()
    assert d.shape == (72, 5, 5)
    torch.testing.assert_close(d.sum((1, 2)), torch.ones(72), atol=1e-5, rtol=0)
    darm = DARM()
    x = torch.rand(1, 3, 20, 24)
    with torch.no_grad():
        # coefficients selecting the delta-like filter 50 only: output = that 5x5 filter applied per channel
        darm.tail.weight.zero_()
        darm.tail.bias.zero_()
        darm.tail.bias[50] = 1.0
        y = darm(x)
    xp = torch.nn.functional.pad(x, [2] * 4, mode="reflect").transpose(0, 1)
    ref = torch.nn.functional.conv2d(xp, d[50][None, None]).transpose(0, 1)
    torch.testing.assert_close(y, ref, atol=1e-5, rtol=1e-4)


def test_dsem_scalar_per_image():
    s = DSEM()(torch.rand(3, 3, 29, 29))
    assert s.shape == (3,) and ((s > 0) & (s < 1)).all()


def test_losses():
    k1 = bicubic_x2_kernel()
    assert k1.shape == (8, 8) and abs(k1.sum() - 1) < 1e-6
    assert abs(k1[0, 0] - 0.0001373291015625) < 1e-6          # KernelGAN's table corner
    x = torch.rand(2, 3, 32, 32)
    per_channel, mixed = DownScaleLoss(2), DownScaleLoss(2, mixed=True)
    g_out = torch.nn.functional.conv2d(x, per_channel.kernel, stride=2, padding=3, groups=3)[..., 1:-1, 1:-1]
    assert per_channel(x, g_out) < 1e-10 and mixed(x, g_out) > 0.1
    kc = KernelConstraints(13, 2)
    delta = torch.zeros(13, 13)
    delta[6:8, 6:8] = 0.25
    assert abs(kc.center - 6.5) < 1e-9 and kc.centralized(delta) < 1e-10
    assert kc.sum_to_one(delta) < 1e-6 and kc.boundaries(delta) == 0
    flat = torch.full((1, 3, 8, 8), 0.5)
    assert sobel_magnitude(flat)[..., 1:-1, 1:-1].max() < 1e-2


def test_fast_preset_inits():
    torch.manual_seed(0)
    g = Downsampler(2, normalize=True)
    assert abs(g.kernel().detach().sum().item() - 1) < 1e-5
    x = torch.full((1, 3, 40, 40), 0.7)
    with torch.no_grad():
        torch.testing.assert_close(g(x), torch.full_like(g(x), 0.7), atol=1e-5, rtol=0)
    darm = DARM().init_identity()          # the default starts exactly at the identity
    x = torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        torch.testing.assert_close(darm(x), x, atol=1e-5, rtol=0)
