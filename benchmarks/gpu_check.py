"""GPU check: training iterations of every method and one inference of every network, per precision.

    python -m benchmarks.gpu_check [--device cuda] [--iters 100] [--precisions fp32 fp16 bf16] [--methods ...]
    scripts/gpu_check.sh ...                                                   # the same, from anywhere
    python -m benchmarks.gpu_check --device cpu --iters 2 --precisions fp32   # a smoke test on a CPU

Training rows: ``training_steps.build`` at GPU_SIZES (batch 16, LR patch 48 = HR 192; DARSR batch 16,
crop 128, the paper preset's), or on a CPU at bench_training's SIZES; then ``--iters`` iterations after
the warm-up iteration ``build`` runs, as iterations per second. Inference rows: every network of the
methods' packages (its bundled weights, else a fresh ``api.build``: peak_memory.inference_model), one
``api.upscale(model, img, precision=p)`` of a random uint8 image (256x256 on CUDA, 64x64 on a CPU)
timed after a warm-up call, as inferences per second. Memory: ``torch.cuda.max_memory_allocated`` of
the row (reset before it), "-" on a CPU. About 3-4 minutes on one H200 for everything.

A row that fails shows its one-line reason and the exit status is 1; ``--device cuda`` without a CUDA
device is one line on stderr and exit status 2.
"""
import argparse
import gc
import importlib
import sys
import time

import numpy as np
import torch

from benchmarks.bench_training import SIZES
from benchmarks.methods import one_line
from benchmarks.peak_memory import inference_model
from benchmarks.training_steps import METHODS, build, describe
from common.precision import PRECISIONS

GPU_SIZES = {"JTF-SISR": (16, 48), "GDSR": (16, 48), "DARSR": (16, 128), "FASRGAN": (16, 48), "Fs-SRGAN": (16, 48),
             "DGPNet": (16, 48)}
# the networks each method's package serves: (package, api model names, scale)
NETWORKS = {"JTF-SISR": ("jtf_sisr", ("jtf_sisr", "edsr"), 4), "GDSR": ("gdsr", ("gdsr",), 4),
            "DARSR": ("darsr", ("srfbn_s",), 2), "FASRGAN": ("fasrgan", ("fasrgan",), 4),
            "Fs-SRGAN": ("fasrgan", ("fs_srgan",), 4), "DGPNet": ("dgpnet", ("dgpnet", "dgpnet_s"), 4)}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _start_row(device):
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def _peak_mib(device):
    return torch.cuda.max_memory_allocated(device) / 2 ** 20 if device.type == "cuda" else None


def training_row(method, precision, batch, lr_patch, iters, device):
    row = {"kind": "train", "name": method, "precision": precision, "size": describe(method, batch, lr_patch)}
    _start_row(device)
    try:
        step, _ = build(method, batch, lr_patch, device=str(device), precision=precision)
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        _sync(device)
        row.update(status="ok", per_second=iters / (time.perf_counter() - t0), peak_mib=_peak_mib(device))
    except Exception as exc:
        row.update(status=f"failed: {one_line(exc)}")
    return row


def inference_row(package, name, scale, precision, image, device):
    row = {"kind": "infer", "name": f"{package}.{name} x{scale}", "precision": precision,
           "size": f"{image.shape[1]}x{image.shape[0]} uint8"}
    _start_row(device)
    try:
        api = importlib.import_module(f"{package}.api")
        model, note = inference_model(api, name, scale)
        row["size"] += f", {note}"
        model = model.to(device)
        api.upscale(model, image, precision=precision)          # warm-up
        _sync(device)
        t0 = time.perf_counter()
        api.upscale(model, image, precision=precision)
        _sync(device)
        row.update(status="ok", per_second=1 / (time.perf_counter() - t0), peak_mib=_peak_mib(device))
    except Exception as exc:
        row.update(status=f"failed: {one_line(exc)}")
    return row


def format_row(r):
    if r["status"] != "ok":
        return f"| {r['kind']} | {r['name']} | {r['precision']} | {r['size']} | {r['status']} | |"
    mem = "-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"
    return f"| {r['kind']} | {r['name']} | {r['precision']} | {r['size']} | {r['per_second']:.2f} | {mem} |"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    p.add_argument("--iters", type=int, default=100, help="training iterations timed per row")
    p.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS)
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS, metavar="METHOD",
                   help=f"some of: {', '.join(METHODS)}")
    p.add_argument("--batch", type=int, default=None, help="training batch of every method (default: the sizes table)")
    p.add_argument("--lr_patch", type=int, default=None, help="LR patch of every method (DARSR: its crop)")
    p.add_argument("--image_size", type=int, default=None, help="inference LR side (default 256 on CUDA, 64 on a CPU)")
    a = p.parse_args(argv)
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(f"gpu_check: error: --device {a.device}: no CUDA device is available", file=sys.stderr)
        return 2
    cuda = device.type == "cuda"
    sizes = GPU_SIZES if cuda else SIZES
    side = a.image_size or (256 if cuda else 64)
    image = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    where = torch.cuda.get_device_name(device) if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, {where}; {a.iters} training iterations per row (after one warm-up); "
          f"one inference per row (after one warm-up); memory = max_memory_allocated of the row", flush=True)
    print("| kind | method / network | precision | batch / patch or image | iterations/s | max MiB |")
    print("|---|---|---|---|---|---|", flush=True)
    t_start, rows = time.perf_counter(), []
    for method in a.methods:
        batch, lr_patch = sizes[method]
        for precision in a.precisions:
            rows.append(training_row(method, precision, a.batch or batch, a.lr_patch or lr_patch, a.iters, device))
            print(format_row(rows[-1]), flush=True)
        package, names, scale = NETWORKS[method]
        for name in names:
            for precision in a.precisions:
                rows.append(inference_row(package, name, scale, precision, image, device))
                print(format_row(rows[-1]), flush=True)
    failed = sum(r["status"] != "ok" for r in rows)
    print(f"\n{len(rows)} rows, {failed} failed, {time.perf_counter() - t_start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
