import os

import numpy as np
import pytest

from common.io import imwrite
from fasrgan.data import PairedDataset

from .helpers import make_images


def _opt(hr, lr=None, size=16):
    return {"dataroot_HR": hr, "dataroot_LR": lr, "HR_size": size, "use_flip": True, "use_rot": True}


def test_patches_are_aligned(tmp_path):
    hr, lr = make_images(str(tmp_path), n=2, size=40, lr_scale=4)
    ds = PairedDataset(_opt(hr, lr), 4, "train")
    item = ds[0]
    assert item["LR"].shape == (3, 4, 4) and item["HR"].shape == (3, 16, 16)
    gen = PairedDataset(_opt(hr), 4, "train")       # LR made by MATLAB bicubic
    assert np.array_equal(gen.images[0][0], ds.images[0][0])


def test_gray_rgba_and_odd_sizes(tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "HR"
    imwrite(str(d / "gray.png"), rng.integers(0, 256, (37, 41), dtype=np.uint8))
    rgba = rng.integers(0, 256, (35, 34, 4), dtype=np.uint8)
    import cv2
    cv2.imwrite(str(d / "rgba.png"), rgba)
    ds = PairedDataset(_opt(str(d)), 4, "val")
    shapes = sorted(x[1].shape for x in ds.images)
    assert shapes == [(32, 32, 3), (36, 40, 3)]


def test_too_small_and_missing_and_mismatched(tmp_path):
    hr, lr = make_images(str(tmp_path), n=2, size=24, lr_scale=4)
    with pytest.raises(ValueError, match="img0.png.*smaller than HR_size"):
        PairedDataset(_opt(hr, size=32), 4, "train")
    with pytest.raises(FileNotFoundError, match="nowhere"):
        PairedDataset(_opt(os.path.join(str(tmp_path), "nowhere")), 4, "train")
    os.remove(os.path.join(lr, "img1x4.png"))
    with pytest.raises(ValueError, match="img1"):
        PairedDataset(_opt(hr, lr), 4, "train")


def test_hr_only_folders_combine_and_too_small_training_images_are_left_out(tmp_path, capsys):
    a, _ = make_images(str(tmp_path / "a"), n=2, size=40)
    b, _ = make_images(str(tmp_path / "b"), n=1, size=24, seed=3)     # smaller than the 32 patch
    ds = PairedDataset(_opt([a, b], size=32), 4, "train")
    assert len(ds) == 2 and all(os.path.dirname(hr) == a for _, hr in ds.pairs)
    assert "left out of training" in capsys.readouterr().out
    with pytest.raises(ValueError, match="list of folders"):
        PairedDataset(_opt([a, b], a), 4, "train")
