"""train.py / test.py / fuse.py end to end on tiny data: checkpoints, resume, export, DDP, bad input."""
import glob
import os
import subprocess
import sys

import torch

from common.io import imwrite, load_checkpoint
from dgpnet import api
from dgpnet.fuse import cli as fuse_cli
from dgpnet.test import cli as run_test_script
from dgpnet.train import cli as train_cli
from tests.dgpnet.conftest import TINY_NET, make_pairs, train_options, write_json

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _test_options(root, weights, name="tt"):
    return {"name": name, "scale": 2,
            "datasets": {"test_1": {"name": "v", "dataroot_gt": os.path.join(root, "hr"),
                                    "dataroot_lq": os.path.join(root, "lr")}},
            "network_g": dict(TINY_NET),
            "path": {"pretrain_network_g": weights, "results_root": os.path.join(root, "results", name)},
            "val": {"pbar": False, "metrics": {"psnr": {"type": "calculate_psnr"}, "ssim": {"type": "calculate_ssim"}}}}


def _params(path):
    return load_checkpoint(path, key="params")


def test_train_resume_test_fuse(pairs, capsys, monkeypatch):
    root = str(pairs)
    monkeypatch.chdir(root)
    exp = os.path.join(root, "experiments", "tiny")
    opt_path = write_json(pairs / "train.json", train_options(root, total_iter=4))
    assert train_cli(["-opt", opt_path]) == 0
    for f in ("models/net_g_2.pth", "models/net_g_4.pth", "models/net_g_latest.pth", "training_states/2.state",
              "training_states/4.state", "log/loss.png", "log/val_v_psnr.png", "log/val_v_ssim.png", "train.json"):
        assert os.path.isfile(os.path.join(exp, f)), f
    assert glob.glob(os.path.join(exp, "log", "train_tiny_*.log"))
    assert os.path.isfile(os.path.join(exp, "visualization", "v", "im0", "im0_4.png"))
    out = capsys.readouterr().out
    assert "Validation v (fused network; Y channel, crop_border 2)" in out and "# psnr:" in out

    # --auto_resume continues at iteration 5 and matches an uninterrupted 6-iteration run
    opt6 = write_json(pairs / "train6.json", train_options(root, total_iter=6))
    assert train_cli(["-opt", opt6, "--auto_resume"]) == 0
    out = capsys.readouterr().out
    assert "Resuming training from epoch" in out and "iter: 4." in out
    assert "iter:       5," in out and "iter:       4," not in out.split("Resuming")[1]
    assert os.path.isfile(os.path.join(exp, "training_states", "6.state"))
    assert not glob.glob(exp + "_archived_*")
    state = load_checkpoint(os.path.join(exp, "training_states", "6.state"), key=None)
    assert state["iter"] == 6 and [i for i, _ in state["history"]["loss"]] == [1, 2, 3, 4, 5, 6]
    ref_opt = train_options(root, name="ref", total_iter=6)
    assert train_cli(["-opt", write_json(pairs / "ref.json", ref_opt)]) == 0
    resumed = _params(os.path.join(exp, "models", "net_g_6.pth"))
    straight = _params(os.path.join(root, "experiments", "ref", "models", "net_g_6.pth"))
    for k in straight:
        torch.testing.assert_close(resumed[k], straight[k], rtol=1e-6, atol=1e-7, msg=k)

    # test.py on the training checkpoint; a second run archives the first results folder
    ckpt = os.path.join(exp, "models", "net_g_latest.pth")
    t_path = write_json(pairs / "test.json", _test_options(root, ckpt))
    assert run_test_script(["-opt", t_path]) == 0
    res = os.path.join(root, "results", "tt")
    sr_files = sorted(glob.glob(os.path.join(res, "visualization", "v", "*.png")))
    assert [os.path.basename(f) for f in sr_files] == ["im0_tt.png", "im1_tt.png", "im2_tt.png"]
    assert "# psnr:" in capsys.readouterr().out

    # fuse.py export: plain-conv weights giving the same output as the checkpoint
    out_pth = os.path.join(root, "fused.pth")
    assert fuse_cli(["--opt", opt_path, "--ckpt", ckpt, "--out", out_pth]) == 0
    assert "written" in capsys.readouterr().out
    fused = api.load("dgpnet_s", 2, weights=out_pth)
    unfused = api.load("dgpnet_s", 2, weights=ckpt, fused=False)
    assert not any(".alpha_mlp." in k for k in fused.state_dict())
    x = torch.rand(1, 3, 16, 20)
    with torch.no_grad():
        a, b = unfused(x), fused(x)
    assert float((a - b).abs().max() / (a.max() - a.min())) <= 1e-5
    assert run_test_script(["-opt", write_json(pairs / "test2.json", _test_options(root, out_pth))]) == 0
    assert glob.glob(res + "_archived_*")
    assert "fused export" in capsys.readouterr().out


