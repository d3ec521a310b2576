"""Datasets (LR cache, crop/augment alignment), the resumable sampler, and the loss terms."""
import itertools
import os

import numpy as np
import pytest
import torch

from common.degradations import bi
from common.io import imread, imwrite
from gdsr.data import EvalDataset, IterationSampler, TrainDataset
from gdsr.losses import GANLoss, build_criterion, ragan_g_loss


def _ds_opt(root, **over):
    opt = {"name": "t", "mode": "LRHR", "dataroot_HR": str(root / "hr"), "dataroot_LR": None, "filename_tmpl": "{}",
           "cache_LR": str(root / "cache"), "use_shuffle": True, "n_workers": 0, "batch_size": 2, "HR_size": 32,
           "use_flip": True, "use_rot": True}
    opt.update(over)
    return opt


def test_lr_cache_is_matlab_bicubic_and_reused(data):
    ds = TrainDataset(_ds_opt(data), 4)
    lr, hr = ds.load(0)
    assert lr.shape == (12, 14, 3) and np.array_equal(lr, bi(hr, 4))
    cached = [os.path.join(r, f) for r, _, fs in os.walk(data / "cache") for f in fs]
    assert len(cached) == 1 and np.array_equal(imread(cached[0]), lr)
    imwrite(cached[0], np.zeros_like(lr))           # a cached file is used as it is
    assert not TrainDataset(_ds_opt(data), 4).load(0)[0].any()


def test_crop_and_augment_keep_lr_and_hr_aligned(tmp_path):
    rng = np.random.default_rng(5)
    (tmp_path / "hr").mkdir()
    (tmp_path / "lr").mkdir()
    lr = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    imwrite(tmp_path / "lr" / "a.png", lr)
    imwrite(tmp_path / "hr" / "a.png", np.kron(lr, np.ones((4, 4, 1), np.uint8)))
    ds = TrainDataset(_ds_opt(tmp_path, dataroot_LR=str(tmp_path / "lr")), 4)
    seen = set()
    for seed in range(12):
        item = ds[(0, seed)]
        lq, gt = item["LR"], item["HR"]
        assert lq.shape == (3, 8, 8) and gt.shape == (3, 32, 32)
        assert torch.equal(gt[:, ::4, ::4], lq)
        seen.add(lq.numpy().tobytes())
        assert torch.equal(ds[(0, seed)]["LR"], lq)    # the item depends only on (index, seed)
    assert len(seen) > 6


def test_eval_dataset_gray_and_memory_cache(data):
    opt = {"name": "v", "mode": "LRHR", "dataroot_HR": str(data / "val"), "dataroot_LR": None, "filename_tmpl": "{}",
           "cache_LR": None}
    ds = EvalDataset(opt, 4)
    items = {ds[i]["name"]: ds[i] for i in range(len(ds))}
    assert items["gray"]["HR_img"].shape == (36, 36) and items["gray"]["LR"].shape == (1, 3, 9, 9)
    assert len(ds.memory) == 2 and not (data / "val" / "cache").exists()


def test_sampler_resumes_and_shards():
    full = IterationSampler(5, 2, seed=3)
    stream = list(itertools.islice(iter(full), 20))
    resumed = list(itertools.islice(iter(IterationSampler(5, 2, seed=3, start_iter=4)), 12))
    assert resumed == stream[8:20]
    assert sorted(i for i, _ in stream[:5]) == list(range(5))          # each pass is a permutation
    r0 = list(itertools.islice(iter(IterationSampler(6, 3, 1, rank=0, world_size=2)), 3))
    r1 = list(itertools.islice(iter(IterationSampler(6, 3, 1, rank=1, world_size=2)), 3))
    assert sorted(i for i, _ in r0 + r1) == list(range(6))
    assert full.epoch_of(1) == 1 and full.epoch_of(3) == 1 and full.epoch_of(4) == 2   # by first position


def test_losses():
    real, fake = torch.tensor([[2.0], [0.5]]), torch.tensor([[-1.0], [0.0]])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    manual = (bce(real - fake.mean(), torch.zeros(2, 1)) + bce(fake - real.mean(), torch.ones(2, 1))) / 2
    assert torch.allclose(ragan_g_loss(GANLoss("vanilla"), real, fake), manual)
    assert GANLoss("lsgan")(torch.ones(3), True).item() == 0
    with pytest.raises(ValueError):
        GANLoss("wgan-gp")
    assert build_criterion("l1")(torch.zeros(2), torch.ones(2)).item() == 1
    assert build_criterion("l2")(torch.zeros(2), 2 * torch.ones(2)).item() == 4


def test_extract_subimages(tmp_path):
    from gdsr.scripts.extract_subimages import main, starts

    assert starts(1000, 480, 240, 48) == [0, 240, 480]             # remainder 40 <= 48: dropped
    assert starts(800, 480, 240, 48) == [0, 240, 320]              # remainder 80: one crop flush right
    assert starts(300, 480, 240, 48) == [0]
    (tmp_path / "in").mkdir()
    img = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    imwrite(tmp_path / "in" / "a.png", img)
    assert main(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--crop_size", "32",
                 "--step", "16", "--thresh_size", "4"]) == 0
    subs = sorted(os.listdir(tmp_path / "out"))
    assert len(subs) == 2 * 4 and subs[0] == "a_s001.png"          # rows [0, 16], cols [0, 16, 32, 38]
    assert np.array_equal(imread(tmp_path / "out" / "a_s002.png"), img[0:32, 16:48])
    assert main(["--input", str(tmp_path / "none"), "--output", str(tmp_path / "o2")]) == 1


def test_rgba_16bit_gray_and_odd_sized_hr(tmp_path):
    import cv2

    rng = np.random.default_rng(2)
    (tmp_path / "hr").mkdir()
    rgba = rng.integers(0, 256, (41, 45, 4), dtype=np.uint8)            # odd size: mod-cropped to 40x44
    cv2.imwrite(str(tmp_path / "hr" / "rgba.png"), rgba)
    cv2.imwrite(str(tmp_path / "hr" / "deep.png"), rng.integers(0, 65536, (36, 37, 3), dtype=np.uint16))
    imwrite(tmp_path / "hr" / "gray.png", rng.integers(0, 256, (33, 34), dtype=np.uint8))
    ds = TrainDataset(_ds_opt(tmp_path, HR_size=16), 4)
    for i, (_, path) in enumerate(ds.pairs):
        lr, hr = ds.load(i)
        assert hr.shape[0] % 4 == 0 and hr.shape[1] % 4 == 0 and lr.shape[:2] == (hr.shape[0] // 4, hr.shape[1] // 4)
        item = ds[(i, 7)]
        assert item["LR"].shape == (3, 4, 4) and item["HR"].shape == (3, 16, 16)
    lr, hr = ds.load([os.path.basename(p) for _, p in ds.pairs].index("rgba.png"))
    assert hr.shape == (40, 44, 3) and np.array_equal(hr, rgba[:40, :44, 2::-1])
