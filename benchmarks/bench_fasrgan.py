"""FASRGAN and Fs-SRGAN generators at x4: parameters, FLOPs, latency, quality.

    python -m benchmarks.bench_fasrgan [--size 64] [--flops_size 256] [--repeats 1] [--weights DIR]

FLOPs (2 x MACs of conv layers) are for a ``flops_size`` x ``flops_size`` LR (default 256, the
project's reference input); they are counted on a 16x16 LR and scaled by the pixel ratio, which is
exact for these fully convolutional networks. Latency is measured on a ``size`` x ``size`` LR
(default 64, not 256: a 256x256 LR costs about 2.4 TFLOP per image, minutes on a 2-core CPU) as the
median of ``--repeats`` runs under ``torch.inference_mode()`` after a 16x16 warm-up.
Quality (Set5, Y-PSNR/SSIM, shave 4) needs generator weights: ``DIR/FASRGAN_G.pth`` and
``DIR/FsSRGAN_G.pth`` (the authors' files or fasrgan/train.py's net_G_latest.pth; Fs-SRGAN uses the
bundled authors' E); without ``--weights``, the reduced-size GAN generators bundled in fasrgan/weights
(``api.bundled_path``). Without either the row says 'no trained weights'.
"""
import argparse
import os
import sys
import time

import torch

from benchmarks.model_stats import count_flops, count_parameters, measure_latency
from fasrgan import api

BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
FILES = {"fasrgan": "FASRGAN_G.pth", "fs_srgan": "FsSRGAN_G.pth"}


def _quality(name, scale, weights_dir):
    path = os.path.join(weights_dir, FILES[name]) if weights_dir else api.bundled_path(name, scale)
    if not os.path.isfile(path):
        return "no trained weights" + (" (E: authors' weights, G: none)" if name == "fs_srgan" else "")
    from common.degradations import bi, modcrop
    from common.io import imread, scan_images
    from common.metrics import calculate_psnr, calculate_ssim

    net = api.load(name, scale, weights=path)
    files = scan_images(os.path.join(BUNDLED, "Set5", "HR"))
    psnr = ssim = 0.0
    for f in files:
        hr = modcrop(imread(f), scale)
        sr = api.upscale(net, bi(hr, scale))
        psnr += calculate_psnr(sr, hr, scale)
        ssim += calculate_ssim(sr, hr, scale)
    return f"Set5 {psnr / len(files):.2f} dB / {ssim / len(files):.4f} ({os.path.basename(path)})"


def rows(size=64, scale=4, repeats=1, weights_dir=None, flops_size=256, models=api.MODELS):
    """One dict per model; latency in seconds on a 1x3x``size``x``size`` LR."""
    out = []
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    small = torch.rand(1, 3, 16, 16)
    for name in models:
        torch.manual_seed(0)
        net = api.build(name, scale).eval()
        flops = count_flops(net, small) * (flops_size / 16) ** 2
        with torch.inference_mode():
            net(small)
        lat = measure_latency(lambda: net(x), warmup=0, repeats=repeats)
        out.append({
            "model": name, "scale": scale, "params": count_parameters(net),
            "flops_lr_size": flops_size, "gflops": flops / 1e9,
            "latency_lr_size": size, "latency_s": lat,
            "gflops_per_s": flops * (size / flops_size) ** 2 / 1e9 / lat,
            "quality": _quality(name, scale, weights_dir), "threads": torch.get_num_threads(),
        })
    return out


def format_rows(rs):
    head = f"{'model':9s} {'x':>2s} {'params':>12s} {'GFLOPs':>9s} {'latency':>9s} {'GFLOP/s':>8s}  quality"
    lines = [head, "-" * len(head)]
    for r in rs:
        lines.append(f"{r['model']:9s} {r['scale']:2d} {r['params']:12,d} {r['gflops']:9.1f} "
                     f"{r['latency_s']:8.2f}s {r['gflops_per_s']:8.1f}  {r['quality']}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64, help="LR height and width for the latency")
    p.add_argument("--flops_size", type=int, default=256, help="LR height and width for the FLOPs")
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--weights", default=None, help="folder with FASRGAN_G.pth / FsSRGAN_G.pth")
    args = p.parse_args(argv)
    t0 = time.time()
    rs = rows(args.size, args.scale, args.repeats, args.weights, args.flops_size)
    print(f"FASRGAN / Fs-SRGAN generators x{args.scale}, CPU, {torch.get_num_threads()} threads; GFLOPs on a "
          f"{args.flops_size}x{args.flops_size} LR (2 x MACs of convs); latency on a {args.size}x{args.size} LR")
    print(format_rows(rs))
    print(f"({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
