"""Both training stages, resume, test.py and torchrun DDP on tiny data with a reduced network."""
import glob
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from common.evaluate import evaluate_pair
from common.io import imread, imwrite
from gdsr import test as gdsr_test
from gdsr import train as gdsr_train
from tests.gdsr.conftest import REPO, TINY_G, make_data as _make_data, train_opt, write_opt

STAGE1_TERMS = ["l_g_pix", "l_g_pix_low", "l_g_pix_high", "l_g_pix_fused"]
STAGE2_TERMS = STAGE1_TERMS + ["l_g_fea_low", "l_g_fea_high", "l_g_gan", "l_d_real", "l_d_fake", "D_real", "D_fake"]


def _log_text(exp):
    return "".join(open(p).read() for p in sorted(glob.glob(os.path.join(exp, "log", "train_*.log"))))


def _loss_lines(text):
    """{iter: {term: value}} from the logged loss lines."""
    out = {}
    for m in re.finditer(r"iter:\s*([\d,]+), lr:\([^)]*\)> (.*?) time/iter", text):
        pairs = re.findall(r"(\w+): ([-+\w.]+)", m.group(2))
        out[int(m.group(1).replace(",", ""))] = {k: float(v) for k, v in pairs}
    return out


def _run_train(argv, capsys=None):
    rc = gdsr_train.main(argv)
    err = capsys.readouterr().err if capsys else ""
    assert rc == 0, err
    return rc


@pytest.fixture(scope="module")
def stage1_base(tmp_path_factory):
    """One 4-iteration stage-1 run, shared: each test gets its own copy of the folder."""
    root = tmp_path_factory.mktemp("stage1")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _make_data(root)
        opt = write_opt(root / "s1.json", train_opt(root, "s1", "DualSR_pretrain"))
        assert gdsr_train.main(["-opt", opt]) == 0
    finally:
        torch.set_num_threads(n)
    return root


@pytest.fixture
def stage1(stage1_base, tmp_path):
    root = tmp_path / "w"
    shutil.copytree(stage1_base, root)
    opt = write_opt(root / "s1.json", train_opt(root, "s1", "DualSR_pretrain"))
    return root, opt, str(root / "experiments" / "s1")


def test_stage1_runs_logs_and_saves(stage1):
    root, _, exp = stage1
    losses = _loss_lines(_log_text(exp))
    assert sorted(losses) == [1, 2, 3, 4]
    for it, terms in losses.items():
        assert list(terms) == STAGE1_TERMS
        assert all(math.isfinite(v) for v in terms.values())
        assert terms["l_g_pix"] == pytest.approx(sum(terms[k] for k in STAGE1_TERMS[1:]), rel=1e-3)
    for f in ("models/2_G.pth", "models/4_G.pth", "models/latest_G.pth", "training_states/2.state",
              "training_states/4.state", "log/loss.png", "log/val_psnr.png", "visualization/rgb/rgb_4.png",
              "visualization/gray/gray_2.png"):
        assert os.path.isfile(os.path.join(exp, f)), f
    assert not glob.glob(os.path.join(exp, "models", "*_D.pth"))
    text = _log_text(exp)
    assert re.search(r"Validation tinyval \(Y, shave 4\)\n\t # psnr: \d+\.\d{4}\tBest: ", text)
    state = torch.load(os.path.join(exp, "training_states", "4.state"), weights_only=True)
    assert state["iter"] == 4 and len(state["optimizers"]) == 1
    assert imread(os.path.join(exp, "log", "loss.png")).shape[2] == 3


