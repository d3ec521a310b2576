"""The precision option (fp32 / fp16 / bf16 via common.precision) and the data time in the training log."""
import glob
import os
import re
import time

import numpy as np
import pytest
import torch

import dgpnet.train
from common.io import load_checkpoint
from common.precision import PrecisionError
from dgpnet import api
from dgpnet.models.net_utils import tensor2img
from dgpnet.test import cli as run_test_script
from dgpnet.train import cli as train_cli
from dgpnet.utils.tiling import run
from tests.dgpnet.conftest import TINY_NET, make_pairs, perturb, train_options, write_json
from tests.dgpnet.test_cli import _one_line_error

TIME_RE = re.compile(r"time/iter: (\d+\.\d+)s \(data (\d+\.\d+)s\)")


def _tiny(seed=0):
    torch.manual_seed(seed)
    return perturb(api.build("dgpnet", 2, num_feat=8, num_block=1, reduction=4), seed, std=0.05).eval()


def _image(h=16, w=20, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def _test_options(root, weights, name, precision):
    return {"name": name, "scale": 2, "precision": precision,
            "datasets": {"test_1": {"name": "v", "dataroot_gt": os.path.join(root, "hr"),
                                    "dataroot_lq": os.path.join(root, "lr")}},
            "network_g": dict(TINY_NET),
            "path": {"pretrain_network_g": weights, "results_root": os.path.join(root, "results", name)},
            "val": {"pbar": False, "save_img": False, "metrics": {"psnr": {"type": "calculate_psnr"}}}}


def test_fp32_is_a_noop():
    for net in (_tiny(), api.fuse(_tiny())):
        img = _image()
        x = torch.from_numpy(img.transpose(2, 0, 1).copy()).float().div(255.0)[None]
        for tile in (None, 8):
            with torch.inference_mode():
                before = tensor2img(run(net, x, tile, 32))      # upscale's computation before the option
            default = api.upscale(net, img, tile=tile)
            fp32 = api.upscale(net, img, tile=tile, precision="fp32")
            assert default.dtype == fp32.dtype == np.uint8
            assert default.tobytes() == fp32.tobytes() == before.tobytes()


def test_bf16_refused_without_native_bf16(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    make_pairs(root)
    opt = train_options(root, precision="bf16")
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "b.json", opt)]), "bf16", "no native")
    assert not os.path.exists(os.path.join(root, "experiments"))
    t = _test_options(root, os.path.join(root, "nothing.pth"), "tb", "bf16")
    _one_line_error(capsys, run_test_script(["-opt", write_json(tmp_path / "t.json", t)]), "bf16")
    assert not os.path.exists(os.path.join(root, "results"))
    with pytest.raises(PrecisionError, match="bf16"):
        api.upscale(_tiny(), _image(), precision="bf16")


def test_fp16_on_cpu_and_unknown_precision_refused(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    make_pairs(root)
    opt = train_options(root, precision="fp16")
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "h.json", opt)]), "fp16", "CUDA")
    opt = train_options(root, precision="fp8")
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "u.json", opt)]), "u.json", "'precision'", "fp8")
    assert not os.path.exists(os.path.join(root, "experiments"))
    with pytest.raises(PrecisionError, match="fp16"):
        api.upscale(_tiny(), _image(), precision="fp16")


def test_bf16_training_test_and_upscale_with_native_bf16_forced(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SR_NATIVE_BF16", "1")
    make_pairs(root, n=2)
    opt = train_options(root, name="bf", total_iter=2, precision="bf16")
    assert train_cli(["-opt", write_json(tmp_path / "bf.json", opt)]) == 0
    out = capsys.readouterr().out
    assert "precision bf16 on cpu; CPU " in out and "+ native bf16" in out
    assert "# psnr:" in out                              # validation ran under bf16 autocast
    state = load_checkpoint(os.path.join(root, "experiments", "bf", "training_states", "2.state"), key=None)
    losses = [v for _, v in state["history"]["loss"]]
    assert len(losses) == 2 and all(np.isfinite(losses)) and all(v > 0 for v in losses)
    params = load_checkpoint(os.path.join(root, "experiments", "bf", "models", "net_g_2.pth"), key="params")
    assert all(v.dtype == torch.float32 for v in params.values() if v.is_floating_point())
    assert "scaler" not in state                         # the grad scaler is a pass-through for bf16
    ref = train_options(root, name="f32", total_iter=2)   # the same run in fp32: close, but not the same numbers
    assert train_cli(["-opt", write_json(tmp_path / "f32.json", ref)]) == 0
    capsys.readouterr()
    ref_state = load_checkpoint(os.path.join(root, "experiments", "f32", "training_states", "2.state"), key=None)
    ref_losses = [v for _, v in ref_state["history"]["loss"]]
    assert losses != ref_losses and np.allclose(losses, ref_losses, rtol=0.05), (losses, ref_losses)

    # test.py honours the option: bf16 PSNR close to fp32 on the trained checkpoint
    ckpt = os.path.join(root, "experiments", "bf", "models", "net_g_latest.pth")
    psnr = {}
    for p in ("fp32", "bf16"):
        assert run_test_script(["-opt", write_json(tmp_path / f"t{p}.json", _test_options(root, ckpt, p, p))]) == 0
        out = capsys.readouterr().out
        assert f"precision {p} on cpu" in out
        psnr[p] = float(re.search(r"# psnr: (\d+\.\d+)", out).group(1))
    assert abs(psnr["bf16"] - psnr["fp32"]) < 0.5, psnr

    # api.upscale in bf16: within a few grey levels of fp32, whole image and tiled
    img, means = _image(seed=1), []
    for net in (_tiny(), api.fuse(_tiny())):
        for tile in (None, 8):
            a = api.upscale(net, img, tile=tile).astype(np.int16)
            b = api.upscale(net, img, tile=tile, precision="bf16").astype(np.int16)
            assert b.shape == a.shape
            diff = np.abs(a - b)
            assert diff.mean() < 3 and diff.max() < 32, (tile, diff.mean(), diff.max())
            means.append(diff.mean())
    assert max(means) > 0                                # bf16 really ran


class _SlowLoader:
    """A training loader that waits ``delay`` seconds before each batch (a slow disk)."""

    def __init__(self, loader, delay):
        self.loader, self.delay = loader, delay
        self.sampler = loader.sampler

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            time.sleep(self.delay)
            yield batch


def test_training_log_shows_data_time(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    make_pairs(root, n=2)
    build = dgpnet.train.build_dataloader

    def slow_build(dataset, ds_opt, *args, **kw):
        loader = build(dataset, ds_opt, *args, **kw)
        return _SlowLoader(loader, 0.05) if ds_opt["phase"] == "train" else loader

    monkeypatch.setattr(dgpnet.train, "build_dataloader", slow_build)
    opt = train_options(root, name="dt", total_iter=3)
    opt["val"]["val_freq"] = 100
    assert train_cli(["-opt", write_json(tmp_path / "dt.json", opt)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if "l_pix:" in ln]
    assert len(lines) == 3 and "precision fp32 on cpu" in out
    for ln in lines:
        m = TIME_RE.search(ln)
        assert m, ln
        step, data = float(m.group(1)), float(m.group(2))
        assert 0.045 <= data <= step, ln                # the loader's wait is data time, inside the iteration time
    log_file = glob.glob(os.path.join(root, "experiments", "dt", "log", "train_dt_*.log"))[0]
    with open(log_file) as f:
        assert len(TIME_RE.findall(f.read())) == 3
