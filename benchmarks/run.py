"""One evaluation and one speed harness over every method, through each package's api.py only.

    python -m benchmarks.run [--sets Set5 Set14] [--data_root DIR] [--scales 2 3 4] [--full] [--out DIR]

Quality: for each set, scale and method with weights, HR -> mod-crop -> MATLAB bicubic LR ->
``api.upscale`` -> PSNR/SSIM/RMSE on Y shaving ``scale``, and NIQE of every method.
Speed: parameters, FLOPs, latency of ``api.upscale`` on one LR image (median after warm-up),
achieved GFLOP/s and its fraction of this machine's fp32 matmul GFLOP/s measured in the same run; peak memory of a
whole-image versus a tiled ``upscale`` in a fresh process each. A method whose package or weights
do not exist yet still gets a row that says so. Pictures: PSNR vs latency and vs parameters, a crop
grid of every method and RMSE vs NIQE (``benchmarks.pictures``); latest.md lists them.
"""
import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

import numpy as np
import torch

from benchmarks.bicubic import BUNDLED_ROOT, PUBLISHED, find_set
from benchmarks.methods import METHODS, Method, api_of, one_line, upscaler
from benchmarks.model_stats import count_flops, count_parameters, measure_latency
from benchmarks.progress import bar, print_above_bars
from benchmarks.peak_memory import DID_NOT_FIT, default_max_gib, inference_model
from common.degradations import bi, modcrop
from common.evaluate import convention, evaluate_pair
from common.precision import cpu_capability
from common.io import atomic_write, imread, scan_images

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def matmul_gflops(n=2048, repeats=5):
    """fp32 matmul GFLOP/s of this machine with torch's current thread count."""
    a, b = torch.rand(n, n), torch.rand(n, n)
    return 2 * n ** 3 / measure_latency(lambda: torch.mm(a, b), warmup=2, repeats=repeats) / 1e9


def machine_info():
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version(),
            "cpu": f"{platform.machine()} {cpu_capability()}", "matmul_gflops": matmul_gflops()}


def quality(methods, root, sets, scales, max_images=None):
    """Rows of mean PSNR/SSIM, RMSE (255 * 10^(-PSNR/20) per image) and NIQE per method, set and scale."""
    rows = []
    methods_bar = bar(methods, "quality", unit="method")
    for method in methods_bar:
        methods_bar.set_postfix_str(method.label)
        for scale in scales:
            if method.package is not None and scale not in method.scales:
                continue
            fn, weights = upscaler(method, scale)
            for name in sets:
                row = {"method": method.label, "set": name, "scale": scale, "weights": weights}
                folder = find_set(root, name)
                if fn is None or folder is None:
                    row["status"] = weights if fn is None else f"set missing under {root}"
                    rows.append(row)
                    continue
                scores, t0 = [], time.perf_counter()
                for path in scan_images(folder)[:max_images]:
                    hr = modcrop(imread(path), scale)
                    sr = fn(bi(hr, scale), hr.shape)
                    score = evaluate_pair(sr, hr, scale, niqe=min(hr.shape[:2]) >= 192, names=(method.label, path))
                    scores.append({**score, "rmse": 255 * 10 ** (-score["psnr"] / 20)})
                for key in ("psnr", "ssim", "niqe", "rmse"):
                    vals = [s[key] for s in scores if key in s]
                    if vals:
                        row[key] = float(np.mean(vals))
                row.update(status="ok", images=len(scores), seconds=time.perf_counter() - t0)
                if method.package is None:
                    row["published"] = PUBLISHED["BI"].get(name, {}).get(scale)
                rows.append(row)
    return rows


def _peak_memory(method, scale, size, tile, max_gib):
    """Peak resident memory (MiB) of one upscale in a fresh process, above what it held just before;
    'did not fit in N GiB' where the run needed more than ``max_gib``; None if it failed otherwise."""
    cmd = [sys.executable, "-m", "benchmarks.peak_memory", "--package", method.package, "--model", method.model,
           "--scale", str(scale), "--size", str(size), "--max_gib", str(max_gib)]
    cmd += ["--tile", str(tile)] if tile else []
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    last = (p.stdout.strip().splitlines() or [""])[-1]
    if p.returncode == DID_NOT_FIT:
        return last
    if p.returncode != 0:
        return None
    return float(last)


