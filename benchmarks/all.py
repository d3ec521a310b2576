"""``make bench`` and ``make bench-quick``: every benchmark stage in one process, with progress and a summary.

    python -m benchmarks.all [--quick] [--out DIR]

One bar runs over the stages (its ETA weighs each stage by its usual share of the run), each stage
shows a bar over its methods, and the tables each stage prints appear above the bars. Each stage's
printed output is also written to ``<out>/<stage>.txt``; at the end one summary names every table and
picture written. ``--quick`` runs only the quality and speed tables on Set5 x4 (a 64x64 LR for the
timings) into ``<out>/quick``: a first look in about a minute.
"""
import argparse
import contextlib
import importlib
import io
import os
import sys
import time

import torch
from tqdm import tqdm

from benchmarks.progress import print_above_bars

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "benchmarks", "results")

# (stage, module, arguments, usual seconds on 2 cores): the seconds only weigh the overall ETA
FULL = (
    ("quality and speed", "benchmarks.run", [], 150),
    ("bicubic baseline", "benchmarks.bicubic", ["--sets", "Set5", "Set14", "--scales", "2", "3", "4"], 10),
    ("evaluation speed", "benchmarks.metrics_speed", ["--n", "100"], 15),
    ("DGPNet fusion", "benchmarks.bench_dgpnet", [], 20),
    ("DARSR correction", "benchmarks.bench_darsr", [], 180),
    ("inference modes", "benchmarks.bench_inference_modes", ["--lr_size", "64", "--repeats", "2"], 30),
    ("training steps", "benchmarks.bench_training", [], 120),
)
QUICK = (
    ("quality and speed (Set5 x4)", "benchmarks.run", ["--sets", "Set5", "--scales", "4", "--lr_size", "64"], 45),
)
# stages that write their own files take --out; the others' printed tables are saved as text
TAKES_OUT = {"benchmarks.run", "benchmarks.bench_training"}


class _Tee(io.StringIO):
    """Keeps what a stage prints while passing it on."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream

    def write(self, text):
        self.stream.write(text)
        return super().write(text)

    def flush(self):
        self.stream.flush()


def _file_name(stage):
    return "".join(c if c.isalnum() else "_" for c in stage.lower()).strip("_") + ".txt"


def run_stage(module, argv):
    """Call ``module.main(argv)`` and return its exit code; the caller's torch thread count is kept."""
    threads = torch.get_num_threads()
    try:
        code = importlib.import_module(module).main(argv)
    except SystemExit as exc:                      # argparse errors
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        torch.set_num_threads(threads)
    return code or 0


def _shown(path):
    """``path`` relative to the working folder when it lies inside it, else absolute."""
    rel = os.path.relpath(path)
    return os.path.abspath(path) if rel.startswith("..") else rel


def written_since(folder, t0):
    """Files under ``folder`` modified since ``t0``, sorted."""
    found = []
    for base, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            if not name.startswith(".") and os.path.getmtime(path) >= t0:
                found.append(path)
    return sorted(found)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.all", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="Set5 x4 only: the quality and speed tables (~1 min)")
    p.add_argument("--out", default=DEFAULT_OUT, help="folder for tables and pictures (default benchmarks/results)")
    args = p.parse_args(argv)
    stages = QUICK if args.quick else FULL
    out = os.path.join(args.out, "quick") if args.quick else args.out
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    failed = []
    overall = tqdm(total=sum(s[3] for s in stages), desc="bench", unit="s", dynamic_ncols=True, file=sys.stderr,
                   bar_format="{desc}{percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")
    for k, (stage, module, stage_argv, weight) in enumerate(stages, start=1):
        overall.set_description(f"bench {k}/{len(stages)}: {stage}")
        stage_argv = stage_argv + (["--out", out] if module in TAKES_OUT else [])
        tee = _Tee(sys.stdout)
        with contextlib.redirect_stdout(tee), print_above_bars():
            print(f"\n== {stage} (python -m {module} {' '.join(stage_argv)})")
            code = run_stage(module, stage_argv)
        if module not in TAKES_OUT:
            with open(os.path.join(out, _file_name(stage)), "w") as f:
                f.write(tee.getvalue())
        if code:
            failed.append(f"{stage} (exit {code})")
        overall.update(weight)
    overall.close()
    files = written_since(out, t0)
    tables = [f for f in files if f.endswith((".md", ".txt", ".json"))]
    pictures = [f for f in files if f.endswith(".png")]
    print(f"\nbench done in {time.time() - t0:.0f} s; written to {_shown(out)}/:")
    print("  tables:   " + (", ".join(os.path.relpath(f, out) for f in tables) or "none"))
    print("  pictures: " + (", ".join(os.path.relpath(f, out) for f in pictures) or "none"))
    print(f"  overview: {_shown(os.path.join(out, 'latest.md'))} (the quality and speed tables with their pictures)")
    if failed:
        print("failed stages: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
