"""Seeding and the RNG state of a training run (Python, NumPy, torch, CUDA), stored so that
``torch.load(weights_only=True)`` can read it back."""
import random

import numpy as np
import torch

__all__ = ["seed_all", "get_state", "set_state"]


def seed_all(seed):
    """Seed Python's ``random``, NumPy's global RNG and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def get_state():
    """{'python', 'numpy', 'torch'[, 'cuda']}: plain values and tensors only."""
    version, keys, gauss = random.getstate()
    _, mt, pos, has_gauss, cached = np.random.get_state()
    state = {"python": [version, list(keys), gauss], "torch": torch.get_rng_state(),
             "numpy": {"keys": torch.from_numpy(mt.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss),
                       "cached": float(cached)}}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_state(state):
    """Restore what :func:`get_state` returned (also the list form of NumPy's state older states hold)."""
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    if isinstance(n, dict):
        n = ("MT19937", n["keys"], n["pos"], n["has_gauss"], n["cached"])
    np.random.set_state(("MT19937", n[1].numpy().astype(np.uint32), int(n[2]), int(n[3]), float(n[4])))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        cuda = state["cuda"][:torch.cuda.device_count()]
        torch.cuda.set_rng_state_all(cuda)
