"""GDSR's ablation at the reduced size: the table, the RMSE-vs-NIQE plot and a crop grid, from the runs of
scripts/gdsr_ablation.sh.

    python -m gdsr.ablation --dir_experiment experiments/gdsr_ablation [--data_root ../shared/datasets]
                            [--sets Set5 Set14 B100] [--out_dir gdsr/docs] [--threads 1]

Runs: ``<dir>/pretrain`` (stage 1, "stage 1 (L1)") and ``<dir>/<arm>_s<seed>`` for the arms full, noguide and
hfonly. A run counts when it is finished: ``models/<niter>_G.pth`` exists, ``niter`` read from its newest
``log/options_*.json``, whose ``network_G`` (with the switches ``guidance`` and ``mask``) builds the generator.
Each finished run is scored on each set: MATLAB-bicubic x4 LR of the mod-cropped HR, the whole image through
the generator in fp32, and for each output (SR_fused, SR_low, SR_high) the mean PSNR / SSIM on Y (shave 4),
RMSE on Y (from each image's PSNR) and NIQE (the SR's Y, shave 4, as gdsr/test.py; images too small for NIQE
left out). The means are kept in ``<run>/eval.json`` under the run's iteration, so a rerun scores only what is
new; bicubic upscaling of the same LR is scored the same way (``<dir>/eval_bicubic.json``).

Prints a markdown table (mean ± half the spread, (max - min) / 2, over seeds) and writes
``<out_dir>/gdsr_ablation_rmse_niqe.png`` and ``<out_dir>/gdsr_ablation_grid.png``.
"""
import argparse
import glob
import json
import math
import os
import re
import sys
import warnings

import numpy as np
import torch

from common.degradations import bi, modcrop
from common.evaluate import evaluate_pair
from common.experiment import latest_state
from common.imresize import imresize
from common.io import atomic_write, find_benchmark_set, imread, scan_images
from common.metrics import calculate_niqe
from common.upscale import check_image, to_tensor, to_uint8
from gdsr import api
from gdsr.models.base_model import G_KEYS

SCALE = 4
OUTPUTS = ("fused", "low", "high")
ARMS = {
    "full": "GDSR",
    "noguide": "GDSR without guidance",
    "hfonly": "high-frequency branch alone",
}
STAGE1 = "pretrain"
STAGE1_LABEL = "stage 1 (L1)"
GRID_IMAGES = ("baboon", "comic", "zebra")
GRID_CROP = 128          # HR pixels
GRID_CONTEXT = 32        # LR pixels of context around a crop (api.DEFAULT_OVERLAP)


def read_options(run_folder, newest=True):
    """The completed options of the run's newest (or first) start, ``log/options_<time>.json``, or None."""
    found = sorted(glob.glob(os.path.join(run_folder, "log", "options_*.json")))
    if not found:
        return None
    with open(found[-1 if newest else 0]) as f:
        return json.load(f)


def find_runs(folder):
    """(runs, notes): runs is a list of {"name", "arm", "seed", "iter", "weights", "opt", "folder"} of the
    finished runs (stage 1 first, then the arms in ARMS' order, seeds ascending); notes says what was left out."""
    found, notes = [], []
    candidates = [(STAGE1, STAGE1, None)]
    for path in sorted(glob.glob(os.path.join(folder, "*_s*"))):
        m = re.fullmatch(r"(\w+)_s(\d+)", os.path.basename(path))
        if m and m.group(1) in ARMS:
            candidates.append((os.path.basename(path), m.group(1), int(m.group(2))))
    for name, arm, seed in candidates:
        run_folder = os.path.join(folder, name)
        if not os.path.isdir(run_folder):
            continue
        opt = read_options(run_folder)
        if opt is None:
            notes.append(f"{name}: no log/options_*.json, left out")
            continue
        niter = opt["train"]["niter"]
        weights = os.path.join(run_folder, "models", f"{niter}_G.pth")
        if not os.path.isfile(weights):
            state = latest_state(os.path.join(run_folder, "training_states"))
            at = os.path.basename(state).split(".")[0] if state else "0"
            notes.append(f"{name}: not finished (iteration {at} of {niter}), left out")
            continue
        # a resumed start records no pretrained file (the state's networks are loaded): the first start's
        started_from = read_options(run_folder, newest=False)["path"]["pretrain_model_G"]
        found.append({"name": name, "arm": arm, "seed": opt["train"]["manual_seed"] if seed is None else seed,
                      "iter": niter, "weights": weights, "opt": opt, "folder": run_folder,
                      "started_from": started_from})
    order = [STAGE1] + list(ARMS)
    found.sort(key=lambda r: (order.index(r["arm"]), r["seed"]))
    return found, notes


