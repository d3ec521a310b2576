"""gdsr.ablation (table, RMSE-vs-NIQE plot, crop grid) on fabricated run folders, and scripts/gdsr_ablation.sh
in smoke mode (slow)."""
import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from common.degradations import bi, modcrop
from common.imresize import imresize
from common.io import imread, imwrite, save_checkpoint
from common.metrics import calculate_psnr
from gdsr import ablation
from gdsr.archs.gdsr_arch import GDSRNet, init_weights
from gdsr.utils.options import dump, parse
from tests.gdsr.conftest import REPO, TINY_G, train_opt, write_opt

ARM_SWITCHES = {"full": (True, True), "noguide": (False, True), "hfonly": (False, False)}
STAGE2_ITER, STAGE1_ITER = 4, 8


def _write_run(exp, name, model, niter, seed, guidance=True, mask=True, pretrain=None, saved_iter=None):
    """A run folder as gdsr/train.py leaves it: log/options_<time>.json (the completed options), and, at
    ``saved_iter`` (default: the last iteration), models/<iter>_G.pth of a tiny random network and its state."""
    folder = exp / name
    folder.mkdir(parents=True)
    opt = train_opt(exp, name, model, niter=niter, network_G={"guidance": guidance, "mask": mask},
                    train={"manual_seed": seed, "niter": niter, "feature_weight": 0},
                    path={"root": str(exp), "experiments_root": str(folder), "pretrain_model_G": pretrain})
    opt = parse(write_opt(exp / f"{name}.json", opt))
    (folder / "log").mkdir()
    (folder / "log" / "options_20260101_000000.json").write_text(dump(opt))
    it = niter if saved_iter is None else saved_iter
    torch.manual_seed(seed + 10 * len(name))
    net = GDSRNet(scale=4, guidance=guidance, mask=mask, **TINY_G)
    init_weights(net, 1.0)
    with torch.no_grad():                   # outputs around mid-grey, so that none is clipped flat
        for conv in (net.HR_conv1_l, net.HR_conv1_h, net.HR_conv1_m):
            conv[0].bias.fill_(0.5)
    save_checkpoint(net.state_dict(), str(folder / "models" / f"{it}_G.pth"))
    save_checkpoint({"iter": it, "networks": {"G": f"{it}_G.pth"}}, str(folder / "training_states" / f"{it}.state"))
    return folder


def _tiny_set(root):
    """root/Tiny/HR: a 104x200 RGB crop of Set5's baby and a 104x200 gray crop of its butterfly (each holds two
    96x96 NIQE blocks after the 4-pixel shave)."""
    folder = root / "Tiny" / "HR"
    folder.mkdir(parents=True)
    set5 = os.path.join(REPO, "benchmarks", "data", "Set5", "HR")
    imwrite(folder / "baby.png", imread(os.path.join(set5, "baby.png"))[200:304, 150:350])
    butterfly = imread(os.path.join(set5, "butterfly.png"))[40:144, 20:220].astype(np.float64)
    imwrite(folder / "butterfly.png", np.round(butterfly.mean(axis=2)).astype(np.uint8))
    return root


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """Stage 1, two seeds of each arm, an unfinished third seed of the full arm, and the tiny set."""
    root = tmp_path_factory.mktemp("gdsr_ablation")
    exp = root / "exp"
    g1 = _write_run(exp, "pretrain", "DualSR_pretrain", STAGE1_ITER, 0) / "models" / f"{STAGE1_ITER}_G.pth"
    for arm, (guidance, mask) in ARM_SWITCHES.items():
        for seed in (1, 2):
            _write_run(exp, f"{arm}_s{seed}", "DualSR", STAGE2_ITER, seed, guidance, mask, str(g1))
    _write_run(exp, "full_s3", "DualSR", STAGE2_ITER, 3, pretrain=str(g1), saved_iter=2)
    _tiny_set(root / "data")
    return root


def _run(experiment, capsys, *extra):
    rc = ablation.main(["--dir_experiment", str(experiment / "exp"), "--data_root", str(experiment / "data"),
                        "--sets", "Tiny", *extra, "--out_dir", str(experiment / "docs")])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out


