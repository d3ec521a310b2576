"""fasrgan.ablation (table, cache, plot, grid) on run folders in the package's checkpoint format, and
scripts/fasrgan_ablation.sh in smoke mode (slow)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from benchmarks.bicubic import score_set as bicubic_reference
from common.degradations import bi, modcrop
from common.imresize import imresize
from common.io import imread, save_checkpoint, scan_images
from common.metrics import calculate_psnr
from common.niqe import calculate_niqe
from fasrgan import ablation, api
from fasrgan.archs.vgg_discriminator_arch import VGGDiscriminator
from tests.fasrgan.helpers import REPO, make_images

TINY = {"nf": 8, "nb": 1, "gc": 4}


def make_run(folder, model, it, seed=0, with_d=False):
    """A run folder as fasrgan/train.py leaves it: models/net_*_<it>.pth ({'params': ...}) and the training state
    naming them. Returns the generator and discriminator (None without) it saved."""
    torch.manual_seed(seed)
    net = api.build(model, 4, **TINY)
    nets = {"E": net.E, "G": net.G} if model == "fs_srgan" else {"G": net}
    d = VGGDiscriminator(in_nc=8 if model == "fs_srgan" else 3, nf=4, in_size=32, n_down=5) if with_d else None
    if d is not None:
        nets["D"] = d
    names = {k: f"net_{k}_{it}.pth" for k in nets}
    for k, n in nets.items():
        save_checkpoint({"params": n.state_dict()}, os.path.join(folder, "models", names[k]))
    save_checkpoint({"iter": it, "epoch": 0, "networks": names}, os.path.join(folder, "training_states", f"{it}.state"))
    return net, d


def planted(psnr, ssim, niqe):
    return {"psnr": psnr, "ssim": ssim, "niqe": niqe, "rmse": 255 * 10 ** (-psnr / 20), "images": 2}


def row_of(text, label):
    line = next(line for line in text.splitlines() if line.startswith(f"| {label}"))
    return [c.strip() for c in line.strip("|").split("|")]


@pytest.fixture
def experiment(tmp_path):
    """Two ESRGAN seeds with planted scores, one Fs-SRGAN seed with a stale cache, the two PSNR stages; a
    data root with a two-image Set5."""
    exp = tmp_path / "exp"
    make_images(str(tmp_path / "data" / "Set5"), n=2, size=200)
    nets = {"esrgan": make_run(str(exp / "esrgan_s1"), "fasrgan", 7, seed=1, with_d=True),
            "fssrgan": make_run(str(exp / "fssrgan_s1"), "fs_srgan", 7, seed=3, with_d=True),
            "rrdb_psnr": make_run(str(exp / "rrdb_psnr"), "fasrgan", 5, seed=4),
            "fs_rrdb_psnr": make_run(str(exp / "fs_rrdb_psnr"), "fs_srgan", 5, seed=5)}
    make_run(str(exp / "esrgan_s2"), "fasrgan", 7, seed=2, with_d=True)
    for seed, scores in ((1, planted(20.0, 0.5, 6.0)), (2, planted(21.0, 0.6, 7.0))):
        (exp / f"esrgan_s{seed}" / "eval.json").write_text(json.dumps({"iter": 7, "scores": {"Set5": scores}}))
    (exp / "fssrgan_s1" / "eval.json").write_text(json.dumps({"iter": 3, "scores": {"Set5": planted(99, 1, 1)}}))
    (exp / "esrgan_s1.out").write_text("a log beside the run folders\n")
    return exp, tmp_path / "data", tmp_path / "out", nets


def run_main(exp, data, out, capsys, sets=("Set5", "Set9")):
    rc = ablation.main(["--dir_experiment", str(exp), "--data_root", str(data), "--out_dir", str(out),
                        "--sets", *sets])
    return rc, capsys.readouterr().out


def test_table_means_spreads_params_and_notes(experiment, capsys):
    exp, data, out, nets = experiment
    rc, text = run_main(exp, data, out, capsys)
    assert rc == 0
    assert "note: Set9 left out" in text and "note: no fasrgan_s<seed> run" in text
    header = next(line for line in text.splitlines() if line.startswith("| arm"))
    assert "perceptual weight 0" in header and "Set5 PSNR / SSIM / NIQE" in header and "Set9" not in header
    g, d = nets["esrgan"]
    # the planted caches: PSNR 20 and 21, SSIM 0.5 and 0.6, NIQE 6 and 7 -> mean ± (max - min) / 2
    assert row_of(text, "ESRGAN") == ["ESRGAN (one-score VGG D)", f"{sum(p.numel() for p in g.parameters()):,}",
                                      f"{sum(p.numel() for p in d.parameters()):,}", "1, 2", "7",
                                      "20.500 ± 0.500 / 0.5500 ± 0.0500 / 6.500 ± 0.500"]
    fs_g, fs_d = nets["fssrgan"]
    fs = row_of(text, "Fs-SRGAN")
    n_g, n_d = (sum(p.numel() for p in net.parameters()) for net in (fs_g, fs_d))
    assert fs[1:5] == [f"{n_g:,}", f"{n_d:,}", "1", "7"]
    stage = row_of(text, "PSNR stage, RRDBNet")
    assert stage[1:5] == [f"{sum(p.numel() for p in nets['rrdb_psnr'][0].parameters()):,}", "–", "–", "5"]
    assert " ± " not in stage[5] and len(row_of(text, "PSNR stage, E + G")) == 6
    # the stale cache (another iteration) was replaced by this iteration's scores
    cache = json.loads((exp / "fssrgan_s1" / "eval.json").read_text())
    s = cache["scores"]["Set5"]
    assert cache["iter"] == 7 and s["psnr"] != 99 and s["images"] == 2
    assert fs[5].startswith(f"{s['psnr']:.3f} ± 0.000 / {s['ssim']:.4f} ± 0.0000 / ")
    for name in ("fasrgan_ablation_rmse_niqe.png", "fasrgan_ablation_grid.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scores_match_an_independent_computation(experiment, capsys):
    exp, data, out, nets = experiment
    rc, text = run_main(exp, data, out, capsys, sets=("Set5",))
    assert rc == 0
    folder = str(data / "Set5" / "HR")
    ref = bicubic_reference(folder, 4)
    niqe = np.mean([calculate_niqe(imresize(bi(hr, 4), 4.0), 0) for hr in (imread(p) for p in scan_images(folder))])
    assert row_of(text, "Bicubic")[5] == f"{ref['psnr']:.3f} / {ref['ssim']:.4f} / {niqe:.3f}"
    # the PSNR stage's PSNR, from its generator run here directly (float rounding may move a pixel by 1)
    g = nets["rrdb_psnr"][0].eval()
    psnrs = []
    for p in scan_images(folder):
        hr = modcrop(imread(p), 4)
        with torch.no_grad():
            x = torch.from_numpy(bi(hr, 4)).permute(2, 0, 1)[None].float() / 255
            sr = (g(x).clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
        psnrs.append(calculate_psnr(sr, hr, 4))
    assert abs(float(row_of(text, "PSNR stage, RRDBNet")[5].split(" / ")[0]) - np.mean(psnrs)) < 2e-3


def test_second_call_reuses_every_cache(experiment, capsys, monkeypatch):
    exp, data, out, _ = experiment
    rc, first = run_main(exp, data, out, capsys)
    assert rc == 0 and (exp / "eval_bicubic.json").is_file() and (exp / "rrdb_psnr" / "eval.json").is_file()

    def no_scoring(*args):
        raise AssertionError("a set was scored again")

    monkeypatch.setattr(ablation, "score_set", no_scoring)
    rc, second = run_main(exp, data, out, capsys)
    table = [line for line in first.splitlines() if line.startswith("|")]
    assert rc == 0 and table == [line for line in second.splitlines() if line.startswith("|")]


def test_mean_spread():
    assert ablation.mean_spread([1.0, 2.0, 4.0], 2) == "2.33 ± 1.50"
    assert ablation.mean_spread([3.0, None], 1) == "3.0 ± 0.0"
    assert ablation.mean_spread([2.0], 3, spread=False) == "2.000"
    assert ablation.mean_spread([None], 3) == "n/a"


def test_no_runs_is_an_error(tmp_path, capsys):
    (tmp_path / "esrgan_s1").mkdir()          # a folder without a training state is no run
    assert ablation.main(["--dir_experiment", str(tmp_path), "--out_dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "no ablation runs" in err and err.count("\n") == 1


@pytest.mark.slow
def test_smoke_script_then_table(tmp_path, capsys):
    """SMOKE=1 bash scripts/fasrgan_ablation.sh: both PSNR stages and 3 arms x 2 seeds; a second call skips
    all; the table has every row."""
    exp = tmp_path / "exp"
    env = dict(os.environ, SMOKE="1", EXP=str(exp), OMP_NUM_THREADS="1",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    script = os.path.join(REPO, "scripts", "fasrgan_ablation.sh")
    r = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    runs = ["rrdb_psnr", "fs_rrdb_psnr"] + [f"{a}_s{s}" for a in ("esrgan", "fasrgan", "fssrgan") for s in (1, 2)]
    for run in runs:
        assert (exp / run / "models" / "net_G_2.pth").is_file() and (exp / f"{run}.out").is_file()
    assert (exp / "fssrgan_s1" / "models" / "net_E_2.pth").is_file()
    # the seeds differ, so do the weights
    w1, w2 = (torch.load(exp / f"esrgan_s{s}" / "models" / "net_G_2.pth")["params"] for s in (1, 2))
    assert any(not torch.equal(w1[k], w2[k]) for k in w1)
    again = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.count("done: ") == len(runs) and "start:" not in again.stdout

    assert ablation.main(["--dir_experiment", str(exp), "--data_root", "", "--sets", "Set5",
                          "--out_dir", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| arm")]
    assert len(rows) == 6
    for label in ("ESRGAN", "FASRGAN", "Fs-SRGAN"):
        assert row_of(text, label)[3:5] == ["1, 2", "2"]
    assert (tmp_path / "out" / "fasrgan_ablation_grid.png").is_file()
