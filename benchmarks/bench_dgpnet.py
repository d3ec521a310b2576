"""DGPNet before and after re-parameterization: parameters, FLOPs, latency, quality.

    python -m benchmarks.bench_dgpnet [--size 256] [--scale 4] [--repeats 1] [--weights DIR]

For each preset (dgpnet, dgpnet_s) the unfused training network, its fused copy (``dgpnet.api.fuse``)
and the same network built with plain convolutions (``deploy=True``) run on one random size x size
LR under ``torch.inference_mode()``. Latency is taken after a warm-up on a
small input: fused and plain are timed in alternation (``--repeats`` rounds, the minimum kept, which
is the least disturbed by other load), the unfused network once. Quality (Set5, Y-PSNR/SSIM, shave = scale) needs trained weights: ``<weights>/<model>_x<s>.pth``
(a train.py checkpoint or a fuse.py export); without them the row says 'no trained weights'.
"""
import argparse
import os
import sys
import time

import torch

from benchmarks.progress import bar
from benchmarks.model_stats import count_flops, count_parameters, measure_latency
from dgpnet import api

BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SHARED_WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "weights",
                              "dgpnet")


def _quality(name, scale, weights_dir):
    path = os.path.join(weights_dir, f"{name}_x{scale}.pth") if weights_dir else None
    if not path or not os.path.isfile(path):
        return "no trained weights"
    from common.degradations import bi, modcrop
    from common.io import imread, scan_images
    from common.metrics import calculate_psnr, calculate_ssim

    net = api.load(name, scale, weights=path)
    psnr = ssim = 0.0
    files = scan_images(os.path.join(BUNDLED, "Set5", "HR"))
    for f in files:
        hr = modcrop(imread(f), scale)
        sr = api.upscale(net, bi(hr, scale))
        psnr += calculate_psnr(sr, hr, scale)
        ssim += calculate_ssim(sr, hr, scale)
    return f"Set5 {psnr / len(files):.2f} dB / {ssim / len(files):.4f} ({os.path.basename(path)})"


def rows(size=256, scale=4, repeats=1, weights_dir=None, models=api.MODELS):
    """One dict per preset; latencies in seconds on a 1x3x``size``x``size`` LR."""
    weights_dir = weights_dir or (SHARED_WEIGHTS if os.path.isdir(SHARED_WEIGHTS) else None)
    out = []
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    small = x[:, :, :32, :32]
    for name in bar(models, "DGPNet fused vs plain", unit="model"):
        torch.manual_seed(0)
        unfused = api.build(name, scale).eval()
        fused = api.fuse(unfused).eval()
        plain = api.build(name, scale, deploy=True).eval()
        nets = {"fused": fused, "plain": plain, "unfused": unfused}
        with torch.inference_mode():
            for net in nets.values():
                net(small)
        lat = {"fused": float("inf"), "plain": float("inf")}
        for _ in range(repeats):
            for tag in ("fused", "plain"):
                lat[tag] = min(lat[tag], measure_latency(lambda n=nets[tag]: n(x), warmup=0, repeats=1))
        lat["unfused"] = measure_latency(lambda: unfused(x), warmup=0, repeats=1)
        flops = count_flops(fused, x)
        assert flops == count_flops(plain, x)
        out.append({
            "model": name, "scale": scale, "lr_size": size,
            "params_unfused": count_parameters(unfused), "params_fused": count_parameters(fused),
            "params_plain": count_parameters(plain),
            "gflops_fused": flops / 1e9, "gflops_plain": count_flops(plain, x) / 1e9,
            "latency_fused_s": lat["fused"], "latency_plain_s": lat["plain"], "latency_unfused_s": lat["unfused"],
            "fused_vs_plain": lat["fused"] / lat["plain"], "unfused_vs_fused": lat["unfused"] / lat["fused"],
            "gflops_per_s_fused": flops / 1e9 / lat["fused"],
            "quality": _quality(name, scale, weights_dir),
            "threads": torch.get_num_threads(),
        })
    return out


def format_rows(rs):
    head = (f"{'model':9s} {'x':>2s} {'params unfused':>14s} {'fused':>10s} {'plain':>10s} {'GFLOPs':>8s} "
            f"{'t fused':>8s} {'t plain':>8s} {'t unfused':>9s} {'fused/plain':>11s}  quality")
    lines = [head, "-" * len(head)]
    for r in rs:
        lines.append(f"{r['model']:9s} {r['scale']:2d} {r['params_unfused']:14,d} {r['params_fused']:10,d} "
                     f"{r['params_plain']:10,d} {r['gflops_fused']:8.1f} {r['latency_fused_s']:7.2f}s "
                     f"{r['latency_plain_s']:7.2f}s {r['latency_unfused_s']:8.2f}s {r['fused_vs_plain']:11.3f}  "
                     f"{r['quality']}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=256, help="LR height and width")
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--repeats", type=int, default=1, help="alternating fused/plain rounds (minimum kept)")
    p.add_argument("--weights", default=None, help="folder with <model>_x<scale>.pth")
    args = p.parse_args(argv)
    t0 = time.time()
    rs = rows(args.size, args.scale, args.repeats, args.weights)
    print(f"DGPNet re-parameterization on a {args.size}x{args.size} LR (x{args.scale}), CPU, "
          f"{torch.get_num_threads()} threads; FLOPs = 2 x MACs of conv/linear layers")
    print(format_rows(rs))
    print(f"({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
