"""How long the evaluation layer takes: PSNR+SSIM and MATLAB imresize of 100 Urban100-size images.

    python -m benchmarks.metrics_speed [--n 100] [--data_root DIR]

Uses Urban100 HR images from ``<data_root>/Urban100/HR`` when present (cycled to ``--n``),
otherwise synthetic 1024x768 RGB images. Reported in seconds, with the thread count.
"""
import argparse
import sys
import time

import numpy as np
import torch

from benchmarks.bicubic import find_set
from common.degradations import modcrop
from common.imresize import imresize
from common.io import imread, scan_images
from common.metrics import calculate_psnr, calculate_ssim


def _images(data_root, n):
    folder = find_set(data_root, "Urban100") if data_root else None
    if folder:
        pool = [imread(p) for p in scan_images(folder)[:min(n, 8)]]
        return [pool[i % len(pool)] for i in range(n)], f"Urban100 from {folder}"
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    pool = [imresize(np.roll(base, 7 * i, axis=1), output_shape=(768, 1024)) for i in range(4)]
    return [pool[i % 4] for i in range(n)], "synthetic 1024x768 RGB"


def measure(n=100, data_root=None, scale=4):
    """Seconds for PSNR+SSIM of n (SR, HR) pairs and for bicubic x1/scale of n HR images."""
    hrs, source = _images(data_root, n)
    hrs = [modcrop(h, scale) for h in hrs]
    t0 = time.perf_counter()
    lrs = [imresize(h, 1.0 / scale) for h in hrs]
    t_down = time.perf_counter() - t0
    srs = [imresize(lr, output_shape=h.shape[:2]) for lr, h in zip(lrs, hrs)]
    t0 = time.perf_counter()
    for sr, hr in zip(srs, hrs):
        calculate_psnr(sr, hr, scale)
        calculate_ssim(sr, hr, scale)
    t_metrics = time.perf_counter() - t0
    return {"images": n, "source": source, "size": f"{hrs[0].shape[1]}x{hrs[0].shape[0]}",
            "psnr_ssim_seconds": t_metrics, "imresize_down_seconds": t_down,
            "threads": torch.get_num_threads()}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.metrics_speed", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--data_root", default=None)
    args = p.parse_args(argv)
    r = measure(args.n, args.data_root)
    print(f"Evaluation speed on {r['images']} images ({r['source']}, {r['size']}), numpy/scipy:")
    print(f"  PSNR+SSIM (Y, shave 4):        {r['psnr_ssim_seconds']:.2f} s")
    print(f"  MATLAB imresize x1/4 (uint8):  {r['imresize_down_seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
