"""Folder layout, seeding, RNG state and tensor <-> image conversion."""
import os
import random
import re
import time

import numpy as np
import torch


def timestamp():
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())


def mkdir_and_rename(path):
    """Create ``path``; an existing folder is first renamed ``<path>_archived_<timestamp>``."""
    if os.path.exists(path):
        new = f"{path}_archived_{timestamp()}"
        n = 1
        while os.path.exists(new):
            new = f"{path}_archived_{timestamp()}_{n}"
            n += 1
        os.rename(path, new)
        print(f"Path already exists. Renamed it to {new}", flush=True)
    os.makedirs(path)


def set_random_seed(seed):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def latest_state(folder):
    """Path of the largest ``<iter>.state`` in ``folder``, or None."""
    if not os.path.isdir(folder):
        return None
    iters = [int(m.group(1)) for f in os.listdir(folder) if (m := re.fullmatch(r"(\d+)\.state", f))]
    return os.path.join(folder, f"{max(iters)}.state") if iters else None


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


def one_line(exc):
    """The line of an error message to show; for a DataLoader worker error, the original one."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    if lines[0].startswith("Caught ") and len(lines) > 1:
        head, _, rest = lines[-1].partition(": ")
        return rest if rest and re.fullmatch(r"[\w.]+", head) else lines[-1]
    return lines[0]
