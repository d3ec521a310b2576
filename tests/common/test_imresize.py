import os

import numpy as np
import pytest
import torch

from common.degradations import modcrop
from common.imresize import imresize, imresize_torch, resize_weights
from common.io import imread
from tests.conftest import BUNDLED, SET5


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_uint8_matches_matlab_set5_bit_for_bit(scale):
    for name in SET5:
        hr = modcrop(imread(os.path.join(BUNDLED, "Set5", "HR", f"{name}.png")), scale)
        matlab = imread(os.path.join(BUNDLED, "Set5", "LR_bicubic", f"X{scale}", f"{name}x{scale}.png"))
        ours = imresize(hr, 1 / scale)
        assert ours.dtype == np.uint8 and ours.shape == matlab.shape
        assert np.count_nonzero(ours != matlab) == 0, name


def test_torch_uint8_path_equals_numpy_on_a_batch():
    hr = modcrop(imread(os.path.join(BUNDLED, "Set5", "HR", "bird.png")), 4)
    batch = torch.from_numpy(np.stack([hr, hr[::-1].copy()])).permute(0, 3, 1, 2)
    out = imresize_torch(batch, 0.25)
    assert out.dtype == torch.uint8
    for i, img in enumerate([hr, hr[::-1].copy()]):
        assert np.array_equal(out[i].permute(1, 2, 0).numpy(), imresize(img, 0.25))


def test_float_mode_keeps_dtype_and_does_not_round():
    hr = imread(os.path.join(BUNDLED, "Set5", "HR", "head.png"))
    f = imresize(hr.astype(np.float32) / 255, 0.5)
    assert f.dtype == np.float32
    assert not np.allclose(f * 255, np.round(f * 255))
    # no intermediate rounding: within one grey level of the uint8 mode
    assert np.abs(f * 255 - imresize(hr, 0.5).astype(np.float64)).max() <= 1.0


def test_torch_float_path_matches_numpy_and_is_differentiable():
    rng = np.random.default_rng(0)
    x = rng.random((2, 3, 17, 23))
    t = torch.tensor(x, requires_grad=True)
    out = imresize_torch(t, output_shape=(9, 40))
    ref = np.stack([np.stack([imresize(x[n, c], output_shape=(9, 40)) for c in range(3)]) for n in range(2)])
    assert out.shape == (2, 3, 9, 40)
    np.testing.assert_allclose(out.detach().numpy(), ref, atol=1e-12)
    out.sum().backward()
    assert t.grad is not None and torch.isfinite(t.grad).all()


def test_sizes_follow_matlab():
    img = np.zeros((25, 31, 3), np.uint8)
    assert imresize(img, 0.5).shape == (13, 16, 3)            # ceil(in * scale)
    assert imresize(img, 3).shape == (75, 93, 3)
    assert imresize(img[:, :, 0], output_shape=(10, 7)).shape == (10, 7)


def test_constant_image_is_preserved_and_weights_sum_to_one():
    img = np.full((20, 30), 117, np.uint8)
    assert (imresize(img, 1 / 3) == 117).all() and (imresize(img, 2) == 117).all()
    w, idx = resize_weights(10, 40, 4.0)
    np.testing.assert_allclose(w.sum(1), 1.0)
    assert idx.min() >= 0 and idx.max() <= 9


def test_rounding_is_half_up_and_saturating():
    # MATLAB's uint8 cast: half away from zero (not numpy's half to even), clipped to 0..255
    from common.imresize import _round_uint8

    x = np.array([0.5, 1.5, 2.5, 2.4999, -0.5, -3.0, 254.5, 300.0])
    assert _round_uint8(x).tolist() == [1, 2, 3, 2, 0, 0, 255, 255]


def test_bad_input_is_rejected():
    with pytest.raises(TypeError):
        imresize(np.zeros((4, 4), np.int32), 2)
    with pytest.raises(ValueError):
        imresize(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        imresize(np.zeros(4, np.uint8), 2)
