"""Each shipped training option file, shrunk: a few iterations, checkpoint, --auto_resume, test.py."""
import json
import math
import os

import numpy as np
import pytest
import torch

from common.io import imwrite
from fasrgan import api
from fasrgan import test as test_script
from fasrgan import train as train_script

from .helpers import make_alexnet, make_images, make_vgg, make_test_options, train_options

TERMS = {
    "RRDB_PSNR": {"l_pix"},
    "FASRGAN": {"l_g_pix", "l_g_fea", "l_g_gan", "l_g_mask", "l_g_atten", "l_g_total", "l_d_real", "l_d_fake",
                "l_d_mask", "D_real", "D_fake"},
    "FsSRGAN": {"l_g_pix", "l_g_fea", "l_g_gan", "l_g_total", "l_d_real", "l_d_fake", "D_real", "D_fake"},
    "ESRGAN": {"l_g_pix", "l_g_fea", "l_g_gan", "l_g_total", "l_d_real", "l_d_fake", "D_real", "D_fake"},
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("fasrgan_train"))
    hr, lr = make_images(os.path.join(tmp, "train"), n=4, size=40, lr_scale=4)
    val_hr, _ = make_images(os.path.join(tmp, "val"), n=1, size=32, seed=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)     # tiny tensors: threads only add overhead on a shared machine
    yield {"tmp": tmp, "hr": hr, "lr": lr, "val": val_hr, "vgg": make_vgg(os.path.join(tmp, "vgg19.pth")),
           "alex": make_alexnet(os.path.join(tmp, "alexnet.pth"))}
    torch.set_num_threads(threads)


def _records(exp):
    with open(os.path.join(exp, "log", "loss_log.jsonl")) as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("kind", ["RRDB_PSNR", "FASRGAN", "FsSRGAN", "ESRGAN"])
def test_train_resume_and_test(env, kind, capsys):
    tmp = env["tmp"]
    alex = env["alex"] if kind == "FASRGAN" else None     # LPIPS during validation, as the authors' runs
    opt = train_options(kind, tmp, env["hr"], env["lr"], env["val"], env["vgg"], niter=2, save=2, lpips_alex=alex)
    assert train_script.main(["-opt", opt]) == 0
    exp = os.path.join(tmp, "experiments", f"tiny_{kind}")
    recs = _records(exp)
    assert [r["iter"] for r in recs] == [1, 2]
    for r in recs:
        assert TERMS[kind] <= set(r), set(r)
        if kind == "ESRGAN":       # one score per image: no map, no per-pixel or attention term
            assert not {"l_g_mask", "l_g_atten", "l_d_mask"} & set(r)
        assert all(math.isfinite(v) for k, v in r.items() if isinstance(v, float))
    nets = ["G"] + (["D"] if kind != "RRDB_PSNR" else []) + (["E"] if kind == "FsSRGAN" else [])
    for n in nets:
        assert os.path.isfile(os.path.join(exp, "models", f"net_{n}_2.pth"))
    assert os.path.isfile(os.path.join(exp, "training_states", "2.state"))
    assert os.path.isfile(os.path.join(exp, "log", "loss_curves.png"))
    with open(os.path.join(exp, "log", "val_log.jsonl")) as f:
        val = json.loads(f.readline())
    assert val["iter"] == 2 and math.isfinite(val["psnr"]) and 0 < val["ssim"] <= 1
    assert ("lpips" in val) == (alex is not None)

    opt3 = train_options(kind, tmp, env["hr"], env["lr"], env["val"], env["vgg"], niter=3, save=3)
    capsys.readouterr()
    assert train_script.main(["-opt", opt3, "--auto_resume"]) == 0
    out = capsys.readouterr().out
    assert "Resuming training from epoch: 1, iter: 2." in out
    assert [r["iter"] for r in _records(exp)] == [1, 2, 3]
    assert os.path.isfile(os.path.join(exp, "training_states", "3.state"))
    assert not any(d.startswith(f"tiny_{kind}_archived") for d in os.listdir(os.path.join(tmp, "experiments")))

    # the checkpoints load through the package API (nf/nb/gc inferred from the file)
    models = os.path.join(exp, "models")
    if kind == "FsSRGAN":
        net = api.load("fs_srgan", 4, (os.path.join(models, "net_E_latest.pth"), os.path.join(models, "net_G_latest.pth")))
    else:
        net = api.load("fasrgan", 4, os.path.join(models, "net_G_latest.pth"))
    assert api.upscale(net, np.zeros((6, 7, 3), np.uint8)).shape == (24, 28, 3)

    # the resumed run is the uninterrupted one: models, optimizers, schedulers and RNG were restored
    straight = train_options(kind, tmp, env["hr"], env["lr"], env["val"], env["vgg"], niter=3, save=3,
                             name=f"straight_{kind}")
    assert train_script.main(["-opt", straight]) == 0
    ref = _records(os.path.join(tmp, "experiments", f"straight_{kind}"))[2]
    got = _records(exp)[2]
    assert got == ref

    extra = {}
    if kind == "FsSRGAN":   # LPIPS with a random AlexNet stand-in and the shipped v0.0 linear layers
        extra = {"lpips_alex": env["alex"]}
    big = None
    if kind == "RRDB_PSNR":   # one image large enough for NIQE (two 96x96 blocks)
        big = os.path.join(tmp, "big")
        imwrite(os.path.join(big, "wide.png"), np.random.default_rng(0).integers(0, 256, (96, 200, 3), dtype=np.uint8))
    topt = make_test_options(kind, tmp, exp, big or env["val"], extra_path=extra)
    assert test_script.main(["-opt", topt]) == 0
    res = os.path.join(tmp, "results", f"test_tiny_{kind}")
    assert os.path.isfile(os.path.join(res, "visualization", "tiny", "wide.png" if big else "img0.png"))
    with open(os.path.join(res, "metrics_tiny.json")) as f:
        m = json.load(f)
    assert math.isfinite(m["mean"]["psnr_y"]) and 0 < m["mean"]["ssim_y"] <= 1
    assert "niqe" in m["images"][0] and "psnr_rgb" in m["mean"]
    if kind == "FsSRGAN":
        assert m["mean"]["lpips"] > 0 and math.isfinite(m["mean"]["lpips"])


def test_fs_psnr_stage_initialises_fs_srgan(env):
    """train_Fs_RRDB_PSNR.json (E + G with L1) -> train_FsSRGAN.json loading its net_E / net_G strictly."""
    tmp = env["tmp"]
    p = train_options("Fs_RRDB_PSNR", tmp, env["hr"], env["lr"], env["val"], None, niter=1, save=1, name="fs_psnr")
    assert train_script.main(["-opt", p]) == 0
    models = os.path.join(tmp, "experiments", "fs_psnr", "models")
    assert _records(os.path.join(tmp, "experiments", "fs_psnr"))[0]["l_pix"] > 0
    q = train_options("FsSRGAN", tmp, env["hr"], env["lr"], env["val"], env["vgg"], niter=1, save=1, name="fs_gan")
    with open(q) as f:
        o = json.load(f)
    o["path"].update(pretrain_model_E=os.path.join(models, "net_E_latest.pth"),
                     pretrain_model_G=os.path.join(models, "net_G_latest.pth"))
    with open(q, "w") as f:
        json.dump(o, f)
    assert train_script.main(["-opt", q]) == 0