def load_generator(run):
    """The run's final generator, built with its own network_G (switches included), eval mode, CPU."""
    g = run["opt"]["network_G"]
    return api.load("gdsr", run["opt"]["scale"], weights=run["weights"], **{k: g[k] for k in G_KEYS})


def hr_and_lr(path):
    """(HR mod-cropped to x4, its MATLAB-bicubic x4 LR as uint8 HxWx3)."""
    hr = modcrop(imread(path), SCALE)
    return hr, check_image(bi(hr, SCALE))


def niqe_or_nan(sr):
    """NIQE (Y, shave 4); nan for an image with fewer than two 96x96 blocks, or a flat one (no features)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(calculate_niqe(sr, SCALE))
    except ValueError:
        return float("nan")


def sr_outputs(net, lr):
    """{"fused", "low", "high": uint8 HxWx3, "mask": float HxW (mean over the 64 channels)} of one LR image."""
    with torch.inference_mode():
        out = api.forward_tiled(net, to_tensor(lr, "cpu"), keys=OUTPUTS + ("mask",))
    result = {k: to_uint8(out[k]) for k in OUTPUTS}
    result["mask"] = out["mask"][0].mean(0).numpy()
    return result


def bicubic_outputs(net, lr):
    """MATLAB-bicubic x4 upscaling, as an output named "fused" (``net`` is unused)."""
    return {"fused": imresize(lr, SCALE)}


def mean_scores(upscale, net, folder):
    """{output: {"psnr", "ssim", "rmse", "niqe"}} means over the images of ``folder``."""
    rows = {}
    for path in scan_images(folder):
        hr, lr = hr_and_lr(path)
        for key, sr in upscale(net, lr).items():
            if key == "mask":
                continue
            res = evaluate_pair(sr, hr, SCALE, names=(os.path.basename(path), path))
            res["rmse"] = 255.0 * 10 ** (-res["psnr"] / 20)      # RMSE on the same Y, shave 4
            res["niqe"] = niqe_or_nan(sr)
            rows.setdefault(key, []).append(res)
    means = {}
    for key, res in rows.items():
        niqe = [r["niqe"] for r in res if not math.isnan(r["niqe"])]
        means[key] = {m: float(np.mean([r[m] for r in res])) for m in ("psnr", "ssim", "rmse")}
        means[key]["niqe"] = float(np.mean(niqe)) if niqe else float("nan")
    return means


def cached_scores(cache_path, iteration, folders, score_set):
    """{set: {output: {metric: value}}} for ``iteration`` and each set of ``folders`` ({set: folder}), read from
    ``cache_path`` (JSON keyed by the iteration, then the set) or computed by ``score_set(folder)`` and added."""
    cache = {}
    if os.path.isfile(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    done = cache.setdefault(str(iteration), {})
    for name, folder in folders.items():
        if name not in done:
            done[name] = score_set(folder)
            atomic_write(cache_path, lambda tmp: _write_json(tmp, cache))
    return {name: done[name] for name in folders}


def _write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)


def evaluate_run(run, folders):
    """A run's scores per set and output (``<run>/eval.json``)."""
    net = []     # built on first use only: a fully cached run loads nothing

    def score_set(folder):
        if not net:
            net.append(load_generator(run))
        return mean_scores(sr_outputs, net[0], folder)

    return cached_scores(os.path.join(run["folder"], "eval.json"), run["iter"], folders, score_set)


def evaluate_bicubic(experiment, folders):
    """Bicubic upscaling's scores per set (``<experiment>/eval_bicubic.json``)."""
    return cached_scores(os.path.join(experiment, "eval_bicubic.json"), "bicubic", folders,
                         lambda folder: mean_scores(bicubic_outputs, None, folder))


