"""Slow (~1.5 min): a small DGPNet learns x2 SR on Set5 (fused validation PSNR passes bicubic)."""
import os

import pytest

from common.io import load_checkpoint
from dgpnet.train import cli as train_cli
from tests.dgpnet.conftest import write_json

SET5 = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "data", "Set5", "HR")


@pytest.mark.slow
def test_small_dgpnet_learns_on_set5(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = {"type": "BicubicImageDataset", "dataroot_gt": os.path.abspath(SET5)}
    opt = {
        "name": "learn", "scale": 2, "manual_seed": 0,
        "datasets": {"train": dict(ds, name="set5", gt_size=48, batch_size_per_gpu=8, num_worker_per_gpu=0,
                                   dataset_enlarge_ratio=40, cache=True),
                     "val": dict(ds, name="Set5")},
        "network_g": {"type": "DGPNet", "num_feat": 16, "num_block": 2, "reduction": 4},
        "path": {"experiments_root": str(tmp_path / "exp")},
        "train": {"total_iter": 300, "optim_g": {"type": "Adam", "lr": 1e-3},
                  "scheduler": {"type": "MultiStepLR", "milestones": [200], "gamma": 0.5}},
        "val": {"val_freq": 50, "metrics": {"psnr": {"type": "calculate_psnr"}}},
        "logger": {"print_freq": 50, "save_checkpoint_freq": 300, "use_tqdm": False},
    }
    assert train_cli(["-opt", write_json(tmp_path / "o.json", opt)]) == 0
    state = load_checkpoint(str(tmp_path / "exp" / "training_states" / "300.state"), key=None)
    psnr = state["history"]["val"]["Set5"]["psnr"]
    assert psnr[-1][0] == 300 and psnr[-1][1] > psnr[0][1] + 1.0, psnr
    assert psnr[-1][1] > 33.66, psnr   # above the published Set5 x2 bicubic baseline
