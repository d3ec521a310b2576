"""--precision fp32|fp16|bf16: fp32 unchanged, refusals as one-line errors, bf16 runs end to end."""
import os
import subprocess
import sys

import numpy as np
import pytest

from darsr import api
from darsr.learner import run_image
from darsr.options import ConfigError, make_config, parse
from tests.darsr.conftest import synthetic_hr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(REPO, "darsr", "main.py")
TINY = ["--preset", "tiny", "--threads", "1", "--device", "cpu"]


@pytest.fixture(scope="module")
def model():
    return api.load("srfbn_s", 2)


def test_option_default_and_values():
    assert parse([]).precision == "fp32"
    assert parse(["--precision", "bf16"]).precision == "bf16"
    with pytest.raises(SystemExit):
        parse(["--precision", "half"])
    with pytest.raises(ConfigError, match="precision"):
        make_config(precision="fp64")


def test_upscale_fp32_is_the_default(model):
    img = synthetic_hr(40, 52, seed=1)
    assert np.array_equal(api.upscale(model, img, precision="fp32"), api.upscale(model, img))
    assert np.array_equal(api.upscale(model, img, tile=24, tile_overlap=12, precision="fp32"),
                          api.upscale(model, img, tile=24, tile_overlap=12))


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_refused_precision_is_one_line_exit_2(tmp_path, lr_gt_dirs, monkeypatch, precision):
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, MAIN, "-i", str(lr_gt_dirs[0]), "-o", str(out), *TINY,
                        "--precision", precision], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("darsr/main.py: error:") and precision in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_refused_precision_in_the_api(monkeypatch):
    from common.precision import PrecisionError

    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    lr = synthetic_hr(56, 60)
    with pytest.raises(PrecisionError, match="fp16"):
        api.correct(lr, 2, preset="tiny", precision="fp16")
    with pytest.raises(PrecisionError, match="bf16"):
        api.upscale(api.load("srfbn_s", 2), lr, precision="bf16")


def test_upscale_bf16_close_to_fp32(model, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    img = synthetic_hr(40, 52, seed=2)
    ref = api.upscale(model, img).astype(int)
    for kw in ({}, {"tile": 24, "tile_overlap": 12}):
        sr = api.upscale(model, img, precision="bf16", **kw)
        assert sr.shape == ref.shape and sr.dtype == np.uint8
        assert np.abs(sr - ref).mean() < 3


def test_run_image_bf16(model, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    lr = synthetic_hr(56, 60, seed=3)
    conf = make_config(scale_factor=2, preset="tiny", seed=0, device="cpu", threads=1, precision="bf16")
    r = run_image(lr, conf)
    assert r["kernel"].shape == (13, 13) and np.isfinite(r["kernel"]).all()
    assert r["corrected"].shape == lr.shape and r["ours"].shape == (112, 120, 3) and r["ours"].dtype == np.uint8
    # the returned images are computed in fp32 (the SRFBN-S baseline: fp32's bytes); the optimisation
    # ran in bf16, so its kernel is not the fp32 run's
    assert np.array_equal(r["srfbns"], api.upscale(model, lr))
    fp32 = run_image(lr, make_config(scale_factor=2, preset="tiny", seed=0, device="cpu", threads=1))
    assert not np.array_equal(r["kernel"], fp32["kernel"]) and np.abs(r["kernel"] - fp32["kernel"]).max() < 0.05


def test_main_bf16_logs_precision(tmp_path, lr_gt_dirs, monkeypatch):
    from darsr.main import main

    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["-i", str(lr_gt_dirs[0]), "-o", str(out), *TINY, "--num_iters", "1", "--dsem_iters", "1",
                 "--precision", "bf16"]) == 0
    log = (out / "log.txt").read_text()
    assert "precision bf16, CPU " in log and "native bf16" in log
    assert np.isfinite(np.load(out / "imgx2_kernel.npy")).all()
