"""The synthetic real-world degradation (Real-ESRGAN's second-order recipe) and its training dataset."""
import numpy as np
import pytest
import torch

from common.io import imread, imwrite
from common.metrics import calculate_psnr
from dgpnet.data import build_dataloader, build_dataset
from dgpnet.data.real_degradation import SECOND_ORDER, degrade_real, random_blur_kernel, sinc_kernel, usm_sharpen
from dgpnet.utils.options import dataset_schema

HR = "benchmarks/data/Set5/HR/butterfly.png"


def test_kernels_sum_to_one_and_have_their_shape():
    rng = np.random.default_rng(0)
    for _ in range(50):
        k = random_blur_kernel(rng, 21, (0.2, 3.0))
        assert k.shape == (21, 21) and abs(k.sum() - 1) < 1e-5 and k.min() >= 0
        np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-6)      # centred: point-symmetric
    s = sinc_kernel(21, np.pi / 3)
    assert abs(s.sum() - 1) < 1e-5 and s.min() < 0                    # ringing lobes


def test_degradation_is_seeded_sized_and_worse_than_bicubic():
    hr = imread(HR)
    a = degrade_real(hr, 4, np.random.default_rng(5))
    b = degrade_real(hr, 4, np.random.default_rng(5))
    c = degrade_real(hr, 4, np.random.default_rng(6))
    assert a.shape == (hr.shape[0] // 4, hr.shape[1] // 4, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    from common.degradations import bi
    bic = bi(hr, 4)
    scores = [calculate_psnr(degrade_real(hr, 4, np.random.default_rng(s)), bic, 0) for s in range(20)]
    # the LR still shows the image (tens of dB from the bicubic LR), and differs from it: blur, noise, JPEG
    assert 18 < np.mean(scores) < 35 and max(scores) < 45 and np.std(scores) > 1


def test_training_patches_are_fresh_and_validation_is_fixed(tmp_path):
    imwrite(tmp_path / "a.png", imread(HR))
    opt = dataset_schema()
    opt.update(scale=4, name="d", type="RealDegradationDataset", dataroot_gt=str(tmp_path), gt_size=64,
               phase="train", batch_size_per_gpu=2, num_worker_per_gpu=0, dataset_enlarge_ratio=2)
    ds = build_dataset(opt)
    torch.manual_seed(0)
    x, y = ds[0], ds[0]
    assert x["lq"].shape == (3, 16, 16) and x["gt"].shape == (3, 64, 64)
    assert not torch.equal(x["lq"], y["lq"])
    batch = next(iter(build_dataloader(ds, opt)))
    assert batch["lq"].shape == (2, 3, 16, 16)
    opt.update(phase="val")
    v1, v2 = build_dataset(opt)[0], build_dataset(opt)[0]
    assert torch.equal(v1["lq"], v2["lq"]) and v1["gt"].shape[-1] == 4 * v1["lq"].shape[-1]


def test_recipe_holds_real_esrgan_ranges():
    assert SECOND_ORDER["first"]["noise_range"] == (1, 30) and SECOND_ORDER["second"]["jpeg_range"] == (30, 95)
    assert sum(SECOND_ORDER["kernel_prob"]) == pytest.approx(1)


def test_usm_sharpens_edges_and_leaves_flat_regions():
    img = np.full((64, 64, 3), 100, np.uint8)
    img[:, 32:] = 160                                                  # one vertical edge
    out = usm_sharpen(img)
    assert out[0, 0, 0] == 100 and out[0, 63, 0] == 160               # far from the edge: untouched
    assert out[0, 31, 0] < 100 and out[0, 32, 0] > 160                 # overshoot on both sides of the edge
    assert np.array_equal(usm_sharpen(np.full((32, 32, 3), 7, np.uint8)), np.full((32, 32, 3), 7, np.uint8))


def test_gt_usm_sharpens_the_target_not_the_input(tmp_path):
    imwrite(tmp_path / "a.png", imread(HR))
    opt = dataset_schema()
    opt.update(scale=4, name="d", type="RealDegradationDataset", dataroot_gt=str(tmp_path), gt_size=64,
               phase="train", batch_size_per_gpu=1, num_worker_per_gpu=0, cache=True)
    plain = build_dataset(dict(opt))
    sharp = build_dataset(dict(opt, gt_usm=True))
    torch.manual_seed(3)
    a = plain[0]
    torch.manual_seed(3)
    b = sharp[0]
    assert torch.equal(a["lq"], b["lq"])                               # same patch, same degradation
    assert not torch.equal(a["gt"], b["gt"])
    # the target is the sharpened HR cut at the same place: more high-frequency energy than the plain patch
    lap = lambda t: (t[:, 1:-1, 1:-1] * 4 - t[:, :-2, 1:-1] - t[:, 2:, 1:-1] - t[:, 1:-1, :-2] - t[:, 1:-1, 2:]).abs().mean()
    assert lap(b["gt"]) > 1.1 * lap(a["gt"])
