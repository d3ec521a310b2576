"""The DGConv ablation's table and validation curves, from the runs of scripts/dgpnet_ablation.sh.

    python -m dgpnet.ablation [--dir_experiment experiments/dgpnet_ablation] [--data_root ../shared/datasets]
                              [--sets Set5 Set14 B100] [--out dgpnet/docs/ablation_x4.png] [--threads 1]

For every finished run ``<dir>/<arm>_s<seed>`` (arms msrresnet_plain, msrresnet_dgconv, dgpnet_plain,
dgpnet_dgconv): the final network, fused to plain convolutions, scored on each set (MATLAB-bicubic LR from the
HR, PSNR/SSIM on Y, shave 4; the scores are kept in the run folder as ``eval.json``), the Set5 validation PSNR
of its training history, and the fused network's latency on a 128x128 LR (median of 7, the arms interleaved).
Prints a markdown table (mean over seeds and half the spread, max - min) and draws every run's validation
curve in one PNG.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys
import time

import numpy as np
import torch

from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.io import find_benchmark_set, imread, load_checkpoint, scan_images
from dgpnet import api
from dgpnet.archs import fuse
from dgpnet.models.net_utils import load_weights

ARMS = {
    "msrresnet_plain": ("MSRResNet, plain 3x3 convolutions", {"type": "MSRResNet", "dgconv": False}),
    "msrresnet_dgconv": ("MSRResNet, every 3x3 conv a DGConv", {"type": "MSRResNet", "dgconv": True}),
    "dgpnet_plain": ("DGPNet built with plain convolutions", {"type": "DGPNet"}),
    "dgpnet_dgconv": ("DGPNet (DGConv)", {"type": "DGPNet"}),
}


def _latest(folder, pattern, rx):
    found = [(int(m.group(1)), p) for p in glob.glob(os.path.join(folder, pattern))
             if (m := re.fullmatch(rx, os.path.basename(p)))]
    return max(found) if found else (None, None)


def read_runs(folder):
    """{arm: {seed: {"iter", "weights", "curve": [(iter, Set5 PSNR)]}}} of the runs with a training state."""
    runs = {}
    for run in sorted(glob.glob(os.path.join(folder, "*_s*"))):
        m = re.fullmatch(r"(\w+)_s(\d+)", os.path.basename(run))
        if not m or m.group(1) not in ARMS or not os.path.isdir(run):
            continue
        it, state_path = _latest(os.path.join(run, "training_states"), "*.state", r"(\d+)\.state")
        if state_path is None:
            continue
        state = load_checkpoint(state_path, key=None)
        curve = state["history"]["val"].get("Set5", {}).get("psnr", [])
        runs.setdefault(m.group(1), {})[int(m.group(2))] = {
            "iter": it, "weights": os.path.join(run, "models", state["networks"]["g"]), "curve": curve,
            "folder": run}
    return runs


def fused_network(arm, weights):
    """The run's final network with its DGConvs fused to plain convolutions (eval mode)."""
    net, _ = load_weights(dict(ARMS[arm][1], upscale=4), weights)
    return fuse(net).eval()




def score(net, folder):
    """Mean (PSNR, SSIM) on Y, shave 4, of ``net`` on MATLAB-bicubic x4 LR of the HR images in ``folder``."""
    vals = []
    for path in scan_images(folder):
        hr = modcrop(imread(path), 4)
        vals.append(evaluate_pair(api.upscale(net, bi(hr, 4)), hr, 4))
    return float(np.mean([v["psnr"] for v in vals])), float(np.mean([v["ssim"] for v in vals]))