def test_auto_resume_continues_exactly(stage1, capsys):
    root, _, exp = stage1
    # continue the 4-iteration run to 6, and compare with an uninterrupted 6-iteration run
    opt6 = write_opt(root / "s1_6.json", train_opt(root, "s1", "DualSR_pretrain", niter=6))
    _run_train(["-opt", opt6, "--auto_resume"], capsys)
    text = _log_text(exp)
    assert "Resuming training from iter 4" in text
    assert sorted(_loss_lines(text)) == [1, 2, 3, 4, 5, 6]
    assert not glob.glob(str(root / "experiments" / "s1_archived_*"))   # resume keeps the folder
    straight = write_opt(root / "straight.json", train_opt(root, "straight", "DualSR_pretrain", niter=6,
                                                           train={"val_freq": 100},
                                                           logger={"print_freq": 1, "save_checkpoint_freq": 6}))
    _run_train(["-opt", straight], capsys)
    a = torch.load(os.path.join(exp, "models", "6_G.pth"), weights_only=True)
    b = torch.load(str(root / "experiments" / "straight" / "models" / "6_G.pth"), weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_existing_experiment_is_archived(stage1, capsys):
    root, _, exp = stage1
    opt = write_opt(root / "again.json", train_opt(root, "s1", "DualSR_pretrain", niter=1, train={"val_freq": 100}))
    _run_train(["-opt", opt], capsys)
    assert os.path.isfile(os.path.join(exp, "models", "1_G.pth"))
    archived = glob.glob(str(root / "experiments" / "s1_archived_*"))
    assert len(archived) == 1 and os.path.isfile(os.path.join(archived[0], "models", "4_G.pth"))


def test_stage2_and_test_script(stage1, vgg19_file, capsys):
    root, _, exp1 = stage1
    opt2 = train_opt(root, "s2", "DualSR", path={"vgg19": vgg19_file,
                                                "pretrain_model_G": "experiments/s1/models/latest_G.pth"})
    _run_train(["-opt", write_opt(root / "s2.json", opt2)], capsys)
    exp = str(root / "experiments" / "s2")
    losses = _loss_lines(_log_text(exp))
    assert sorted(losses) == [1, 2, 3, 4]
    for terms in losses.values():
        assert list(terms) == STAGE2_TERMS
        assert all(math.isfinite(v) for v in terms.values())
    for f in ("models/4_G.pth", "models/4_D.pth", "models/latest_D.pth", "training_states/4.state"):
        assert os.path.isfile(os.path.join(exp, f)), f
    state = torch.load(os.path.join(exp, "training_states", "4.state"), weights_only=True)
    assert len(state["optimizers"]) == 2 and len(state["schedulers"]) == 2

    # resume stage 2 for one more iteration
    opt2["train"]["niter"] = 5
    _run_train(["-opt", write_opt(root / "s2b.json", opt2), "--auto_resume"], capsys)
    assert "Resuming training from iter 4" in _log_text(exp) and 5 in _loss_lines(_log_text(exp))

    # test.py on the stage-2 checkpoint, with one image large enough for NIQE
    big = np.kron(np.random.default_rng(3).integers(0, 256, (25, 25, 3), dtype=np.uint8), np.ones((8, 8, 1), np.uint8))
    imwrite(root / "val" / "big.png", big)
    topt = {"name": "t", "scale": 4, "datasets": {"test_1": {"name": "tiny", "dataroot_HR": "val"}},
            "path": {"root": str(root), "pretrain_model_G": "experiments/s2/models/latest_G.pth"},
            "network_G": TINY_G, "test": {"save_low": True, "save_high": True, "save_mask": True, "tile": 16}}
    summary = gdsr_test.test(gdsr_test.parse_args(["-opt", write_opt(root / "t.json", topt)]))
    out = capsys.readouterr().out
    vis = root / "results" / "t" / "visualization" / "tiny"
    for stem in ("big", "gray", "rgb"):
        assert (vis / f"{stem}_GDSR.png").is_file()
        for k in ("low", "high", "mask"):
            assert (vis / f"{stem}_{k}.png").is_file()
    assert imread(vis / "big_mask.png").ndim == 2
    sr = imread(vis / "big_GDSR.png")
    ref = evaluate_pair(sr, big, 4)
    assert re.search(r"big - PSNR: %.6f dB; SSIM: %.6f; NIQE: \d+\.\d+" % (ref["psnr"], ref["ssim"]), out)
    assert "gray - PSNR" in out and "NIQE: nan" in out       # gray 144x144 SR is too small for NIQE
    mean = summary["tiny"]
    assert math.isfinite(mean["niqe"]) and math.isfinite(mean["psnr"]) and 0 <= mean["ssim"] <= 1
    assert glob.glob(str(root / "results" / "t" / "test_t_*.log"))


def test_torchrun_two_processes(data, vgg19_file):
    # stage 2, so that both G and D (two forwards before one backward) run under DDP;
    # iterations 1-3 on 2 processes, validation (rank 0) at 2 and 3, one save
    opt = write_opt(data / "ddp.json", train_opt(data, "ddp", "DualSR", niter=3, path={"vgg19": vgg19_file},
                                                  logger={"print_freq": 1, "save_checkpoint_freq": 3}))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=REPO)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           os.path.join(REPO, "gdsr", "train.py"), "-opt", opt, "--launcher", "pytorch"]
    p = subprocess.run(cmd, cwd=str(data), env=env, capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stderr[-3000:]
    exp = str(data / "experiments" / "ddp")
    text = _log_text(exp)
    assert "2 process(es)" in text
    losses = _loss_lines(text)
    assert sorted(losses) == [1, 2, 3] and all(list(t) == STAGE2_TERMS for t in losses.values())
    assert all(math.isfinite(v) for t in losses.values() for v in t.values())
    for f in ("3_G.pth", "3_D.pth"):
        assert os.path.isfile(os.path.join(exp, "models", f))
    assert os.path.isfile(os.path.join(exp, "training_states", "3.state"))


def test_test_script_without_ground_truth(data, capsys):
    from gdsr.archs import GDSRNet

    torch.save(GDSRNet(**TINY_G).state_dict(), data / "w_G.pth")
    topt = {"name": "lronly", "datasets": {"test_1": {"name": "lr", "dataroot_HR": None, "dataroot_LR": "val"}},
            "path": {"root": str(data), "pretrain_model_G": "w_G.pth"}, "network_G": TINY_G}
    assert gdsr_test.main(["-opt", write_opt(data / "t.json", topt)]) == 0
    out = capsys.readouterr().out
    assert "rgb - NIQE: nan" in out and "PSNR" not in out.split("Metrics:")[1].split("\n", 1)[1]
    sr = imread(data / "results" / "lronly" / "visualization" / "lr" / "rgb_GDSR.png")
    assert sr.shape == (128, 160, 3)
    topt["datasets"]["test_1"]["dataroot_LR"] = None
    assert gdsr_test.main(["-opt", write_opt(data / "t.json", topt)]) == 2
    assert "needs dataroot_HR, dataroot_LR or both" in capsys.readouterr().err


@pytest.mark.slow
def test_stage1_learns(data, capsys):
    opt = train_opt(data, "learn", "DualSR_pretrain", niter=60, train={"val_freq": 60, "lr_G": 1e-3},
                    logger={"print_freq": 20, "save_checkpoint_freq": 60})
    _run_train(["-opt", write_opt(data / "l.json", opt)], capsys)
    losses = _loss_lines(_log_text(str(data / "experiments" / "learn")))
    assert losses[60]["l_g_pix"] < 0.7 * losses[20]["l_g_pix"] or losses[60]["l_g_pix"] < 0.6
