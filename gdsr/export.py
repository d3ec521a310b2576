"""Write a generator from gdsr/train.py as the file ``gdsr.api.load("gdsr", 4)`` reads without arguments.

    python -m gdsr.export --G <run>/models/600_G.pth --out gdsr/weights/GDSR_x4.pth

The file is ``{'params': G}`` with fp16 tensors, which keeps the reduced GDSR under 10 MB (``api.load`` copies
them into fp32 parameters); ``--fp32`` keeps them as they are. The written file is loaded back and its three
outputs (fused, low, high) are checked against the input file's on a random LR: equal with ``--fp32``, within
``FP16_TOLERANCE`` (of the [0, 1] output) otherwise. Only the full network (guidance and mask on) is bundled.
"""
import argparse
import sys

import torch

from common.cli import run_cli
from common.io import load_checkpoint, save_checkpoint, stored_as
from gdsr import api

FP16_TOLERANCE = 2e-3   # largest output difference fp16 storage may make (the bundled reduced GDSR: see
                        # gdsr/weights/README.md)


def export(g_path, out, scale=4, fp16=True):
    """Write the bundle; returns (the network loaded back from it, its largest output difference)."""
    ref = api.load("gdsr", scale, weights=g_path)   # first: a foreign file fails before anything is written
    save_checkpoint({"params": stored_as(load_checkpoint(g_path), fp16)}, out)
    net = api.load("gdsr", scale, weights=out)
    x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = ref.forward_all(x), net.forward_all(x)
        diff = max((a[k] - b[k]).abs().max().item() for k in ("fused", "low", "high"))
    if diff > (FP16_TOLERANCE if fp16 else 0):
        raise ValueError(f"{out}: the exported network differs from {g_path} by {diff:.2e}")
    return net, diff


def _main(argv):
    p = argparse.ArgumentParser(prog="python -m gdsr.export", description=__doc__.splitlines()[0])
    p.add_argument("--G", required=True, help="<iter>_G.pth of a full GDSR run")
    p.add_argument("--out", required=True)
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--fp32", action="store_true", help="store fp32 tensors (default fp16)")
    a = p.parse_args(argv)
    net, diff = export(a.G, a.out, a.scale, fp16=not a.fp32)
    print(f"written {a.out}: {sum(t.numel() for t in net.parameters()):,} parameters, "
          f"{'fp32' if a.fp32 else 'fp16'}, largest output difference {diff:.1e}")
    return 0


def main(argv=None):
    """The command line; a missing or foreign weights file is one ``error:`` line and exit status 1."""
    return run_cli(_main, argv, prog="python -m gdsr.export")


if __name__ == "__main__":
    sys.exit(main())
