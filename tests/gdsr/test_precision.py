"""The "precision" option (common.precision) in training, test.py and api.upscale; data time in the log."""
import glob
import math
import os
import re

import numpy as np
import pytest
import torch

from common.precision import PrecisionError
from gdsr import api
from gdsr import test as gdsr_test
from gdsr import train as gdsr_train
from tests.gdsr.conftest import TINY_G, train_opt, write_opt

TIME_RE = r"time/iter: (\d+\.\d{3})s \(data (\d+\.\d{3})s\)"


def _tiny_model():
    """PyTorch's default init: an output that varies (the authors' x0.1 init gives a constant image)."""
    from gdsr.archs import GDSRNet

    torch.manual_seed(0)
    return GDSRNet(**TINY_G).eval()


def _image(h=12, w=10):
    return np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _log_text(exp):
    return "".join(open(p).read() for p in sorted(glob.glob(os.path.join(exp, "log", "train_*.log"))))


def _one_line_error(rc, capsys, code, *needles):
    err = capsys.readouterr().err
    assert rc == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in lines[0], lines[0]


def test_fp32_upscale_is_a_noop():
    model, img = _tiny_model(), _image()
    ref = api.upscale(model, img)
    assert ref.shape == (48, 40, 3) and ref.dtype == np.uint8 and ref.std() > 1
    assert np.array_equal(api.upscale(model, img, precision="fp32"), ref)
    assert np.array_equal(api.upscale(model, img, tile=6, precision="fp32"), api.upscale(model, img, tile=6))
    with torch.inference_mode():    # the forward as it was before the option: fp32 output, nothing cast
        x = torch.from_numpy(img.transpose(2, 0, 1).copy()).float().div(255)[None]
        x = x.contiguous(memory_format=torch.channels_last)
        assert np.array_equal(api.to_uint8(model.forward_all(x)["fused"]), ref)


def test_unknown_precision_names_the_key(data, capsys):
    opt = write_opt(data / "o.json", train_opt(data, "x", "DualSR_pretrain", precision="fp8"))
    _one_line_error(gdsr_train.main(["-opt", opt]), capsys, 2, "'precision'", "fp8", "fp32")


def test_bf16_refused_without_native_support(data, capsys, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "0")
    opt = write_opt(data / "o.json", train_opt(data, "x", "DualSR_pretrain", precision="bf16"))
    _one_line_error(gdsr_train.main(["-opt", opt]), capsys, 2, "gdsr/train.py: error: ", "bf16", "native")
    assert not (data / "experiments").exists()       # refused before anything is written
    topt = {"name": "t", "precision": "bf16", "datasets": {"test_1": {"name": "tiny", "dataroot_HR": "val"}},
            "path": {"root": str(data), "pretrain_model_G": "none_G.pth"}, "network_G": TINY_G}
    _one_line_error(gdsr_test.main(["-opt", write_opt(data / "t.json", topt)]), capsys, 2, "bf16")
    with pytest.raises(PrecisionError, match="bf16"):
        api.upscale(_tiny_model(), _image(), precision="bf16")


def test_fp16_refused_on_cpu(data, capsys):
    opt = write_opt(data / "o.json", train_opt(data, "x", "DualSR_pretrain", precision="fp16"))
    _one_line_error(gdsr_train.main(["-opt", opt]), capsys, 2, "fp16", "CUDA")
    with pytest.raises(PrecisionError, match="fp16"):
        api.upscale(_tiny_model(), _image(), precision="fp16")


def test_bf16_training_and_upscale(data, vgg19_file, capsys, monkeypatch):
    monkeypatch.setenv("SR_NATIVE_BF16", "1")     # autocast to bf16 runs on any CPU, only slowly
    # stage 1, then stage 2 (G, D and the VGG19 loss under autocast) from its weights; 2 iterations each
    opt1 = train_opt(data, "b1", "DualSR_pretrain", niter=2, precision="bf16")
    assert gdsr_train.main(["-opt", write_opt(data / "b1.json", opt1)]) == 0, capsys.readouterr().err
    opt2 = train_opt(data, "b2", "DualSR", niter=2, precision="bf16",
                     path={"vgg19": vgg19_file, "pretrain_model_G": "experiments/b1/models/latest_G.pth"})
    assert gdsr_train.main(["-opt", write_opt(data / "b2.json", opt2)]) == 0, capsys.readouterr().err
    for name, terms in (("b1", 4), ("b2", 11)):
        text = _log_text(str(data / "experiments" / name))
        assert "precision bf16, CPU " in text and "+ native bf16" in text
        lines = re.findall(r"iter:\s*(\d+), lr:\([^)]*\)> (.*?) " + TIME_RE, text)
        assert [int(m[0]) for m in lines] == [1, 2]
        for _, losses, _, _ in lines:
            values = [float(v) for v in re.findall(r"\w+: ([-+\w.]+)", losses)]
            assert len(values) == terms and all(math.isfinite(v) for v in values), losses
        assert re.search(r"Validation tinyval \(Y, shave 4\)\n\t # psnr: \d+\.\d{4}", text)
        state = torch.load(str(data / "experiments" / name / "training_states" / "2.state"), weights_only=True)
        moments = [t for o in state["optimizers"] for st in o["state"].values() for t in st.values() if t.ndim]
        assert moments and all(t.dtype == torch.float32 for t in moments)     # optimizer state stays fp32
        g = torch.load(str(data / "experiments" / name / "models" / "2_G.pth"), weights_only=True)
        g = g.get("params", g)
        convs = [t for t in g.values() if t.dim() == 4 and t.shape[1] > 1 and t.shape[-1] > 1]
        assert convs and all(t.is_contiguous(memory_format=torch.channels_last) for t in convs)   # bf16 layout

    model, img = _tiny_model(), _image(16, 16)
    fp32 = api.upscale(model, img).astype(np.float64)
    bf16 = api.upscale(model, img, precision="bf16")
    assert bf16.shape == fp32.shape and bf16.dtype == np.uint8 and fp32.std() > 1
    assert (bf16 != fp32).any()                     # autocast did run in bf16
    assert np.abs(bf16 - fp32).mean() < 3


def test_training_log_has_data_time(data, capsys):
    opt = write_opt(data / "o.json", train_opt(data, "t", "DualSR_pretrain", niter=2, train={"val_freq": 100}))
    assert gdsr_train.main(["-opt", opt]) == 0, capsys.readouterr().err
    text = _log_text(str(data / "experiments" / "t"))
    assert "precision fp32, CPU " in text
    times = re.findall(TIME_RE, text)
    assert len(times) == 2
    for step, wait in times:
        assert 0 <= float(wait) <= float(step) and float(step) > 0
