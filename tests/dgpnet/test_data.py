"""Datasets: RealSR / DRealSR / folder layouts, LR stored at HR size, HR-only bicubic, aligned crops."""
import os

import numpy as np
import pytest
import torch

from common.degradations import bi, modcrop
from common.imresize import imresize
from common.io import imwrite
from dgpnet.data import build_dataloader, build_dataset
from dgpnet.utils.options import dataset_schema


def _opt(**kw):
    o = dataset_schema()
    o.update(scale=4, phase="val", name="d")
    o.update(kw)
    return o


def _img(h, w, seed):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def test_realsr_layout_lr_at_hr_size_is_bicubic_downscaled(tmp_path):
    hr, lr = _img(34, 41, 0), _img(34, 41, 1)
    imwrite(tmp_path / "Canon_001_HR.png", hr)
    imwrite(tmp_path / "Canon_001_LR4.png", lr)
    ds = build_dataset(_opt(layout="realsr", dataroot=str(tmp_path)))
    item = ds[0]
    assert item["gt"].shape == (3, 32, 40) and item["lq"].shape == (3, 8, 10)
    want = imresize(modcrop(lr, 4), 0.25)
    assert np.array_equal((item["lq"].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), want)
    with pytest.raises(ValueError, match="HR size"):
        build_dataset(_opt(layout="realsr", dataroot=str(tmp_path), lq_at_hr_size="error"))[0]


def test_drealsr_layout_and_unpaired_error(tmp_path):
    gt, lq = tmp_path / "test_HR", tmp_path / "test_LR"
    for i in range(2):
        h = _img(32, 32, i)
        imwrite(gt / f"DSC_{i}_x1.png", h)
        imwrite(lq / f"DSC_{i}_x4.png", bi(h, 4))
    ds = build_dataset(_opt(layout="drealsr", dataroot_gt=str(gt), dataroot_lq=str(lq)))
    assert len(ds) == 2 and ds[1]["lq"].shape == (3, 8, 8) and ds[1]["name"] == "DSC_1_x1"
    imwrite(lq / "DSC_9_x4.png", _img(8, 8, 9))
    with pytest.raises(ValueError, match="DSC_9_x4.png"):
        build_dataset(_opt(layout="drealsr", dataroot_gt=str(gt), dataroot_lq=str(lq)))


def test_hr_only_folder_uses_common_bicubic(tmp_path):
    h = _img(35, 30, 3)
    imwrite(tmp_path / "a.png", h)
    ds = build_dataset(_opt(type="BicubicImageDataset", dataroot_gt=str(tmp_path)))
    item = ds[0]
    lq = (item["lq"].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    assert np.array_equal(lq, bi(h, 4)) and item["gt"].shape == (3, 32, 28)


def test_training_crops_are_aligned_and_augmented(tmp_path):
    h = _img(64, 64, 4)
    imwrite(tmp_path / "hr" / "a.png", h)
    imwrite(tmp_path / "lr" / "a.png", bi(h, 4))
    o = _opt(phase="train", dataroot_gt=str(tmp_path / "hr"), dataroot_lq=str(tmp_path / "lr"), gt_size=32,
             batch_size_per_gpu=2, num_worker_per_gpu=0, dataset_enlarge_ratio=4)
    ds = build_dataset(o)
    assert len(ds) == 4
    torch.manual_seed(0)
    batch = next(iter(build_dataloader(ds, o)))
    assert batch["gt"].shape == (2, 3, 32, 32) and batch["lq"].shape == (2, 3, 8, 8)
    for k in range(2):   # each LR patch is the bicubic of its HR patch, up to border effects
        gt = (batch["gt"][k].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        lq = (batch["lq"][k].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        diff = np.abs(bi(gt, 4).astype(int) - lq.astype(int))[2:-2, 2:-2]
        assert diff.max() <= 2


def test_patch_larger_than_image_is_an_error_naming_the_file(tmp_path):
    h = _img(16, 16, 5)
    imwrite(tmp_path / "hr" / "small.png", h)
    imwrite(tmp_path / "lr" / "small.png", bi(h, 4))
    o = _opt(phase="train", dataroot_gt=str(tmp_path / "hr"), dataroot_lq=str(tmp_path / "lr"), gt_size=32)
    with pytest.raises(ValueError, match="small.png"):
        build_dataset(o)


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        build_dataset(_opt(dataroot_gt=str(tmp_path / "nowhere"), dataroot_lq=str(tmp_path)))


def test_mismatched_lr_hr_sizes_are_named(tmp_path):
    imwrite(tmp_path / "hr" / "a.png", _img(32, 32, 6))
    imwrite(tmp_path / "lr" / "a.png", _img(7, 8, 7))
    with pytest.raises(ValueError, match="a.png.*does not match"):
        build_dataset(_opt(dataroot_gt=str(tmp_path / "hr"), dataroot_lq=str(tmp_path / "lr")))


def test_rgba_and_16bit_inputs_are_read_as_rgb(tmp_path):
    import cv2

    h = _img(32, 32, 8)
    rgba = np.concatenate([h, np.full((32, 32, 1), 255, np.uint8)], axis=2)
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    cv2.imwrite(str(tmp_path / "b.png"), (h[:, :, ::-1].astype(np.uint16) * 257))
    ds = build_dataset(_opt(type="BicubicImageDataset", dataroot_gt=str(tmp_path)))
    for i in range(2):
        gt = (ds[i]["gt"].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        assert np.array_equal(gt, h)


def test_set5_pairs_and_bicubic_lr_match_the_shipped_lr(shared_dir):
    set5 = os.path.join(shared_dir, "datasets", "Set5")
    paired = build_dataset(_opt(dataroot_gt=os.path.join(set5, "HR"), dataroot_lq=os.path.join(set5, "LR_bicubic", "X4")))
    made = build_dataset(_opt(type="BicubicImageDataset", dataroot_gt=os.path.join(set5, "HR")))
    assert len(paired) == len(made) == 5
    for i in range(5):
        a, b = paired[i], made[i]
        assert a["name"] == b["name"]
        assert torch.equal(a["lq"], b["lq"]) and torch.equal(a["gt"], b["gt"])


def test_hr_only_folders_combine_and_too_small_training_images_are_left_out(tmp_path, capsys):
    imwrite(tmp_path / "t91" / "big.png", _img(64, 64, 1))
    imwrite(tmp_path / "t91" / "tiny.png", _img(20, 20, 2))          # LR 5x5 < the 8x8 patch
    imwrite(tmp_path / "bsd" / "other.png", _img(48, 40, 3))
    roots = [str(tmp_path / "t91"), str(tmp_path / "bsd")]
    ds = build_dataset(_opt(type="BicubicImageDataset", dataroot_gt=roots, phase="train", gt_size=32))
    assert [os.path.basename(n) for n in ds.names] == ["big.png", "other.png"] and ds.n == 2
    assert "tiny.png (LR 5x5 is smaller than the 8x8 patch)" in capsys.readouterr().out
    with pytest.raises(ValueError, match="smaller than the 32x32 training patch"):  # nothing left: an error, not an empty set
        build_dataset(_opt(type="BicubicImageDataset", dataroot_gt=[str(tmp_path / "t91")], phase="train", gt_size=128))
    with pytest.raises(ValueError, match="one folder for this layout"):
        build_dataset(_opt(dataroot_gt=roots, dataroot_lq=str(tmp_path / "bsd")))
