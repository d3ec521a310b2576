"""The true kernel in G's place (``FixedKernel``, the ``darsr_true`` arm of benchmarks.div2krk): it must sit on
the same sampling grid as make_div2krk's LR and as the bicubic patches G is trained against."""
import numpy as np
import pytest
import torch

from benchmarks.div2krk import main as div2krk_main
from darsr.data import PatchSampler
from darsr.learner import run_image
from darsr.losses import bicubic_x2_kernel, shave
from darsr.make_div2krk import degrade, random_kernel
from darsr.networks import FixedKernel
from darsr.options import make_config
from common.io import imread

HR = "benchmarks/data/Set5/HR/baby.png"


def test_bicubic_kernel_in_g_place_gives_the_samplers_bicubic_patches():
    """13x13 with centre of mass 6.5 (make_div2krk's convention at x2) = the bicubic patches, exactly aligned."""
    k = np.pad(bicubic_x2_kernel(), ((3, 2), (3, 2)))
    b = PatchSampler(imread(HR)[:256, :256], 2, 64, seed=0).sample(4)
    x_c = FixedKernel(k, 2)(b["y"])
    assert x_c.shape[-1] == 26
    assert (x_c - shave(b["y_b"], 26)).abs().max().item() < 1e-5
    # one LR pixel off is far away: the grid is not merely close
    assert (x_c - b["y_b"][..., 2:28, 3:29]).abs().mean().item() > 0.02


def test_true_kernel_in_g_place_reproduces_make_div2krk():
    hr = imread(HR)[:128, :128]
    k = random_kernel(2, 13, np.random.default_rng(3))
    lr = degrade(hr, k, 2).astype(np.float32)
    x = torch.from_numpy(hr.astype(np.float32)).permute(2, 0, 1)[None]
    g = FixedKernel(k, 2)(x)[0].permute(1, 2, 0).numpy()        # output j is centred on HR 2j + 6.5
    n = g.shape[0]
    assert np.abs(g - lr[3:3 + n, 3:3 + n]).max() <= 0.5 + 1e-3  # make_div2krk rounds to integers
    torch.testing.assert_close(FixedKernel(k, 2).kernel(), torch.from_numpy(k[::-1, ::-1].copy()).float())


def test_run_image_with_a_known_kernel_trains_darm_only():
    lr = imread(HR)[::4, ::4][:64, :64]
    conf = make_config(scale_factor=2, preset="tiny", seed=0, device="cpu")
    k = random_kernel(2, 13, np.random.default_rng(0))
    out = run_image(lr, conf, kernel=k)
    np.testing.assert_allclose(out["kernel"], k[::-1, ::-1], atol=1e-6)     # G was never trained
    assert out["ours"].shape == (128, 128, 3)


def test_darsr_true_arm_is_refused_at_x4():
    with pytest.raises(SystemExit) as e:
        div2krk_main(["--scale", "4", "--arms", "darsr_true"])
    assert e.value.code == 2
