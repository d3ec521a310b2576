"""Tensor <-> image conversion and DataLoader worker errors."""
import re

import numpy as np
import torch

from common.cli import DataError


def img2tensor(img):
    """uint8 HxWx3 (or HxW, replicated to 3 channels) -> float 3xHxW in [0, 1]."""
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().div_(255.0)


def tensor2img(t):
    """float CxHxW (or 1xCxHxW) in [0, 1] -> uint8 HxWxC (HxW for one channel): clamp, x255, round."""
    t = t.detach().float().cpu()
    if t.dim() == 4:
        t = t[0]
    arr = t.clamp_(0, 1).mul_(255.0).round_().to(torch.uint8).numpy().transpose(1, 2, 0)
    return arr[:, :, 0] if arr.shape[2] == 1 else np.ascontiguousarray(arr)


def worker_error(exc):
    """A DataLoader worker's error as the one-line DataError of the original message; other errors as they are."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].startswith("Caught "):
        head, _, rest = lines[-1].partition(": ")
        return DataError(rest if rest and re.fullmatch(r"[\w.]+", head) else lines[-1])
    return exc
