"""The ``precision`` option (common.precision) and the data time in the training log."""
import glob
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from common.precision import PrecisionError
from fasrgan import api
from fasrgan import test as test_script
from fasrgan import train as train_script

from .helpers import REPO, make_images, make_test_options, make_vgg, train_options
from .test_errors import _fails

TIME_RE = re.compile(r"time/iter: (\d+\.\d{3})s \(data (\d+\.\d{3})s\)")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("fasrgan_precision"))
    hr, lr = make_images(os.path.join(tmp, "train"), n=2, size=32, lr_scale=4)
    val_hr, _ = make_images(os.path.join(tmp, "val"), n=1, size=32, seed=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield {"tmp": tmp, "hr": hr, "lr": lr, "val": val_hr, "vgg": make_vgg(os.path.join(tmp, "vgg19.pth"))}
    torch.set_num_threads(threads)


def _options(env, kind, name, precision, niter=2):
    """A tiny training option file of ``kind`` with ``precision`` set."""
    path = train_options(kind, env["tmp"], env["hr"], env["lr"], env["val"], env["vgg"], niter=niter, save=niter,
                         name=name)
    with open(path) as f:
        opt = json.load(f)
    opt["precision"] = precision
    out = os.path.join(env["tmp"], f"{name}.json")
    with open(out, "w") as f:
        json.dump(opt, f)
    return out


def _img(h=12, w=14, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("name", api.MODELS)
def test_upscale_fp32_is_byte_identical(name):
    torch.manual_seed(0)
    net = api.build(name, 4, nf=8, nb=1, gc=4).eval()
    img = _img()
    assert np.array_equal(api.upscale(net, img, precision="fp32"), api.upscale(net, img))
    assert np.array_equal(api.upscale(net, img, tile=6, tile_overlap=4, precision="fp32"),
                          api.upscale(net, img, tile=6, tile_overlap=4))


def test_upscale_bf16_close_to_fp32(monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    torch.manual_seed(0)
    net = api.build("fs_srgan", 4, nf=8, nb=1, gc=4).eval()   # the tiny random fasrgan G is nearly flat
    img = _img(seed=1)
    ref = api.upscale(net, img)
    out = api.upscale(net, img, precision="bf16")
    assert out.shape == ref.shape and out.dtype == np.uint8
    assert ref.std() > 5
    assert np.abs(out.astype(int) - ref).mean() < 3
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):   # bf16 really ran (not a no-op)
        assert net(torch.rand(1, 3, 4, 4)).dtype == torch.bfloat16


def test_upscale_refuses_what_the_cpu_cannot_run(monkeypatch):
    net = api.build("fasrgan", 4, nf=8, nb=1, gc=4).eval()
    with pytest.raises(PrecisionError, match="fp16"):
        api.upscale(net, _img(), precision="fp16")
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    with pytest.raises(PrecisionError, match="bf16"):
        api.upscale(net, _img(), precision="bf16")


def test_unknown_precision_is_an_option_error(env, capsys):
    opt = _options(env, "RRDB_PSNR", "bad_precision", "fp8")
    _fails(train_script.main, ["-opt", opt], capsys, "'precision'", "fp8", "bad_precision.json")
    assert not os.path.exists(os.path.join(env["tmp"], "experiments", "bad_precision"))


def test_bf16_without_native_support_exits_with_one_line(env, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")   # the CPU is what is tested
    opt = _options(env, "FASRGAN", "no_native_bf16", "bf16")
    r = subprocess.run([sys.executable, "fasrgan/train.py", "-opt", opt], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    err = r.stderr.strip()
    assert r.returncode == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "bf16" in err and "native" in err, err
    assert not os.path.exists(os.path.join(env["tmp"], "experiments", "no_native_bf16"))   # nothing written


@pytest.mark.skipif(torch.cuda.is_available(), reason="gpu_ids null picks CUDA, where fp16 is allowed")
def test_fp16_on_cpu_is_refused(env, capsys):
    opt = _options(env, "FASRGAN", "fp16_cpu", "fp16")
    _fails(train_script.main, ["-opt", opt], capsys, "fp16", "CUDA")
    assert not os.path.exists(os.path.join(env["tmp"], "experiments", "fp16_cpu"))
    test_opt = make_test_options("FASRGAN", env["tmp"], os.path.join(env["tmp"], "experiments", "none"), env["val"])
    with open(test_opt) as f:
        t = json.load(f)
    t["precision"] = "fp16"
    with open(test_opt, "w") as f:
        json.dump(t, f)
    _fails(test_script.main, ["-opt", test_opt], capsys, "fp16", "CUDA")


@pytest.mark.parametrize("kind", ["FASRGAN", "FsSRGAN"])
def test_bf16_gan_training_on_cpu(env, kind, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    name = f"bf16_{kind}"
    assert train_script.main(["-opt", _options(env, kind, name, "bf16")]) == 0
    exp = os.path.join(env["tmp"], "experiments", name)
    with open(os.path.join(exp, "log", "loss_log.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    assert [r["iter"] for r in recs] == [1, 2]
    for r in recs:
        assert "l_g_gan" in r and "l_d_real" in r
        assert all(math.isfinite(v) for v in r.values() if isinstance(v, float)), r
    # optimizer state and weights stay fp32
    state = torch.load(os.path.join(exp, "training_states", "2.state"), weights_only=False)
    moments = [v for o in state["optimizers"].values() for s in o["state"].values() for v in s.values()
               if torch.is_tensor(v) and v.numel() > 1]
    assert moments and all(v.dtype == torch.float32 for v in moments)
    g = torch.load(os.path.join(exp, "models", "net_G_2.pth"), weights_only=False)["params"]
    assert all(v.dtype == torch.float32 for v in g.values() if v.is_floating_point())
    # bf16 training runs the networks in channels_last (common.precision.training_layout)
    conv_weights = [v for v in g.values() if v.dim() == 4 and v.shape[1] > 1 and v.shape[-1] > 1]
    assert conv_weights and all(v.is_contiguous(memory_format=torch.channels_last) for v in conv_weights)
    log = open(glob.glob(os.path.join(exp, "log", "train_*.log"))[0]).read()
    assert "precision bf16; CPU " in log and "+ native bf16" in log


def test_training_log_shows_data_time(env):
    name = "timed_psnr"
    assert train_script.main(["-opt", _options(env, "RRDB_PSNR", name, "fp32", niter=3)]) == 0
    exp = os.path.join(env["tmp"], "experiments", name)
    log = open(glob.glob(os.path.join(exp, "log", "train_*.log"))[0]).read()
    assert "precision fp32; CPU " in log
    lines = [line for line in log.splitlines() if "iter:" in line and "l_pix" in line]
    assert len(lines) == 3   # print_freq 1
    for line in lines:
        m = TIME_RE.search(line)
        assert m, line
        step, data = float(m.group(1)), float(m.group(2))
        assert 0 <= data <= step and step > 0, line
