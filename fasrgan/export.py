"""Write a generator from fasrgan/train.py as one file that ``fasrgan.api.load`` reads without arguments.

    python -m fasrgan.export --G <run>/models/net_G_600.pth --out fasrgan/weights/FASRGAN_reduced_x4.pth
    python -m fasrgan.export --E <run>/models/net_E_600.pth --G <run>/models/net_G_600.pth \\
        --out fasrgan/weights/FsSRGAN_reduced_x4.pth

RRDBNet: ``{'params': G}``. Fs-SRGAN: ``{'E': E, 'G': G}`` (both needed at test time). The written file is
loaded back and must give the same output as the inputs on a random LR; fp32 tensors only.
"""
import argparse
import sys

import torch

from common.io import load_checkpoint, save_checkpoint
from fasrgan import api


def export(g_path, out, e_path=None, scale=4):
    """Write the bundle; returns the network loaded back from it."""
    name = "fs_srgan" if e_path else "fasrgan"
    g = {k: v.float() for k, v in load_checkpoint(g_path).items()}
    blob = {"E": {k: v.float() for k, v in load_checkpoint(e_path).items()}, "G": g} if e_path else {"params": g}
    save_checkpoint(blob, out)
    ref = api.load(name, scale, weights=(e_path, g_path) if e_path else g_path)
    net = api.load(name, scale, weights=out)
    x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        if not torch.equal(ref(x), net(x)):
            raise RuntimeError(f"{out}: the exported network differs from {g_path}")
    return net


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m fasrgan.export", description=__doc__.splitlines()[0])
    p.add_argument("--G", required=True, help="net_G_<iter>.pth")
    p.add_argument("--E", default=None, help="net_E_<iter>.pth (Fs-SRGAN)")
    p.add_argument("--out", required=True)
    p.add_argument("--scale", type=int, default=4)
    a = p.parse_args(argv)
    net = export(a.G, a.out, a.E, a.scale)
    print(f"written {a.out}: {sum(t.numel() for t in net.parameters()):,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