def speed(methods, scale, lr_size, machine, repeats=3, memory_size=None, tile=None, remeasure=False):
    """Rows of parameters, FLOPs, latency and efficiency per method at one scale.

    ``remeasure``: measure the matmul reference again next to each method (the efficiency uses
    the larger of it and ``machine``'s), so a load that comes or goes during the run does not skew it."""
    rows = []
    methods_bar = bar(methods, "speed", unit="method")
    for method in methods_bar:
        methods_bar.set_postfix_str(method.label)
        if method.package is None:
            continue
        s = scale if scale in method.scales else method.scales[-1]
        row = {"method": method.label, "scale": s, "lr_size": lr_size}
        api, why = api_of(method)
        if api is None:
            rows.append({**row, "status": why})
            continue
        try:                                      # time the network inference runs (weights if any, fused)
            model, row["note"] = inference_model(api, method.model, s)
            img = np.random.default_rng(0).integers(0, 256, (lr_size, lr_size, 3), dtype=np.uint8)
            with torch.inference_mode():
                flops = count_flops(model, torch.rand(1, 3, lr_size, lr_size))
                # latency of what a user calls (api.upscale: its memory format, uint8 in and out)
                t0 = time.perf_counter()
                api.upscale(model, img)                # warm-up
                slow = time.perf_counter() - t0 > 10   # a 10 s run needs no median of many
                latency = measure_latency(lambda: api.upscale(model, img), warmup=0, repeats=1 if slow else repeats)
        except Exception as exc:
            rows.append({**row, "status": f"failed: {one_line(exc)}"})
            continue
        gflops = flops / latency / 1e9
        reference = max(machine["matmul_gflops"], matmul_gflops() if remeasure else 0.0)
        row.update(status="ok", params=count_parameters(model), flops=flops, latency_s=latency,
                   gflops=gflops, matmul_gflops=reference, efficiency=gflops / reference)
        if memory_size:
            max_gib = round(default_max_gib(), 1)
            row.update(memory_size=memory_size, tile=tile, max_gib=max_gib,
                       peak_mib_whole=_peak_memory(method, s, memory_size, None, max_gib),
                       peak_mib_tiled=_peak_memory(method, s, memory_size, tile, max_gib))
        rows.append(row)
    return rows


def _fmt(v, spec, missing="-"):
    return missing if v is None else format(v, spec)


