"""Peak memory of one ``api.upscale`` call, measured in a fresh process (used by benchmarks.run).

    python -m benchmarks.peak_memory --package dgpnet --model dgpnet --scale 4 --size 1024 [--tile 256]

Prints the growth of the peak resident set size (MiB) during the call, above what the process held
with the model loaded; on a CUDA device the peak of allocated GPU memory would be the figure to use.
"""
import argparse
import importlib
import resource
import sys

import numpy as np


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0    # Linux reports KiB


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.peak_memory")
    p.add_argument("--package", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--size", type=int, default=1024, help="side of the square LR image")
    p.add_argument("--tile", type=int, default=None)
    args = p.parse_args(argv)
    api = importlib.import_module(f"{args.package}.api")
    model = api.build(args.model, args.scale).eval()
    img = np.random.default_rng(0).integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    api.upscale(model, img[:32, :32], tile=None)          # warm-up: allocator and kernels
    before = _peak_rss_mib()
    api.upscale(model, img, tile=args.tile)
    print(f"{max(_peak_rss_mib() - before, 0.0):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