def _one_line_error(capsys, rc, *names):
    err = capsys.readouterr().err.strip()
    assert rc != 0 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in names:
        assert n in err, err
    return err


def test_bad_input_errors(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    make_pairs(root)
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",\n "scale": 2,,}')
    _one_line_error(capsys, train_cli(["-opt", str(bad)]), "bad.json", "invalid JSON")

    opt = train_options(root)
    opt["train"]["optim_g"] = {"type": "Adam", "lrr": 1e-4}
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "k.json", opt)]), "k.json",
                    "unknown key 'lrr' in train.optim_g (did you mean 'lr'?)")

    opt = train_options(root)
    opt["datasets"]["train"]["dataroot_gt"] = os.path.join(root, "missing_hr")
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "m.json", opt)]), "missing_hr")

    imwrite(tmp_path / "hr" / "extra.png", torch.zeros(8, 8, 3, dtype=torch.uint8).numpy())
    _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "u.json", train_options(root))]), "extra.png")
    os.remove(tmp_path / "hr" / "extra.png")

    (tmp_path / "lr" / "im1x2.png").write_bytes(b"not a png at all")
    err = _one_line_error(capsys, train_cli(["-opt", write_json(tmp_path / "c.json", train_options(root))]), "im1x2.png")
    assert "not a readable image" in err

    t = _test_options(root, os.path.join(root, "nothing.pth"))
    t["datasets"]["test_1"]["dataroot_lq"] = os.path.join(root, "hr")   # avoid the corrupt file
    t["datasets"]["test_1"]["type"] = "SingleImageDataset"
    _one_line_error(capsys, run_test_script(["-opt", write_json(tmp_path / "t.json", t)]), "nothing.pth")
    _one_line_error(capsys, fuse_cli(["--opt", str(tmp_path / "t.json"), "--ckpt", str(bad), "--out", "o.pth"]),
                    "bad.json")
    assert not os.path.exists(os.path.join(root, "experiments"))


def test_entry_script_error_is_one_line_in_a_subprocess(tmp_path):
    p = tmp_path / "o.json"
    p.write_text('{"name": "x", "scale": 2, "datasets": {"train": {}}, "unknown_key": 1}')
    r = subprocess.run([sys.executable, os.path.join(REPO, "dgpnet", "train.py"), "-opt", str(p)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "'unknown_key'" in r.stderr, r.stderr


def test_torchrun_two_processes_on_cpu(tmp_path):
    root = str(tmp_path)
    make_pairs(root)
    opt = train_options(root, name="ddp", total_iter=3)
    opt["datasets"]["train"]["batch_size_per_gpu"] = 1
    path = write_json(tmp_path / "ddp.json", opt)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           os.path.join(REPO, "dgpnet", "train.py"), "-opt", path, "--launcher", "pytorch"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "world size 2" in r.stdout
    exp = os.path.join(root, "experiments", "ddp")
    state = load_checkpoint(os.path.join(exp, "training_states", "3.state"), key=None)
    assert state["iter"] == 3
    assert os.path.isfile(os.path.join(exp, "models", "net_g_3.pth"))


def test_ema_warmup_cosine_and_gray_inputs(tmp_path, capsys, monkeypatch):
    root = str(tmp_path)
    monkeypatch.chdir(root)
    make_pairs(root, n=2)
    from common.io import imread
    for sub in ("hr", "lr"):   # one gray pair: replicated to RGB by the datasets
        for f in glob.glob(os.path.join(root, sub, "im1*.png")):
            imwrite(f, imread(f)[:, :, 1])
    opt = train_options(root, name="ema", total_iter=3)
    opt["train"].update(ema_decay=0.5, warmup_iter=2, scheduler={"type": "CosineAnnealingLR", "eta_min": 1e-6})
    opt["val"]["val_freq"] = 100
    assert train_cli(["-opt", write_json(tmp_path / "ema.json", opt)]) == 0
    out = capsys.readouterr().out
    assert "lr:(1.000e-04,)] " in out    # iteration 1 of a 2-iteration warm-up
    raw = load_checkpoint(os.path.join(root, "experiments", "ema", "models", "net_g_3.pth"), key=None)
    assert set(raw) == {"params", "params_ema", "network_g"}
    assert any(not torch.equal(raw["params"][k], raw["params_ema"][k]) for k in raw["params"])
    # testing without ground truth (SingleImageDataset) on the EMA weights
    t = _test_options(root, os.path.join(root, "experiments", "ema", "models", "net_g_latest.pth"), name="nogt")
    t["datasets"]["test_1"] = {"name": "lronly", "type": "SingleImageDataset", "dataroot_lq": os.path.join(root, "lr")}
    assert run_test_script(["-opt", write_json(tmp_path / "nogt.json", t)]) == 0
    assert len(glob.glob(os.path.join(root, "results", "nogt", "visualization", "lronly", "*.png"))) == 2
