"""GDSR x4 row for the benchmarks: parameters, FLOPs, latency and quality (when weights exist).

    python -m benchmarks.bench_gdsr [--lr_size 32] [--weights PATH] [--set Set5] [--threads N]

FLOPs are counted at the 256x256 LR of the project's speed table. Every layer of GDSR is a stride-1
'same' convolution at LR or HR size, so FLOPs are exactly proportional to the pixel count: they are
counted on a 32x32 LR and multiplied by 64 (a 256x256 CPU forward of GDSR's 4 TFLOPs takes minutes on
2 cores). Latency is measured on a ``--lr_size`` LR (32x32 by default, for the same reason) and says so.
Quality needs trained weights: ``--weights`` (or $GDSR_WEIGHTS), else the reduced GDSR bundled in gdsr/weights
(``api.bundled_path``); without either the row is labelled 'no trained weights'. Parameters, FLOPs and latency
are always the paper's configuration.
"""
import argparse
import os
import sys

import numpy as np
import torch

from benchmarks.model_stats import count_flops, count_parameters, measure_latency
from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.io import imread, scan_images
from gdsr import api

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_LR = 256


def _quality(weights, set_name):
    folder = os.path.join(REPO, "benchmarks", "data", set_name, "HR")
    model = api.load("gdsr", 4, weights=weights)
    scores = []
    for path in scan_images(folder):
        hr = modcrop(imread(path), 4)
        scores.append(evaluate_pair(api.upscale(model, bi(hr, 4), tile=64), hr, 4, names=(path, path)))
    return {k: float(np.mean([s[k] for s in scores])) for k in ("psnr", "ssim")}


def rows(lr_size=32, weights=None, set_name="Set5", repeats=2):
    """One dict for GDSR x4 (see the module docstring for how each number is obtained)."""
    weights = weights or os.environ.get("GDSR_WEIGHTS")
    if not weights and os.path.isfile(api.bundled_path(4)):
        weights = api.bundled_path(4)
    torch.manual_seed(0)
    model = api.build("gdsr", 4).eval()
    small = torch.rand(1, 3, 32, 32)
    flops_small = count_flops(model, small)
    x = small if lr_size == 32 else torch.rand(1, 3, lr_size, lr_size)
    flops_x = flops_small * lr_size * lr_size // (32 * 32)
    # the FLOP-counting forward on 32x32 is the warm-up when lr_size is 32
    latency = measure_latency(lambda: model(x), warmup=0 if lr_size == 32 else 1, repeats=repeats)
    row = {"method": "GDSR", "scale": 4, "params": count_parameters(model),
           "flops_256": flops_small * TARGET_LR * TARGET_LR // (32 * 32), "latency_lr": lr_size,
           "latency_s": latency, "threads": torch.get_num_threads(), "gflops_per_s": flops_x / latency / 1e9}
    if weights:
        row.update(quality_set=set_name, weights=weights, **_quality(weights, set_name))
    else:
        row.update(quality_set=set_name, weights="no trained weights", psnr=None, ssim=None)
    return [row]


def format_table(table):
    lines = ["| method | scale | params | GFLOPs (256x256 LR) | latency (s, LR size) | GFLOP/s | quality |",
             "|---|---|---|---|---|---|---|"]
    for r in table:
        q = (f"{r['quality_set']} {r['psnr']:.2f}/{r['ssim']:.4f} (Y, shave 4; {os.path.basename(r['weights'])})"
             if r["psnr"] is not None else r["weights"])
        lines.append(f"| {r['method']} | x{r['scale']} | {r['params']:,} | {r['flops_256'] / 1e9:,.1f} | "
                     f"{r['latency_s']:.2f} ({r['latency_lr']}x{r['latency_lr']} LR, {r['threads']} threads) | "
                     f"{r['gflops_per_s']:.1f} | {q} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_gdsr", description=__doc__.splitlines()[0])
    p.add_argument("--lr_size", type=int, default=32, help="LR side for the latency (default 32: CPU)")
    p.add_argument("--weights", default=None, help="a GDSR *_G.pth for the quality column")
    p.add_argument("--set", default="Set5", choices=["Set5", "Set14"])
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        table = rows(args.lr_size, args.weights, args.set)
    except (ValueError, OSError) as exc:
        print(f"bench_gdsr: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(format_table(table))
    print(f"FLOPs = 2 x MACs of every conv/linear, counted on a 32x32 LR and scaled x64 to 256x256 (exact: "
          f"all layers are stride-1 'same' convs); latency median of 2 runs after a warm-up run, "
          f"torch {torch.__version__}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
