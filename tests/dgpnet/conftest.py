import json
import os

import numpy as np
import pytest
import torch

from common.degradations import bi
from common.io import imwrite

TINY_NET = {"type": "DGPNet", "num_feat": 8, "num_block": 1, "reduction": 4}


def perturb(model, seed=0, std=0.3):
    """Random, non-default weights everywhere (so that no branch or factor is trivially zero)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * std)
    return model


def make_pairs(root, n=3, size=(32, 40), scale=2, seed=0):
    """n random HR images and their bicubic LR in root/hr and root/lr (<stem>x<scale>.png)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        hr = (rng.random((*size, 3)) * 255).astype(np.uint8)
        imwrite(os.path.join(root, "hr", f"im{i}.png"), hr)
        imwrite(os.path.join(root, "lr", f"im{i}x{scale}.png"), bi(hr, scale))
    return os.path.join(root, "lr"), os.path.join(root, "hr")


def train_options(root, name="tiny", total_iter=4, **over):
    lr, hr = os.path.join(root, "lr"), os.path.join(root, "hr")
    opt = {
        "name": name, "scale": 2, "manual_seed": 1,
        "datasets": {
            "train": {"name": "t", "dataroot_gt": hr, "dataroot_lq": lr, "gt_size": 16, "batch_size_per_gpu": 2,
                      "num_worker_per_gpu": 0},
            "val": {"name": "v", "dataroot_gt": hr, "dataroot_lq": lr},
        },
        "network_g": dict(TINY_NET),
        "path": {"experiments_root": os.path.join(root, "experiments", name)},
        "train": {"total_iter": total_iter, "scheduler": {"type": "MultiStepLR", "milestones": [3], "gamma": 0.5}},
        "val": {"val_freq": 2, "save_img": True,
                "metrics": {"psnr": {"type": "calculate_psnr"}, "ssim": {"type": "calculate_ssim"}}},
        "logger": {"print_freq": 1, "save_checkpoint_freq": 2, "use_tqdm": False},
    }
    opt.update(over)
    return opt


def write_json(path, obj, comment=True):
    text = json.dumps(obj, indent=1)
    if comment:
        text = "// written by the tests\n" + text
    with open(path, "w") as f:
        f.write(text)
    return str(path)


@pytest.fixture
def pairs(tmp_path):
    make_pairs(str(tmp_path))
    return tmp_path

