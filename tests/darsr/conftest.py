import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from common.imresize import imresize
from common.io import imwrite



def synthetic_hr(h, w, seed=0):
    """A smooth random colour image with some edges (uint8 HxWx3)."""
    rng = np.random.default_rng(seed)
    img = gaussian_filter(rng.random((h, w, 3)) * 255, (2, 2, 0))
    img[h // 3:h // 2, :] += 40
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def lr_gt_dirs(tmp_path):
    """A folder of one good 68x72 LR image and its x2 GT."""
    lr_dir, gt_dir = tmp_path / "lr", tmp_path / "gt"
    hr = synthetic_hr(136, 144)
    imwrite(gt_dir / "img.png", hr)
    imwrite(lr_dir / "img.png", imresize(hr, 0.5))
    return lr_dir, gt_dir