def evaluate_run(arm, run, sets, data_root):
    """{set: [psnr, ssim]} of a run, read from (or written to) its eval.json."""
    cache = os.path.join(run["folder"], "eval.json")
    done = json.load(open(cache)) if os.path.exists(cache) else {}
    if done.get("iter") != run["iter"]:
        done = {"iter": run["iter"], "scores": {}}
    net = None
    for name in sets:
        if name in done["scores"]:
            continue
        folder = find_benchmark_set(name, data_root)
        if folder is None:
            print(f"skipped {name}: not under {data_root} or benchmarks/data", file=sys.stderr)
            continue
        net = net or fused_network(arm, run["weights"])
        done["scores"][name] = list(score(net, folder))
        with open(cache, "w") as f:
            json.dump(done, f)
    return done["scores"]


def latencies(nets, repeats=7, size=128):
    """Median seconds of one forward of each fused network on a size x size LR, the networks interleaved."""
    x = torch.rand(1, 3, size, size)
    times = {k: [] for k in nets}
    with torch.inference_mode():
        for net in nets.values():
            net(x)                                      # warm-up
        for _ in range(repeats):
            for k, net in nets.items():
                t = time.perf_counter()
                net(x)
                times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def table(runs, scores, lat, sets):
    lines = ["| arm | training params | fused params | seeds | iterations | "
             + " | ".join(f"{s} PSNR / SSIM" for s in sets) + " | fused latency, 128x128 LR |",
             "|---|---|---|---|---|" + "---|" * (len(sets) + 1)]
    for arm, (label, cfg) in ARMS.items():
        if arm not in runs:
            continue
        seeds = sorted(runs[arm])
        first = runs[arm][seeds[0]]
        train_net, _ = load_weights(dict(cfg, upscale=4), first["weights"])
        n_train = sum(p.numel() for p in train_net.parameters())
        n_fused = sum(p.numel() for p in fuse(train_net).parameters())
        cells = []
        for s in sets:
            got = [scores[arm][seed][s] for seed in seeds if s in scores[arm][seed]]
            if not got:
                cells.append("")
                continue
            p, q = np.array([g[0] for g in got]), np.array([g[1] for g in got])
            cells.append(f"{p.mean():.3f} ± {np.ptp(p) / 2:.3f} / {q.mean():.4f}")
        iters = sorted({runs[arm][seed]["iter"] for seed in seeds})
        lines.append(f"| {label} | {n_train:,} | {n_fused:,} | {', '.join(map(str, seeds))} | "
                     f"{'/'.join(map(str, iters))} | " + " | ".join(cells) + f" | {lat[arm] * 1000:.0f} ms |")
    return "\n".join(lines)


def plot(runs, out):
    from common.curves import plot_curves

    series = {}
    for arm, seeds in runs.items():
        for seed, run in sorted(seeds.items()):
            if run["curve"]:
                series[f"{arm} seed {seed}"] = run["curve"]
    plot_curves(out, series, title="DGConv ablation: Set5 x4 validation (fused networks)", ylabel="PSNR (dB, Y)")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m dgpnet.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--dir_experiment", default="experiments/dgpnet_ablation")
    p.add_argument("--data_root", default="../shared/datasets", help="folder holding Set5/, Set14/, B100/")
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14", "B100"])
    p.add_argument("--out", default="dgpnet_ablation.png")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    runs = read_runs(a.dir_experiment)
    if not runs:
        print(f"error: {a.dir_experiment}: no ablation runs (<arm>_s<seed> with a training state)", file=sys.stderr)
        return 1
    scores = {arm: {seed: evaluate_run(arm, run, a.sets, a.data_root) for seed, run in seeds.items()}
              for arm, seeds in runs.items()}
    lat = latencies({arm: fused_network(arm, seeds[min(seeds)]["weights"]) for arm, seeds in runs.items()})
    print(f"x4, {torch.get_num_threads()} thread(s), CPU {torch.backends.cpu.get_cpu_capability()}, "
          f"torch {torch.__version__}; PSNR/SSIM on Y, shave 4, mean ± half the spread over seeds\n")
    print(table(runs, scores, lat, a.sets))
    plot(runs, a.out)
    print(f"\nwritten: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