def _rows(text):
    """{(arm label, output): [cells]} of the markdown table's data rows."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| arm "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[(cells[0], cells[1])] = cells
    return rows


def _eval(experiment, run):
    with open(experiment / "exp" / run / "eval.json") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def first_run(experiment):
    """(stdout, stderr) of the first call of gdsr.ablation on the fabricated runs, which scores every run and
    bicubic; module-scoped, so it is run once and its output captured here rather than by capsys."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = ablation.main(["--dir_experiment", str(experiment / "exp"), "--data_root", str(experiment / "data"),
                            "--sets", "Tiny", "Missing", "--out_dir", str(experiment / "docs")])
    assert rc == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def test_rows_per_arm_and_output_and_notes(experiment, first_run):
    text, err = first_run
    rows = _rows(text)
    labels = ["stage 1 (L1)", "GDSR", "GDSR without guidance", "high-frequency branch alone"]
    assert set(rows) == {("bicubic", "")} | {(label, o) for label in labels for o in ("fused", "low", "high")}
    assert rows[("GDSR", "fused")][2:5] == ["on / on", "1, 2", str(STAGE2_ITER)]       # full_s3 is not finished
    assert rows[("GDSR without guidance", "low")][2] == "off / on"
    assert rows[("high-frequency branch alone", "high")][2] == "off / off"
    assert rows[("stage 1 (L1)", "fused")][2:5] == ["on / on", "0", str(STAGE1_ITER)]
    assert "perceptual (VGG19) weight 0 in every arm" in text
    assert "every arm from pretrain/models/8_G.pth" in text
    assert "Tiny PSNR / SSIM / NIQE" in text and "Missing" not in text
    assert "note: Missing not found" in err
    assert "note: full_s3: not finished (iteration 2 of 4), left out" in err
    params = sum(p.numel() for p in GDSRNet(**TINY_G).parameters())
    assert rows[("GDSR", "high")][-1] == f"{params:,}"


def test_cells_are_mean_and_half_spread_of_the_seeds(experiment, first_run):
    rows = _rows(first_run[0])
    a, b = (_eval(experiment, f"noguide_s{s}")[str(STAGE2_ITER)]["Tiny"]["high"] for s in (1, 2))
    psnr = f"{(a['psnr'] + b['psnr']) / 2:.2f} ± {abs(a['psnr'] - b['psnr']) / 2:.2f}"
    ssim = f"{(a['ssim'] + b['ssim']) / 2:.4f} ± {abs(a['ssim'] - b['ssim']) / 2:.4f}"
    niqe = f"{(a['niqe'] + b['niqe']) / 2:.2f} ± {abs(a['niqe'] - b['niqe']) / 2:.2f}"
    assert rows[("GDSR without guidance", "high")][5] == f"{psnr} / {ssim} / {niqe}"
    assert a != b     # the seeds' networks differ


def test_bicubic_row_equals_an_independent_computation(experiment, first_run):
    psnrs = []
    for name in ("baby.png", "butterfly.png"):
        hr = modcrop(imread(experiment / "data" / "Tiny" / "HR" / name), 4)
        psnrs.append(calculate_psnr(imresize(bi(hr, 4), 4), hr, 4))
    with open(experiment / "exp" / "eval_bicubic.json") as f:
        cached = json.load(f)["bicubic"]["Tiny"]["fused"]
    assert cached["psnr"] == pytest.approx(np.mean(psnrs), abs=1e-9)
    assert cached["rmse"] == pytest.approx(np.mean([255 * 10 ** (-p / 20) for p in psnrs]), abs=1e-9)
    assert _rows(first_run[0])[("bicubic", "")][5].startswith(f"{np.mean(psnrs):.2f} / ")


def test_pngs_written(experiment, first_run):
    for name in ("gdsr_ablation_rmse_niqe.png", "gdsr_ablation_grid.png"):
        img = imread(experiment / "docs" / name)
        assert img.ndim == 3 and min(img.shape[:2]) > 100
    assert "written:" in first_run[0]


