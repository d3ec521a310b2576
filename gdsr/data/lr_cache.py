"""LR images made from HR by MATLAB bicubic (``common.degradations.bi``), cached as PNG files.

The cache key is the HR file's absolute path, size and modification time, so an edited HR image
gets a fresh LR. Writes are atomic, so concurrent DDP ranks or loader workers are safe.
"""
import hashlib
import os

from common.degradations import bi
from common.io import ImageError, imread, imwrite


def _key(hr_path, scale):
    st = os.stat(hr_path)
    raw = f"{os.path.abspath(hr_path)}|{st.st_size}|{st.st_mtime_ns}|x{scale}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def bicubic_lr(hr_path, hr, scale, cache_dir=None):
    """LR of the (already mod-cropped or not) uint8 ``hr``; cached under ``cache_dir`` when given."""
    if cache_dir is None:
        return bi(hr, scale)
    stem = os.path.splitext(os.path.basename(hr_path))[0]
    path = os.path.join(cache_dir, f"x{scale}", f"{stem}_{_key(hr_path, scale)}.png")
    if os.path.isfile(path):
        try:
            return imread(path)
        except ImageError:
            pass                        # a damaged cache file is simply rebuilt
    lr = bi(hr, scale)
    imwrite(path, lr)
    return lr
