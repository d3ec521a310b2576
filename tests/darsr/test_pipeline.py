"""The whole per-image pipeline through the command line, on tiny synthetic images."""
import csv
import os
import subprocess
import sys

import numpy as np

from common.io import imread, imwrite
from tests.darsr.conftest import synthetic_hr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(REPO, "darsr", "main.py")
TINY = ["--preset", "tiny", "--threads", "1", "--device", "cpu"]


def snapshot(*folders):
    out = set()
    for folder in folders:
        for root, _, files in os.walk(folder):
            out |= {os.path.join(root, f) for f in files}
    return out


def run(args, cwd):
    return subprocess.run([sys.executable, MAIN, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_pipeline_outputs_csv_and_isolation(tmp_path, lr_gt_dirs):
    lr_dir, gt_dir = lr_gt_dirs
    (lr_dir / "bad.png").write_bytes(b"not an image")                  # corrupt
    imwrite(lr_dir / "small.png", synthetic_hr(30, 30))                 # smaller than the crop
    imwrite(gt_dir / "small.png", synthetic_hr(60, 60))
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    before = snapshot(tmp_path, os.path.join(REPO, "darsr"))
    r = run(["--input_dir", str(lr_dir), "--gt_dir", str(gt_dir), "--output_dir", str(out),
             "--scalr_factor", "2", "--scale_factor_downsampler", "0.5", *TINY], cwd)
    assert r.returncode == 1, r.stderr                               # two of the three images failed
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("bad.png" in e for e in errors) and any("small.png" in e and "crop size" in e for e in errors)

    names = {"imgx2_corrected.png", "imgx2_SRFBNs.png", "imgx2_ours.png", "imgx2_kernel.npy", "imgx2_kernel.png",
             "log.txt", "metrics_x2_honest.csv"}
    assert set(os.listdir(out)) == names
    lr = imread(lr_dir / "img.png")
    assert imread(out / "imgx2_corrected.png").shape == lr.shape
    for name in ("imgx2_SRFBNs.png", "imgx2_ours.png"):
        assert imread(out / name).shape == (lr.shape[0] * 2, lr.shape[1] * 2, 3)
    k = np.load(out / "imgx2_kernel.npy")
    assert k.shape == (13, 13) and np.isfinite(k).all()

    rows = list(csv.DictReader(open(out / "metrics_x2_honest.csv")))
    assert [r["image"] for r in rows] == ["bad.png", "img.png", "small.png", "MEAN"]
    ok = rows[1]
    assert ok["status"] == "ok" and ok["protocol"] == "honest" and ok["preset"] == "tiny"
    assert float(ok["psnr_srfbns"]) > 30 and 0 < float(ok["ssim_ours"]) <= 1 and float(ok["seconds"]) > 0
    assert rows[0]["status"] == "error" and "bad.png" in rows[0]["error"]
    assert float(rows[3]["psnr_ours"]) == float(ok["psnr_ours"])
    log = (out / "log.txt").read_text()
    assert "honest" in log and "mean over 1 images" in log

    created = snapshot(tmp_path, os.path.join(REPO, "darsr")) - before
    assert created == {str(out / n) for n in names}


def test_oracle_is_labelled(tmp_path, lr_gt_dirs, monkeypatch):
    from darsr.main import main

    lr_dir, gt_dir = lr_gt_dirs
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert main(["-i", str(lr_dir), "-g", str(gt_dir), "-o", str(out), "--oracle", "--eval_iters", "2",
                 "--num_iters", "2", *TINY]) == 0
    files = set(os.listdir(out))
    assert {"imgx2_ours_oracle.png", "imgx2_corrected_oracle.png", "imgx2_kernel_oracle.npy",
            "metrics_x2_oracle.csv"} <= files and "imgx2_ours.png" not in files
    assert "ORACLE" in (out / "log.txt").read_text()
    rows = list(csv.DictReader(open(out / "metrics_x2_oracle.csv")))
    assert rows[0]["protocol"] == "oracle" and rows[0]["sr_iters"] == "4"        # 2 restarts x 2
