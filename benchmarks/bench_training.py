"""Seconds per training iteration of every method on this CPU, with and without each speed setting.

    python -m benchmarks.bench_training [--threads N] [--repeats 5] [--methods JTF-SISR GDSR ...] [--compile]
                                        [--batch N --lr_patch N] [--out DIR]

Each method runs one real iteration of its package's training code (benchmarks.training_steps) on a
fixed random batch of the CPU size in SIZES (``--batch`` / ``--lr_patch`` replace them for every
method). Variants: fp32 (the baseline), channels_last, bf16 and bf16 + channels_last (bf16 only where
the CPU computes it natively; elsewhere a row says so); with ``--compile`` also torch.compile of the
JTF-SISR forward (about 80 s of compiling on a 2-core CPU, hence off by default).

Seconds: median of ``--repeats`` iterations per variant, the variants of a method interleaved
(A B C A B C ...) so that load from other processes slows them alike; the warm-up of each variant is
the iteration ``training_steps.build`` runs to count the FLOPs (compile: one more, which compiles).
Training GFLOP/s = 3 x forward FLOPs / seconds (training_steps' convention) and its fraction of the
fp32 matmul GFLOP/s measured at the start of the same run; a fraction above 1 is possible, as the
reference is torch.mm while the convolutions run through oneDNN, and the 3x convention over-counts
frozen and no-grad passes (up to 1.43x for DARSR, see training_steps). ``--threads`` 0 keeps torch's
default (OMP_NUM_THREADS). Writes <out>/training.md and training.json.
"""
import argparse
import gc
import json
import os
import pathlib
import statistics
import sys
import time

import torch

from benchmarks.methods import one_line
from benchmarks.progress import bar
from benchmarks.run import matmul_gflops
from benchmarks.training_steps import METHODS, build, describe
from common.io import atomic_write
from common.precision import cpu_capability, native_bf16

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (batch, LR patch) per method on a 2-core CPU: about 0.3-1.2 s an fp32 iteration on one thread, so that
# the whole bench (4 variants x 6 iterations per method) stays near 2 minutes on 2 cores.
# DARSR: its fast preset's batch and crop. GDSR, FASRGAN, Fs-SRGAN: HR 64, the smallest the
# discriminators take at batch 2 (VGG heads: multiples of 32 / 64).
SIZES = {"JTF-SISR": (8, 24), "GDSR": (2, 16), "DARSR": (4, 64), "FASRGAN": (2, 16), "Fs-SRGAN": (2, 16),
         "DGPNet": (4, 32)}
NOT_NATIVE = "bf16: not native on this CPU"


def variants(method, compile_jtf=False):
    """(name, build options) of the variants timed for ``method``; fp32 first (the baseline)."""
    out = [("fp32", {}), ("channels_last", {"channels_last": True})]
    if native_bf16():
        out += [("bf16", {"precision": "bf16"}), ("bf16 + channels_last", {"precision": "bf16", "channels_last": True})]
    if compile_jtf and method == "JTF-SISR":
        out.append(("compile", {"compile": True}))
    return out



def time_method(method, batch, lr_patch, matmul, repeats=5, compile_jtf=False):
    """One row per variant: seconds per iteration (median, variants interleaved), GFLOP/s, speed-up."""
    base = {"method": method, "size": describe(method, batch, lr_patch), "batch": batch, "lr_patch": lr_patch}
    steps, flops = {}, 0
    try:
        for name, options in variants(method, compile_jtf):
            steps[name], flops = build(method, batch, lr_patch, device="cpu", **options)
            if options.get("compile"):
                steps[name]()                     # the compiling iteration
        times = {name: [] for name in steps}
        for _ in range(repeats):
            for name, step in steps.items():
                t0 = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t0)
    except Exception as exc:
        return [{**base, "variant": "-", "status": f"failed: {one_line(exc)}"}]
    finally:
        steps.clear()
        gc.collect()
    rows = []
    for name, ts in times.items():
        seconds = statistics.median(ts)
        gflops = 3 * flops / seconds / 1e9
        rows.append({**base, "variant": name, "status": "ok", "seconds": seconds, "forward_flops": flops,
                     "gflops": gflops, "of_matmul": gflops / matmul,
                     "speedup": statistics.median(times["fp32"]) / seconds})
    if not native_bf16():
        rows.append({**base, "variant": "bf16", "status": NOT_NATIVE})
    return rows


def table(rows):
    lines = ["| method | batch / patch | variant | s / iteration | training GFLOP/s | of matmul | vs fp32 |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| {r['method']} | {r['size']} | {r['variant']} | {r['status']} | | | |")
            continue
        lines.append(f"| {r['method']} | {r['size']} | {r['variant']} | {r['seconds']:.3f} | {r['gflops']:.1f} "
                     f"| {r['of_matmul']:.2f} | {r['speedup']:.2f}x |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_training", description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--repeats", type=int, default=5, help="timed iterations per variant (median)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS, metavar="METHOD",
                   help=f"some of: {', '.join(METHODS)}")
    p.add_argument("--compile", action="store_true", help="also time torch.compile of JTF-SISR (~80 s more)")
    p.add_argument("--batch", type=int, default=None, help="batch of every method (default: SIZES)")
    p.add_argument("--lr_patch", type=int, default=None, help="LR patch of every method (DARSR: its crop)")
    p.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results"))
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    t_start = time.perf_counter()
    machine = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": cpu_capability(),
               "matmul_gflops": matmul_gflops()}
    header = (f"torch {machine['torch']}, {machine['threads']} threads, CPU {machine['cpu']}; "
              f"fp32 matmul {machine['matmul_gflops']:.1f} GFLOP/s\n"
              f"Seconds per training iteration: median of {a.repeats}, variants interleaved, after one warm-up each; "
              f"training GFLOP/s = 3 x forward FLOPs / s")
    print(header, flush=True)
    rows = []
    methods_bar = bar(a.methods, "training steps", unit="method")
    for method in methods_bar:
        methods_bar.set_postfix_str(method)
        batch, lr_patch = SIZES[method]
        rows += time_method(method, a.batch or batch, a.lr_patch or lr_patch, machine["matmul_gflops"], a.repeats,
                            a.compile)
    md = table(rows)
    print("\n" + md)
    os.makedirs(a.out, exist_ok=True)
    text = json.dumps({"machine": machine, "repeats": a.repeats, "rows": rows}, indent=2)
    atomic_write(os.path.join(a.out, "training.json"), lambda tmp: pathlib.Path(tmp).write_text(text))
    atomic_write(os.path.join(a.out, "training.md"),
                 lambda tmp: pathlib.Path(tmp).write_text(f"# Training speed\n\n{header}\n\n{md}\n"))
    print(f"\n{time.perf_counter() - t_start:.0f} s; written: {a.out}/training.md, training.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