def quality_table(rows):
    lines = ["| method | set | scale | PSNR/SSIM | NIQE | weights |", "|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("status") != "ok":
            lines.append(f"| {r['method']} | {r['set']} | x{r['scale']} | - | - | {r['status']} |")
            continue
        ps = f"{r['psnr']:.2f}/{r['ssim']:.4f}"
        if r.get("published"):
            ps += f" (published {r['published'][0]:.2f}/{r['published'][1]:.4f})"
        lines.append(f"| {r['method']} | {r['set']} | x{r['scale']} | {ps} | {_fmt(r.get('niqe'), '.3f')} "
                     f"| {r['weights']} |")
    return "\n".join(lines)


def _memory_cells(r):
    """(peak MiB whole / tiled, tiled / whole) of a speed row; '-' where not measured."""
    whole, tiled = r.get("peak_mib_whole"), r.get("peak_mib_tiled")
    if whole is None and tiled is None:
        return "-", "-"
    label = f"{r['memory_size']}px, tile {r['tile']}: "
    cells = [_fmt(v, ".0f") if not isinstance(v, str) else v for v in (whole, tiled)]
    if isinstance(tiled, float) and isinstance(whole, float) and whole > 0:
        ratio = f"{tiled / whole:.2f}"
    elif isinstance(tiled, float) and isinstance(whole, str):      # whole did not fit: an upper bound
        ratio = f"< {tiled / (r['max_gib'] * 1024):.2f}"
    else:
        ratio = "-"
    return label + " / ".join(cells), ratio


def speed_table(rows):
    lines = ["| method | scale | params | GFLOPs | latency (s) | GFLOP/s | of matmul | peak MiB whole / tiled "
             "| tiled / whole |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("status") != "ok":
            lines.append(f"| {r['method']} | x{r['scale']} | {r['status']} | | | | | | |")
            continue
        mem, ratio = _memory_cells(r)
        label = f"{r['method']} ({r['note']})" if r.get("note") else r["method"]
        lines.append(f"| {label} | x{r['scale']} | {r['params']:,} | {r['flops'] / 1e9:.1f} | "
                     f"{r['latency_s']:.3f} | {r['gflops']:.1f} | {r['efficiency']:.2f} | {mem} | {ratio} |")
    return "\n".join(lines)


def plots(quality_rows, speed_rows, out):
    """PSNR-vs-latency and PSNR-vs-parameters scatter plots of the methods that have both."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_method = {r["method"]: r for r in speed_rows if r.get("status") == "ok"}
    points = [(r, by_method[r["method"]]) for r in quality_rows
              if r.get("status") == "ok" and r["method"] in by_method and r["scale"] == by_method[r["method"]]["scale"]]
    written = []
    for key, xlabel, fname in (("latency_s", "latency (s)", "psnr_vs_latency.png"),
                               ("params", "parameters", "psnr_vs_params.png")):
        fig, ax = plt.subplots(figsize=(6, 4))
        for q, s in points:
            ax.scatter(s[key], q["psnr"])
            ax.annotate(f"{q['method']} {q['set']}", (s[key], q["psnr"]), fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("PSNR (dB, Y)")
        ax.set_title("no method with both weights and timings yet" if not points else "")
        path = os.path.join(out, fname)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14"])
    p.add_argument("--data_root", default=BUNDLED_ROOT, help="folder holding <Set>/HR (default: the bundled sets)")
    p.add_argument("--scales", nargs="+", type=int, default=[2, 3, 4])
    p.add_argument("--full", action="store_true", help="5 latency repeats and 1024x1024 whole-vs-tiled memory runs")
    p.add_argument("--lr_size", type=int, default=256, help="LR side for FLOPs and latency")
    p.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results"))
    args = p.parse_args(argv)
    if not os.path.isdir(args.data_root):
        print(f"error: {args.data_root}: no such folder", file=sys.stderr)
        return 2
    lr_size = args.lr_size
    machine = machine_info()
    print(f"torch {machine['torch']}, {machine['threads']} threads, {machine['cpu']}; "
          f"fp32 matmul {machine['matmul_gflops']:.1f} GFLOP/s")
    q = quality(METHODS, args.data_root, args.sets, args.scales)
    print(f"\nQuality ({convention('scale')}; NIQE of every method)\n" + quality_table(q))
    s = speed(METHODS, 4, lr_size, machine, repeats=5 if args.full else 2,
              memory_size=1024 if args.full else None, tile=256 if args.full else None, remeasure=True)
    print(f"\nSpeed (one {lr_size}x{lr_size} LR, fp32, batch 1)\n" + speed_table(s))
    os.makedirs(args.out, exist_ok=True)
    result = {"machine": machine, "quality": q, "speed": s}
    text = json.dumps(result, indent=2, default=str)
    atomic_write(os.path.join(args.out, "latest.json"), lambda tmp: pathlib.Path(tmp).write_text(text))
    pics = plots(q, s, args.out)
    from benchmarks.pictures import crop_grid, rmse_niqe_plot   # here: pictures imports this module
    pics += [crop_grid(METHODS, args.data_root, args.out), rmse_niqe_plot(q, args.out)]
    md = (f"# Benchmark\n\n{machine}\n\n## Quality\n\n{quality_table(q)}\n\n## Speed\n\n{speed_table(s)}\n\n"
          "## Pictures\n\n" + "".join(f"![{os.path.basename(p)}]({os.path.basename(p)})\n\n" for p in pics))
    atomic_write(os.path.join(args.out, "latest.md"), lambda tmp: pathlib.Path(tmp).write_text(md))
    print(f"\nwritten: {args.out}/latest.md, latest.json, " + ", ".join(map(os.path.basename, pics)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
