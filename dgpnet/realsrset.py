"""DGPNet on real LR photographs without ground truth: NIQE on RealSRSet and a crop grid.

    python -m dgpnet.realsrset --weights bicubic-trained=dgpnet/weights/DGPNet_x4.pth \\
        real-world-trained=dgpnet/weights/DGPNet_real_x4.pth \\
        [--lr_dir ../shared/datasets/RealSRSet+5images/LR] [--picks chip.png comic1.png oldphoto2.png]
        [--out dgpnet/docs] [--threads 1]

Every LR image is super-resolved x4 by each weights file (fused) and by MATLAB bicubic; NIQE (common.niqe, lower is
better, no reference) of each result, per image and as the mean, printed as a markdown table and written to
``<out>/realsrset_niqe.md``; ``<out>/realsrset_grid.png`` shows a 48x48 LR window of each picked image (nearest
x4) beside every method's 192x192 result.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

from common.curves import save_image_grid
from common.imresize import imresize
from common.io import imread, scan_images
from common.niqe import calculate_niqe
from dgpnet import api

PICKS = ("chip.png", "comic1.png", "oldphoto2.png")
WINDOW = 48


def _parse_weights(items):
    out = {}
    for item in items:
        label, sep, path = item.partition("=")
        if not sep or not label or not path:
            raise SystemExit(f"error: --weights takes label=path, got {item!r}")
        out[label] = path
    return out


def methods(weights):
    """{label: fn(uint8 LR) -> uint8 x4 SR}: bicubic first, then each weights file (fused DGPNet)."""
    out = {"bicubic": lambda lr: imresize(lr, scale=4)}
    for label, path in weights.items():
        net = api.load("dgpnet", 4, weights=path)
        out[label] = lambda lr, net=net: api.upscale(net, lr)
    return out


def niqe_table(fns, files):
    """{image: {method: NIQE}} and the seconds each method took in all."""
    rows, seconds = {}, {m: 0.0 for m in fns}
    for path in files:
        lr = imread(path)
        lr = np.repeat(lr[..., None], 3, axis=2) if lr.ndim == 2 else lr[..., :3]
        rows[os.path.basename(path)] = {}
        for m, fn in fns.items():
            t = time.perf_counter()
            sr = fn(lr)
            seconds[m] += time.perf_counter() - t
            rows[os.path.basename(path)][m] = calculate_niqe(sr, crop_border=4)
    return rows, seconds


def markdown(rows, names):
    lines = ["| image | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for image, vals in rows.items():
        lines.append(f"| {image} | " + " | ".join(f"{vals[m]:.3f}" for m in names) + " |")
    means = [np.mean([v[m] for v in rows.values()]) for m in names]
    lines.append("| **mean** | " + " | ".join(f"**{x:.3f}**" for x in means) + " |")
    return "\n".join(lines)


def grid(fns, lr_dir, picks, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [p for p in picks if os.path.isfile(os.path.join(lr_dir, p))]
    if not rows:
        raise SystemExit(f"error: {lr_dir}: none of the picked images {', '.join(picks)} is there")
    cols = 1 + len(fns)
    fig, axes = plt.subplots(len(rows), cols, figsize=(2.2 * cols, 2.4 * len(rows)), squeeze=False,
                             layout="constrained")
    for i, name in enumerate(rows):
        lr = imread(os.path.join(lr_dir, name))
        lr = np.repeat(lr[..., None], 3, axis=2) if lr.ndim == 2 else lr[..., :3]
        top, left = max((lr.shape[0] - WINDOW) // 2, 0), max((lr.shape[1] - WINDOW) // 2, 0)
        m = 8      # LR context around the window, cut off after SR
        t0, l0 = max(top - m, 0), max(left - m, 0)
        ctx = lr[t0:top + WINDOW + m, l0:left + WINDOW + m]
        win = lr[top:top + WINDOW, left:left + WINDOW]
        axes[i, 0].imshow(np.kron(win, np.ones((4, 4, 1), np.uint8)))
        axes[i, 0].set_title("LR (nearest x4)", fontsize=9)
        axes[i, 0].set_ylabel(name, fontsize=9)
        for j, (label, fn) in enumerate(fns.items(), start=1):
            sr = fn(ctx)
            y, x = (top - t0) * 4, (left - l0) * 4
            crop = sr[y:y + WINDOW * 4, x:x + WINDOW * 4]
            axes[i, j].imshow(crop)
            axes[i, j].set_title(label, fontsize=9)
            axes[i, j].set_xlabel(f"NIQE {calculate_niqe(crop):.2f}", fontsize=8)
    return save_image_grid(fig, axes, f"RealSRSet x4, no ground truth: the centre {WINDOW}x{WINDOW} LR window of "
                           "each image", os.path.join(out, "realsrset_grid.png"))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m dgpnet.realsrset", description=__doc__.splitlines()[0])
    p.add_argument("--weights", nargs="+", required=True, help="label=path of a DGPNet x4 weights file")
    p.add_argument("--lr_dir", default="../shared/datasets/RealSRSet+5images/LR")
    p.add_argument("--picks", nargs="+", default=list(PICKS))
    p.add_argument("--out", default="realsrset")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if not os.path.isdir(a.lr_dir) or not scan_images(a.lr_dir):
        print(f"error: {a.lr_dir}: no such folder of LR images (RealSRSet: ../shared/datasets)", file=sys.stderr)
        return 1
    fns = methods(_parse_weights(a.weights))
    rows, seconds = niqe_table(fns, scan_images(a.lr_dir))
    head = (f"RealSRSet ({len(rows)} LR images) x4, NIQE (lower is better; crop 4) of each result; "
            f"{torch.get_num_threads()} thread(s), CPU {torch.backends.cpu.get_cpu_capability()}; seconds in all: "
            + ", ".join(f"{m} {s:.0f}" for m, s in seconds.items()) + "\n\n")
    md = head + markdown(rows, list(fns))
    print(md)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "realsrset_niqe.md"), "w") as f:
        f.write(md + "\n")
    print("written:", os.path.join(a.out, "realsrset_niqe.md"), grid(fns, a.lr_dir, a.picks, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
