"""Write a generator from fasrgan/train.py as one file that ``fasrgan.api.load`` reads without arguments.

    python -m fasrgan.export --G <run>/models/net_G_600.pth --out fasrgan/weights/FASRGAN_reduced_x4.pth
    python -m fasrgan.export --E <run>/models/net_E_600.pth --G <run>/models/net_G_600.pth \\
        --out fasrgan/weights/FsSRGAN_reduced_x4.pth

RRDBNet: ``{'params': G}``. Fs-SRGAN: ``{'E': E, 'G': G}`` (both needed at test time). Tensors are stored as
fp16, which keeps a reduced RRDBNet under 10 MB (``api.load`` copies them into fp32 parameters); ``--fp32`` keeps
them as they are. The written file is loaded back and checked against the inputs on a random LR: equal with
``--fp32``, within ``FP16_TOLERANCE`` (of the [0, 1] output) otherwise.
"""
import argparse
import sys

import torch

from common.cli import run_cli
from common.io import load_checkpoint, save_checkpoint, stored_as
from fasrgan import api


FP16_TOLERANCE = 2e-3   # largest output difference fp16 storage may make (measured 1.5e-4 and 5.1e-4 on the
                        # bundled reduced RRDBNet and Fs-SRGAN)


def export(g_path, out, e_path=None, scale=4, fp16=True):
    """Write the bundle; returns (the network loaded back from it, its largest output difference)."""
    name = "fs_srgan" if e_path else "fasrgan"
    ref = api.load(name, scale, weights=(e_path, g_path) if e_path else g_path)   # first: a foreign file fails
    g = stored_as(load_checkpoint(g_path), fp16)                                # before anything is written
    blob = {"E": stored_as(load_checkpoint(e_path), fp16), "G": g} if e_path else {"params": g}
    save_checkpoint(blob, out)
    net = api.load(name, scale, weights=out)
    x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        diff = (ref(x) - net(x)).abs().max().item()
    if diff > (FP16_TOLERANCE if fp16 else 0):
        raise ValueError(f"{out}: the exported network differs from {g_path} by {diff:.2e}")
    return net, diff


def _main(argv):
    p = argparse.ArgumentParser(prog="python -m fasrgan.export", description=__doc__.splitlines()[0])
    p.add_argument("--G", required=True, help="net_G_<iter>.pth")
    p.add_argument("--E", default=None, help="net_E_<iter>.pth (Fs-SRGAN)")
    p.add_argument("--out", required=True)
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--fp32", action="store_true", help="store fp32 tensors (default fp16)")
    a = p.parse_args(argv)
    net, diff = export(a.G, a.out, a.E, a.scale, fp16=not a.fp32)
    print(f"written {a.out}: {sum(t.numel() for t in net.parameters()):,} parameters, "
          f"{'fp32' if a.fp32 else 'fp16'}, largest output difference {diff:.1e}")
    return 0


def main(argv=None):
    """The command line; a missing or foreign weights file is one ``error:`` line and exit status 1."""
    return run_cli(_main, argv, prog="python -m fasrgan.export")


if __name__ == "__main__":
    sys.exit(main())
