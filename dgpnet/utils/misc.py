"""Folders, seeding, RNG state and logging for the entry scripts."""
import logging
import os
import random
import sys
import time

import numpy as np
import torch

__all__ = ["timestamp", "mkdir_and_rename", "set_seed", "get_rng_state", "set_rng_state", "get_logger",
           "one_line", "latest_state"]


def timestamp():
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())


def mkdir_and_rename(path):
    """Create ``path``; an existing one is renamed ``<path>_archived_<timestamp>`` first."""
    if os.path.exists(path):
        new = f"{path}_archived_{timestamp()}"
        n = 1
        while os.path.exists(new):
            new, n = f"{path}_archived_{timestamp()}_{n}", n + 1
        print(f"Path already exists. Rename it to {new}", flush=True)
        os.rename(path, new)
    os.makedirs(path, exist_ok=True)


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def get_rng_state():
    """RNG states as tensors and plain Python values (loadable with weights_only=True)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)]}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    torch.set_rng_state(state["torch"])
    v = state["python"]
    random.setstate((v[0], tuple(v[1]), v[2]))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class _TqdmHandler(logging.StreamHandler):
    def emit(self, record):
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stdout)
        except Exception:  # noqa: BLE001  (logging must never raise)
            self.handleError(record)


def get_logger(log_file=None, rank=0):
    """The 'dgpnet' logger: console (through tqdm) and ``log_file`` on rank 0, silent elsewhere."""
    logger = logging.getLogger("dgpnet")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    logger.propagate = False
    logger.setLevel(logging.INFO if rank == 0 else logging.ERROR)
    fmt = logging.Formatter("%(asctime)s %(levelname)s: %(message)s")
    if rank == 0:
        h = _TqdmHandler()
        h.setFormatter(fmt)
        logger.addHandler(h)
        if log_file:
            fh = logging.FileHandler(log_file, mode="a")
            fh.setFormatter(fmt)
            logger.addHandler(fh)
    return logger


def one_line(exc):
    """First line of an exception message (for the one-line error on stderr)."""
    text = str(exc).strip()
    if isinstance(exc, KeyError) and text.startswith("'"):
        text = f"missing key {text}"
    return text.splitlines()[0] if text else type(exc).__name__


# user-facing failures of the entry scripts (OptionError, ImageError and CheckpointError are ValueErrors)
USER_ERRORS = (ValueError, OSError, KeyError, TypeError, RuntimeError)


def run_cli(main, prog, argv=None):
    """Run an entry script's ``main``; a user error becomes one line on stderr and exit code 1
    (set DGPNET_TRACEBACK=1 for the traceback)."""
    try:
        return main(argv)
    except USER_ERRORS as exc:
        if os.environ.get("DGPNET_TRACEBACK"):
            raise
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return 1


def latest_state(folder):
    """Path of the ``<iter>.state`` with the largest iteration in ``folder``, or None."""
    if not os.path.isdir(folder):
        return None
    iters = [int(f[:-6]) for f in os.listdir(folder) if f.endswith(".state") and f[:-6].isdigit()]
    return os.path.join(folder, f"{max(iters)}.state") if iters else None