def spread(values, digits):
    """'mean ± (max - min) / 2' of the values (the mean alone for one value)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ± {np.ptp(v) / 2:.{digits}f}"


def cell(score_list):
    """'PSNR / SSIM / NIQE' of a list of {"psnr", "ssim", "niqe"}, one per seed."""
    niqe = [s["niqe"] for s in score_list if not math.isnan(s["niqe"])]
    return " / ".join([spread([s["psnr"] for s in score_list], 2), spread([s["ssim"] for s in score_list], 4),
                       spread(niqe, 2) if niqe else "n/a"])


def groups(runs):
    """[(arm, label, [runs])] in table order: stage 1, then the arms."""
    out = []
    for arm, label in [(STAGE1, STAGE1_LABEL)] + list(ARMS.items()):
        members = [r for r in runs if r["arm"] == arm]
        if members:
            out.append((arm, label, members))
    return out


def table(runs, scores, bicubic, sets, params):
    """The markdown table: bicubic, then one row per arm and output."""
    lines = ["| arm | output | guidance / mask | seeds | iterations | "
             + " | ".join(f"{s} PSNR / SSIM / NIQE" for s in sets) + " | G params |",
             "|---|---|---|---|---|" + "---|" * (len(sets) + 1)]
    cells = [cell([bicubic[s]["fused"]]) if s in bicubic else "" for s in sets]
    lines.append("| bicubic | | | | | " + " | ".join(cells) + " | |")
    for arm, label, members in groups(runs):
        g = members[0]["opt"]["network_G"]
        switches = f"{'on' if g['guidance'] else 'off'} / {'on' if g['mask'] else 'off'}"
        seeds = ", ".join(str(r["seed"]) for r in members)
        iters = "/".join(str(i) for i in sorted({r["iter"] for r in members}))
        for output in OUTPUTS:
            cells = []
            for s in sets:
                got = [scores[r["name"]][s][output] for r in members if s in scores[r["name"]]]
                cells.append(cell(got) if got else "")
            lines.append(f"| {label} | {output} | {switches} | {seeds} | {iters} | " + " | ".join(cells)
                         + f" | {params[arm]:,} |")
    return "\n".join(lines)


def header(runs, sets, experiment):
    """The lines above the table: what was trained and how it was scored."""
    stage2 = [r for r in runs if r["arm"] != STAGE1]
    scoring = (f"MATLAB-bicubic LR; PSNR / SSIM on Y, shave {SCALE}; NIQE on the SR's Y, shave {SCALE} (lower is "
               f"better); fp32 inference on whole images; mean ± half the spread (max - min) / 2 over seeds; "
               f"sets: {', '.join(sets)}.")
    if not stage2:
        return f"GDSR ablation, x{SCALE}: stage 1 only (no stage-2 run finished yet).\n{scoring}"
    weights = sorted({r["opt"]["train"]["feature_weight"] for r in stage2})
    if weights == [0]:
        perceptual = "perceptual (VGG19) weight 0 in every arm (no ImageNet VGG19 file)"
    else:
        perceptual = f"perceptual (VGG19) weights {', '.join(map(str, weights))}"
    starts = sorted({os.path.relpath(r["started_from"], experiment) if r["started_from"] else "random init"
                     for r in stage2})
    if len(starts) == 1:
        start = f"stage 2 (RaGAN) of every arm from {starts[0]} (in {experiment})"
    else:
        start = f"the arms started from different generators ({', '.join(starts)})"
    return f"GDSR ablation, x{SCALE}: {start}; {perceptual}.\n{scoring}"


def plot_rmse_niqe(path, runs, scores, bicubic, set_name):
    """RMSE (Y) against NIQE on ``set_name``: every run's outputs (small), the means over seeds (large),
    stage 1 and bicubic. Returns False when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    markers = {"fused": "o", "low": "v", "high": "^"}
    fig, ax = plt.subplots(figsize=(10, 5.5))
    drawn = False
    for i, (arm, label, members) in enumerate(groups(runs)):
        color = f"C{i}"
        for output in OUTPUTS:
            pts = [(scores[r["name"]][set_name][output]["rmse"], scores[r["name"]][set_name][output]["niqe"])
                   for r in members if set_name in scores[r["name"]]]
            pts = [p for p in pts if not math.isnan(p[1])]
            if not pts:
                continue
            xs, ys = zip(*pts)
            if len(pts) > 1:
                ax.scatter(xs, ys, color=color, marker=markers[output], s=18, alpha=0.4)
            ax.scatter([np.mean(xs)], [np.mean(ys)], color=color, marker=markers[output], s=80,
                       edgecolors="black", label=f"{label}: {output}")
            drawn = True
    if set_name in bicubic and not math.isnan(bicubic[set_name]["fused"]["niqe"]):
        b = bicubic[set_name]["fused"]
        ax.scatter([b["rmse"]], [b["niqe"]], color="black", marker="x", s=80, label="bicubic")
        drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xlabel(f"RMSE (Y, shave {SCALE})")
    ax.set_ylabel("NIQE (lower is better)")
    ax.set_title(f"GDSR ablation, {set_name} x{SCALE}: distortion vs perceptual quality "
                 f"(NIQE in place of PI; small: seeds, large: mean)", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    finally:
        plt.close(fig)
    return True


def crop_box(shape, size=GRID_CROP):
    """(top, left, size) of the central crop, on the x4 grid, of an HR image of ``shape``."""
    size = min(size, shape[0], shape[1]) // SCALE * SCALE
    top = (shape[0] - size) // 2 // SCALE * SCALE
    left = (shape[1] - size) // 2 // SCALE * SCALE
    return top, left, size


def crop_outputs(net, lr, box):
    """The network's outputs on the HR crop ``box``, run on the LR crop with GRID_CONTEXT pixels of context."""
    top, left, size = (v // SCALE for v in box)
    t0, l0 = max(top - GRID_CONTEXT, 0), max(left - GRID_CONTEXT, 0)
    window = lr[t0:top + size + GRID_CONTEXT, l0:left + size + GRID_CONTEXT]
    out = sr_outputs(net, window)
    y, x, n = (top - t0) * SCALE, (left - l0) * SCALE, size * SCALE
    return {k: v[y:y + n, x:x + n] for k, v in out.items()}


def draw_grid(path, runs, set_name, folder, names):
    """Crops of HR, bicubic, stage 1, each arm's fused output (its first seed), and the full arm's low and high
    branches and mask (mean over its channels, gray), one row per image of ``names``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from common.curves import save_image_grid

    first = {arm: members[0] for arm, _, members in groups(runs)}
    nets = {arm: load_generator(run) for arm, run in first.items()}
    columns = ["HR", "bicubic"] + [STAGE1_LABEL if arm == STAGE1 else f"{arm}: fused (s{first[arm]['seed']})"
                                   for arm in first]
    if "full" in first:
        columns += ["full: low", "full: high", "full: mask"]
    fig, axes = plt.subplots(len(names), len(columns), figsize=(1.9 * len(columns), 2.1 * len(names)),
                             squeeze=False)
    for row, name in enumerate(names):
        hr, lr = hr_and_lr(os.path.join(folder, name))
        box = crop_box(hr.shape)
        top, left, size = box
        panels = [hr[top:top + size, left:left + size], imresize(lr, SCALE)[top:top + size, left:left + size]]
        outs = {arm: crop_outputs(net, lr, box) for arm, net in nets.items()}
        panels += [outs[arm]["fused"] for arm in first]
        if "full" in first:
            panels += [outs["full"]["low"], outs["full"]["high"], outs["full"]["mask"]]
        for col, (title, img) in enumerate(zip(columns, panels)):
            ax = axes[row, col]
            if img.ndim == 2:
                lim = (0, 1) if img.dtype != np.uint8 else (0, 255)
                ax.imshow(img, cmap="gray", vmin=lim[0], vmax=lim[1])
            else:
                ax.imshow(img)
            if row == 0:
                ax.set_title(title, fontsize=8)
            if col == 0:
                ax.set_ylabel(os.path.splitext(name)[0], fontsize=8)
    return save_image_grid(fig, axes, f"GDSR ablation, {set_name} x{SCALE}, central {GRID_CROP}-pixel crops", path)


def grid_images(folder):
    """File names of the grid's images in ``folder``: baboon, comic and zebra when there, else the first three."""
    files = [os.path.basename(p) for p in scan_images(folder)]
    stems = {os.path.splitext(f)[0]: f for f in files}
    if all(s in stems for s in GRID_IMAGES):
        return [stems[s] for s in GRID_IMAGES]
    return files[:3]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gdsr.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--dir_experiment", default="experiments/gdsr_ablation")
    p.add_argument("--data_root", default="../shared/datasets", help="folder holding Set5/, Set14/, B100/")
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14", "B100"])
    p.add_argument("--out_dir", default="gdsr/docs")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    runs, notes = find_runs(a.dir_experiment)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not runs:
        print(f"error: {a.dir_experiment}: no finished runs (pretrain or <arm>_s<seed> with models/<niter>_G.pth)",
              file=sys.stderr)
        return 1
    folders = {}
    for name in a.sets:
        folders[name] = find_benchmark_set(name, a.data_root)
        if folders[name] is None:
            print(f"note: {name} not found under {a.data_root or '(no data root)'} or benchmarks/data, skipped",
                  file=sys.stderr)
    folders = {name: folder for name, folder in folders.items() if folder}
    sets = list(folders)
    scores = {r["name"]: evaluate_run(r, folders) for r in runs}
    bicubic = evaluate_bicubic(a.dir_experiment, folders)
    params = {arm: sum(t.numel() for t in load_generator(members[0]).parameters()) for arm, _, members in groups(runs)}
    print(header(runs, sets, a.dir_experiment) + "\n")
    print(table(runs, scores, bicubic, sets, params))
    if not sets:
        print("note: no set was found; no plot or grid", file=sys.stderr)
        return 0
    os.makedirs(a.out_dir, exist_ok=True)
    plot_set = "Set14" if "Set14" in sets else sets[0]
    written = []
    plot_path = os.path.join(a.out_dir, "gdsr_ablation_rmse_niqe.png")
    if plot_rmse_niqe(plot_path, runs, scores, bicubic, plot_set):
        written.append(plot_path)
    else:
        print(f"note: no NIQE on {plot_set} (images too small or flat); no plot", file=sys.stderr)
    folder = folders[plot_set]
    written.append(draw_grid(os.path.join(a.out_dir, "gdsr_ablation_grid.png"), runs, plot_set, folder,
                             grid_images(folder)))
    print(f"\nwritten: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
