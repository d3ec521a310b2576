"""dgpnet.realsrset: NIQE of bicubic and of each weights file on LR-only photographs, and the crop grid."""
import os

import numpy as np

from common.io import imread, imwrite
from dgpnet import realsrset
from dgpnet.train import cli as train_cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPT = os.path.join(REPO, "dgpnet", "options", "train", "train_DGPNet_T91BSD200_bicubic_x4.json")


def test_niqe_table_and_grid(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    hr = os.path.join(REPO, "benchmarks", "data", "Set5", "HR")
    assert train_cli(["-opt", OPT, "--force_opt", f"path:experiments_root={tmp_path / 'run'}",
                      f'datasets:train:dataroot_gt="{hr}"', "network_g:num_feat=8", "network_g:num_block=1",
                      "train:total_iter=1", "logger:use_tqdm=false", "precision=fp32"]) == 0
    weights = str(tmp_path / "run" / "models" / "net_g_latest.pth")
    lr_dir = tmp_path / "LR"
    butterfly = imread(os.path.join(hr, "butterfly.png"))
    imwrite(lr_dir / "a.png", butterfly[:64, :64])
    imwrite(lr_dir / "b.png", butterfly[100:164, 90:154, 0])          # gray is replicated
    capsys.readouterr()
    out = tmp_path / "out"
    assert realsrset.main(["--weights", f"tiny={weights}", "--lr_dir", str(lr_dir), "--picks", "a.png",
                           "--out", str(out)]) == 0
    text = (out / "realsrset_niqe.md").read_text()
    mean = next(line for line in text.splitlines() if line.startswith("| **mean**"))
    vals = [float(v.strip(" *")) for v in mean.split("|")[2:4]]
    assert len(vals) == 2 and all(np.isfinite(vals)) and "| a.png |" in text and "| b.png |" in text
    assert (out / "realsrset_grid.png").is_file()


def test_missing_folder_is_one_line(tmp_path, capsys):
    assert realsrset.main(["--weights", "x=y.pth", "--lr_dir", str(tmp_path / "none")]) == 1
    assert "no such folder" in capsys.readouterr().err
