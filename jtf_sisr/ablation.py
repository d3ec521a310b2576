"""The JTF-vs-concatenation ablation's table and validation curves, from its experiment folders.

    python -m jtf_sisr.ablation --dir_experiment experiment [--sets Set5 Set14 B100] [--out docs/jtf_ablation.png]

Reads ``<dir>/ablation_<arm>_s<seed>/psnr_log.pt`` and ``ssim_log.pt`` (epochs x test sets x scales, written
by the trainer after every epoch; the sets in ``--data_test`` order) for the arms jtf, concat and edsr that
``scripts/jtf_ablation.sh`` trains, prints a markdown table of the last epoch's PSNR/SSIM per set as the mean
over seeds with the spread (max - min), the parameters of each arm, and draws every run's validation PSNR
per epoch in one PNG.
"""
import argparse
import glob
import os
import re
import sys

import numpy as np

from common.io import load_checkpoint

ARMS = {"jtf": "JTF-SISR (JTF fusion)", "concat": "JTF-SISR, concatenation + 3x3 conv", "edsr": "EDSR baseline"}


def read_runs(folder):
    """{arm: {seed: (psnr epochs x sets, ssim epochs x sets)}} of the finished ablation runs in ``folder``."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "ablation_*_s*", "psnr_log.pt"))):
        m = re.fullmatch(r"ablation_(\w+)_s(\d+)", os.path.basename(os.path.dirname(path)))
        if not m or m.group(1) not in ARMS:
            continue
        psnr = load_checkpoint(path, key=None)[:, :, 0].numpy()
        ssim = load_checkpoint(path.replace("psnr_log", "ssim_log"), key=None)[:, :, 0].numpy()
        runs.setdefault(m.group(1), {})[int(m.group(2))] = (psnr, ssim)
    return runs


def parameters(arm):
    from jtf_sisr import api

    small = dict(n_feats=32, n_resblocks=8)
    if arm == "edsr":
        return sum(p.numel() for p in api.build("edsr", 4, **small).parameters())
    extra = {"fusion": "concat"} if arm == "concat" else {}
    return sum(p.numel() for p in api.build("jtf_sisr", 4, n_stages=4, **small, **extra).parameters())


def table(runs, sets):
    lines = ["| arm | params | seeds | epochs | " + " | ".join(f"{s} PSNR / SSIM" for s in sets) + " |",
             "|---|---|---|---|" + "---|" * len(sets)]
    for arm in ARMS:
        if arm not in runs:
            continue
        seeds = sorted(runs[arm])
        epochs = min(runs[arm][s][0].shape[0] for s in seeds)
        cells = []
        for i in range(len(sets)):
            p = np.array([runs[arm][s][0][epochs - 1, i] for s in seeds])
            q = np.array([runs[arm][s][1][epochs - 1, i] for s in seeds])
            cells.append(f"{p.mean():.3f} ± {np.ptp(p) / 2:.3f} / {q.mean():.4f}")
        lines.append(f"| {ARMS[arm]} | {parameters(arm):,} | {', '.join(map(str, seeds))} | {epochs} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(runs, sets, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sets), figsize=(4.5 * len(sets), 3.6))
    colours = {"jtf": "tab:red", "concat": "tab:blue", "edsr": "tab:gray"}
    for i, (ax, name) in enumerate(zip(np.atleast_1d(axes), sets)):
        for arm, seeds in runs.items():
            for seed, (psnr, _) in sorted(seeds.items()):
                ax.plot(range(1, psnr.shape[0] + 1), psnr[:, i], color=colours[arm], marker="o",
                        linestyle="-" if seed == min(seeds) else "--", label=f"{arm} seed {seed}")
        ax.set_title(f"{name} x4")
        ax.set_xlabel("epoch (1000 iterations)")
        ax.set_ylabel("PSNR (dB, Y)")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m jtf_sisr.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--dir_experiment", default="experiment")
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14", "B100"], help="the runs' --data_test, in order")
    p.add_argument("--out", default="jtf_ablation.png")
    a = p.parse_args(argv)
    runs = read_runs(a.dir_experiment)
    if not runs:
        print(f"error: {a.dir_experiment}: no finished ablation_<arm>_s<seed> runs", file=sys.stderr)
        return 1
    print(table(runs, a.sets))
    plot(runs, a.sets, a.out)
    print(f"written: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