def test_eval_json_is_reused_per_iteration(experiment, first_run, capsys, monkeypatch):
    # hand-written scores under the runs' iteration are used as they are ...
    for seed, (p, s, n) in ((1, (30.0, 0.80, 5.0)), (2, (31.0, 0.82, 7.0))):
        path = experiment / "exp" / f"noguide_s{seed}" / "eval.json"
        cached = _eval(experiment, f"noguide_s{seed}")
        cached[str(STAGE2_ITER)]["Tiny"]["fused"].update(psnr=p, ssim=s, niqe=n)
        path.write_text(json.dumps(cached))
    # ... and scores of another iteration are not
    stale = experiment / "exp" / "hfonly_s1" / "eval.json"
    stale.write_text(json.dumps({"3": _eval(experiment, "hfonly_s1")[str(STAGE2_ITER)]}))
    scored = []
    real = ablation.mean_scores
    monkeypatch.setattr(ablation, "mean_scores", lambda *a: scored.append(a[2]) or real(*a))
    rows = _rows(_run(experiment, capsys).out)
    assert rows[("GDSR without guidance", "fused")][5] == "30.50 ± 0.50 / 0.8100 ± 0.0100 / 6.00 ± 1.00"
    assert len(scored) == 1                             # only hfonly_s1 is scored again
    assert set(json.loads(stale.read_text())) == {"3", str(STAGE2_ITER)}


def test_hfonly_fused_is_the_high_branch_features_alone(experiment):
    runs, _ = ablation.find_runs(experiment / "exp")
    run = next(r for r in runs if r["name"] == "hfonly_s1")
    net = ablation.load_generator(run)
    assert (net.guidance, net.use_mask) == (False, False)
    lr = imread(experiment / "data" / "Tiny" / "HR" / "baby.png")[:24, :24]
    before = ablation.sr_outputs(net, lr)
    assert np.all(before["mask"] == 1)
    with torch.no_grad():     # the low-frequency branch reaches neither the fused nor the high output
        for module in (net.body_l1, net.body_l2, net.LR_conv_l, net.upsampler_l, net.HR_conv0_l):
            for p in module.parameters():
                p.add_(torch.randn_like(p))
    after = ablation.sr_outputs(net, lr)
    assert np.array_equal(before["fused"], after["fused"]) and np.array_equal(before["high"], after["high"])
    assert not np.array_equal(before["low"], after["low"])
    # fused and high differ only by their last conv: with HR_conv1_m = HR_conv1_h they are the same image
    assert not np.array_equal(after["fused"], after["high"])
    net.HR_conv1_m.load_state_dict(net.HR_conv1_h.state_dict())
    same = ablation.sr_outputs(net, lr)
    assert np.array_equal(same["fused"], same["high"])


def test_no_runs_is_an_error(tmp_path, capsys):
    assert ablation.main(["--dir_experiment", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "no finished runs" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_smoke_script_then_ablation(tmp_path):
    """scripts/gdsr_ablation.sh with SMOKE=1 (all seven runs), a rerun that skips them, then the table on Set5."""
    exp = tmp_path / "exp"
    env = dict(os.environ, SMOKE="1", EXP=str(exp), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    script = os.path.join(REPO, "scripts", "gdsr_ablation.sh")
    r = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    runs = ["pretrain"] + [f"{arm}_s{seed}" for arm in ARM_SWITCHES for seed in (1, 2)]
    for run in runs:
        assert (exp / f"{run}.out").is_file()
    assert (exp / "pretrain" / "models" / "4_G.pth").is_file() and (exp / "hfonly_s2" / "models" / "2_G.pth").is_file()
    opt = json.loads(next((exp / "hfonly_s2" / "log").glob("options_*.json")).read_text())
    assert (opt["network_G"]["guidance"], opt["network_G"]["mask"], opt["train"]["manual_seed"]) == (False, False, 2)
    assert opt["path"]["pretrain_model_G"] == str(exp / "pretrain" / "models" / "4_G.pth")
    r = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.count("done: ") == len(runs), r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "gdsr.ablation", "--dir_experiment", str(exp), "--sets", "Set5",
                        "--data_root", "", "--out_dir", str(tmp_path / "docs")], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = _rows(r.stdout)
    assert len(rows) == 1 + 4 * 3 and rows[("GDSR", "fused")][3] == "1, 2"
    assert (tmp_path / "docs" / "gdsr_ablation_grid.png").is_file()
