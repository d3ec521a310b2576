"""Tiny synthetic data, a random-weight VGG19 stand-in and option-file helpers for the gdsr tests."""
import json
import os

import numpy as np
import pytest
import torch

from common.io import imwrite

TINY_G = {"nf": 8, "gc": 4, "nb_e": 1, "nb_l_1": 1, "nb_l_2": 1, "nb_h_1": 1, "nb_h_2": 1, "nb_m": 1}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))



@pytest.fixture(scope="session")
def vgg19_file(tmp_path_factory):
    """A random-weight file with torchvision's vgg19 key names (features.* and classifier.*)."""
    from gdsr.archs.vgg_arch import vgg19_features

    torch.manual_seed(0)
    state = {f"features.{k}": v for k, v in vgg19_features().state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(4, 4)     # ignored, as torchvision's classifier is
    path = tmp_path_factory.mktemp("vgg") / "vgg19-random.pth"
    torch.save(state, path)
    return str(path)


@pytest.fixture
def data(tmp_path):
    return make_data(tmp_path)


def make_data(tmp_path):
    """tmp_path/hr: three 48x56 RGB HR images; tmp_path/val: a 32x40 RGB and a 36x36 gray image."""
    rng = np.random.default_rng(0)
    (tmp_path / "hr").mkdir()
    (tmp_path / "val").mkdir()
    base = rng.integers(0, 256, (12, 14, 3), dtype=np.uint8)
    for i in range(3):
        img = np.kron(np.roll(base, i, axis=1), np.ones((4, 4, 1), dtype=np.uint8))      # 48x56
        imwrite(tmp_path / "hr" / f"im{i}.png", img)
    imwrite(tmp_path / "val" / "rgb.png", rng.integers(0, 256, (32, 40, 3), dtype=np.uint8))
    imwrite(tmp_path / "val" / "gray.png", rng.integers(0, 256, (36, 36), dtype=np.uint8))
    return tmp_path


def train_opt(root, name, model, niter=4, **over):
    """A tiny option dict for stage 1 ('DualSR_pretrain') or stage 2 ('DualSR')."""
    opt = {
        "name": name, "model": model, "scale": 4,
        "datasets": {"train": {"name": "tiny", "dataroot_HR": "hr", "batch_size": 2, "HR_size": 32,
                               "n_workers": 0},
                     "val": {"name": "tinyval", "dataroot_HR": "val"}},
        "path": {"root": str(root)},
        "network_G": dict(TINY_G),
        "train": {"niter": niter, "val_freq": 2, "lr_G": 1e-3, "lr_D": 1e-3},
        "logger": {"print_freq": 1, "save_checkpoint_freq": 2},
    }
    if model == "DualSR":
        opt["network_D"] = {"nf": 8}
    for key, value in over.items():
        opt[key].update(value) if isinstance(value, dict) else opt.__setitem__(key, value)
    return opt


def write_opt(path, opt, comment=True):
    """Write ``opt`` as JSON with a // comment line, as the shipped files have."""
    text = json.dumps(opt, indent=2)
    if comment:
        text = "// written by the gdsr tests\n" + text
    path = str(path)
    with open(path, "w") as f:
        f.write(text)
    return path
