"""The discriminator ablation's table, RMSE-vs-NIQE plot and crop grid, from the runs of scripts/fasrgan_ablation.sh.

    python -m fasrgan.ablation [--dir_experiment experiments/fasrgan_ablation] [--data_root ../shared/datasets]
                               [--sets Set5 Set14 B100] [--out_dir fasrgan/docs] [--threads 1]

Runs are the folders ``<dir>/<arm>_s<seed>`` (arms esrgan, fasrgan, fssrgan) and the PSNR stages
``<dir>/rrdb_psnr`` and ``<dir>/fs_rrdb_psnr`` that hold a training state; each is taken at its newest state
(the networks that state names). Every HR image of a set is mod-cropped to 4, its MATLAB-bicubic x4 LR is
upscaled by the run's generator (Fs-SRGAN: G(E(.))) and scored as fasrgan/test.py scores: PSNR/SSIM on the Y
of MATLAB rgb2ycbcr with 4 pixels shaved, NIQE on Y without shave. Scores are kept in ``<run>/eval.json``
(for the iteration they belong to) and bicubic's in ``<dir>/eval_bicubic.json``. Prints a markdown table
(mean over seeds ± half the spread, (max - min) / 2) and writes ``fasrgan_ablation_rmse_niqe.png`` and
``fasrgan_ablation_grid.png`` to the output folder.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import torch

from common.curves import save_image_grid
from common.degradations import bi, modcrop
from common.experiment import latest_state
from common.imresize import imresize
from common.io import atomic_write, find_benchmark_set, imread, load_checkpoint, scan_images
from common.metrics import calculate_psnr
from fasrgan import api
from fasrgan.test import score as score_pair

SCALE = 4
ARMS = {   # folder prefix: (label, api model)
    "esrgan": ("ESRGAN (one-score VGG D)", "fasrgan"),
    "fasrgan": ("FASRGAN (U-Net attention D)", "fasrgan"),
    "fssrgan": ("Fs-SRGAN (E shared by G and D)", "fs_srgan"),
}
STAGES = {   # PSNR-stage folder: (label, api model)
    "rrdb_psnr": ("PSNR stage, RRDBNet (start of ESRGAN, FASRGAN)", "fasrgan"),
    "fs_rrdb_psnr": ("PSNR stage, E + G (start of Fs-SRGAN)", "fs_srgan"),
}
SHORT = {"esrgan": "ESRGAN", "fasrgan": "FASRGAN", "fssrgan": "Fs-SRGAN", "rrdb_psnr": "RRDB PSNR",
         "fs_rrdb_psnr": "Fs PSNR"}
GRID_SET = "Set14"
GRID_PICKS = (("baboon", 300, 340), ("comic", 60, 60), ("zebra", 80, 240))   # image, top, left of the HR crop
GRID_SIZE = 128   # HR pixels of a crop
GRID_MARGIN = 16  # LR pixels of context around a crop's LR window
BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def read_run(folder):
    """{"iter", "folder", "G", "E", "D"} of the newest training state in ``folder`` (E, D: None when the run
    has none), or None when it holds no state."""
    state_path = latest_state(os.path.join(folder, "training_states"))
    if state_path is None:
        return None
    state = load_checkpoint(state_path, key=None)
    it = int(state["iter"])
    names = state.get("networks") or {k: f"net_{k}_{it}.pth" for k in ("G", "E", "D")
                                      if os.path.isfile(os.path.join(folder, "models", f"net_{k}_{it}.pth"))}
    run = {"iter": it, "folder": folder}
    for k in ("G", "E", "D"):
        run[k] = os.path.join(folder, "models", names[k]) if k in names else None
    return run


def read_runs(folder):
    """({arm: {seed: run}}, {stage: run}) of the runs in ``folder`` that hold a training state."""
    arms, stages = {}, {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name)
        m = re.fullmatch(r"([a-z]+)_s(\d+)", name)
        if not os.path.isdir(path) or not (name in STAGES or (m and m.group(1) in ARMS)):
            continue
        run = read_run(path)
        if run is None:
            continue
        if name in STAGES:
            stages[name] = run
        else:
            arms.setdefault(m.group(1), {})[int(m.group(2))] = run
    return arms, stages


def load_generator(model, run):
    """The run's LR -> SR network: G, or G(E(.)) for Fs-SRGAN (eval mode)."""
    if model == "fs_srgan":
        return api.load("fs_srgan", SCALE, weights=(run["E"], run["G"]))
    return api.load("fasrgan", SCALE, weights=run["G"])


def net_upscaler(net):
    return lambda lr, shape: api.upscale(net, lr)


def bicubic_upscaler(lr, shape):
    return imresize(lr, output_shape=shape[:2])


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def count_file_params(path):
    """Parameters in a saved network (BatchNorm running statistics are buffers, not counted)."""
    state = load_checkpoint(path)
    return sum(v.numel() for k, v in state.items() if not k.endswith(BN_BUFFERS))




def read_hr(path):
    """An HR image mod-cropped to the scale; gray is repeated to RGB (as the training data)."""
    hr = imread(path)
    if hr.ndim == 2:
        hr = np.repeat(hr[:, :, None], 3, axis=2)
    return modcrop(hr, SCALE)


def score_set(upscale, folder):
    """Means over the images of ``folder``: PSNR, SSIM (Y, shave 4), NIQE (Y, no shave; images where it is
    undefined left out) and RMSE on Y (per image 255 * 10^(-PSNR/20)). ``upscale(lr, hr_shape)`` gives the SR."""
    rows = []
    for path in scan_images(folder):
        hr = read_hr(path)
        rows.append(score_pair(upscale(bi(hr, SCALE), hr.shape), hr, SCALE))
    niqe = [r["niqe"] for r in rows if r["niqe"] is not None]
    return {"psnr": float(np.mean([r["psnr_y"] for r in rows])), "ssim": float(np.mean([r["ssim_y"] for r in rows])),
            "niqe": float(np.mean(niqe)) if niqe else None,
            "rmse": float(np.mean([255 * 10 ** (-r["psnr_y"] / 20) for r in rows])), "images": len(rows)}


def evaluate(cache, iteration, sets, make_upscaler):
    """{set: scores} for ``sets`` ({name: HR folder}), read from the JSON file ``cache`` when it holds them for
    ``iteration``; the missing ones are computed with ``make_upscaler()`` and added to it."""
    done = {}
    if os.path.exists(cache):
        with open(cache) as f:
            done = json.load(f)
    if done.get("iter") != iteration:
        done = {"iter": iteration, "scores": {}}
    upscale = None
    for name, folder in sets.items():
        if name in done["scores"]:
            continue
        upscale = upscale or make_upscaler()
        done["scores"][name] = score_set(upscale, folder)
        write_json(cache, done)
    return {name: done["scores"][name] for name in sets}


def write_json(path, obj):
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=1)
    atomic_write(path, write)


def mean_spread(values, digits, spread=True):
    """'mean ± (max - min) / 2' of the non-None values ('n/a' when none; no spread when not ``spread``)."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    text = f"{np.mean(values):.{digits}f}"
    return text + f" ± {(max(values) - min(values)) / 2:.{digits}f}" if spread else text


def cell(scores, name, spread):
    """'PSNR / SSIM / NIQE' of one set over the given runs' scores."""
    got = [s[name] for s in scores if name in s]
    if not got:
        return "–"
    return " / ".join(mean_spread([g[k] for g in got], d, spread) for k, d in (("psnr", 3), ("ssim", 4), ("niqe", 3)))


def table(rows, set_names):
    """Markdown table; ``rows``: [(label, G params, D params, seeds, iterations, [scores of each run], spread)]."""
    lines = ["| arm (perceptual weight 0 in every arm) | G params | D params | seeds | iterations | "
             + " | ".join(f"{s} PSNR / SSIM / NIQE" for s in set_names) + " |",
             "|---|---|---|---|---|" + "---|" * len(set_names)]
    for label, g, d, seeds, iters, scores, spread in rows:
        lines.append(f"| {label} | {g} | {d} | {seeds} | {iters} | "
                     + " | ".join(cell(scores, s, spread) for s in set_names) + " |")
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_rmse_niqe(path, set_name, arms, stages, bicubic):
    """x: RMSE on Y, y: NIQE on ``set_name``. ``arms``: {arm: [scores of each seed]} (a dot per seed, a star for
    the mean); ``stages``: {stage: scores} and ``bicubic`` (squares). Scores without NIQE are left out."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, arm in enumerate(ARMS):
        pts = [(s["rmse"], s["niqe"]) for s in arms.get(arm, []) if s.get("niqe") is not None]
        if not pts:
            continue
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=25, color=f"C{k}", alpha=0.5, label=f"{ARMS[arm][0]}, each seed")
        ax.scatter(np.mean(xs), np.mean(ys), s=180, marker="*", color=f"C{k}",
                   label=f"{ARMS[arm][0]}, mean of {len(pts)}")
        ax.annotate(SHORT[arm], (np.mean(xs), np.mean(ys)), xytext=(6, 4), textcoords="offset points", fontsize=8)
    refs = [(STAGES[s][0], SHORT[s], stages[s], f"C{7 + j}") for j, s in enumerate(STAGES) if s in stages]
    refs.append(("Bicubic", "Bicubic", bicubic, "black"))
    for label, short, s, color in refs:
        if s.get("niqe") is None:
            continue
        ax.scatter(s["rmse"], s["niqe"], s=50, marker="s", color=color, label=label)
        ax.annotate(short, (s["rmse"], s["niqe"]), xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.margins(0.15)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("RMSE on Y (lower = more faithful)")
    ax.set_ylabel("NIQE on Y (lower = more natural)")
    ax.set_title(f"{set_name} x{SCALE}: discriminator ablation, perceptual weight 0 (lower left is better)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return path


def sr_crop(upscale, lr, top, left, n):
    """The SR of the LR window [top, top+n) x [left, left+n), upscaled with GRID_MARGIN LR pixels of context."""
    t0, l0 = max(top - GRID_MARGIN, 0), max(left - GRID_MARGIN, 0)
    window = lr[t0:top + n + GRID_MARGIN, l0:left + n + GRID_MARGIN]
    sr = upscale(window, (window.shape[0] * SCALE, window.shape[1] * SCALE))
    y, x = (top - t0) * SCALE, (left - l0) * SCALE
    return sr[y:y + n * SCALE, x:x + n * SCALE]


def crop_grid(path, set_name, folder, columns):
    """A row per GRID_PICKS image of ``folder`` (set ``set_name``): the HR crop, then each of ``columns``
    ({label: upscale}), with the crop's PSNR on Y below it. Returns the path, or None when no picked image is there."""
    n = GRID_SIZE // SCALE
    images = []
    for stem, top, left in GRID_PICKS:
        found = [p for p in scan_images(folder) if os.path.splitext(os.path.basename(p))[0] == stem]
        if not found:
            continue
        hr = read_hr(found[0])
        top = max(min(top, hr.shape[0] - GRID_SIZE), 0) // SCALE    # in LR pixels, the box inside the image
        left = max(min(left, hr.shape[1] - GRID_SIZE), 0) // SCALE
        images.append((stem, bi(hr, SCALE), hr[top * SCALE:(top + n) * SCALE, left * SCALE:(left + n) * SCALE],
                       top, left))
    if not images:
        return None
    plt = _pyplot()
    cols = 1 + len(columns)
    fig, axes = plt.subplots(len(images), cols, figsize=(2.1 * cols, 2.4 * len(images)), squeeze=False,
                             layout="constrained")
    for i, (stem, lr, hr_crop, top, left) in enumerate(images):
        axes[i, 0].imshow(hr_crop)
        axes[i, 0].set_title("HR", fontsize=9)
        axes[i, 0].set_ylabel(stem, fontsize=9)
        for j, (label, upscale) in enumerate(columns.items(), start=1):
            crop = sr_crop(upscale, lr, top, left, n)
            axes[i, j].imshow(crop)
            axes[i, j].set_title(label, fontsize=9)
            axes[i, j].set_xlabel(f"{calculate_psnr(crop, hr_crop, 0):.2f} dB", fontsize=9)
    return save_image_grid(fig, axes, f"{set_name} x{SCALE}, {GRID_SIZE}x{GRID_SIZE} HR crops, PSNR on Y of the "
                           "crop below each; perceptual weight 0 in every arm", path)


def grid_columns(arms, stages):
    """{label: upscale} of the grid: bicubic, each PSNR stage, the lowest seed of each arm."""
    columns = {"Bicubic": bicubic_upscaler}
    for s in STAGES:
        if s in stages:
            columns[SHORT[s]] = net_upscaler(load_generator(STAGES[s][1], stages[s]))
    for arm in ARMS:
        if arm in arms:
            seed = min(arms[arm])
            columns[f"{SHORT[arm]} s{seed}"] = net_upscaler(load_generator(ARMS[arm][1], arms[arm][seed]))
    return columns


def run_row(label, model, runs, scores, spread):
    """A table row for the runs of one arm or stage ({seed or name: run})."""
    first = runs[min(runs)]
    g = f"{count_params(load_generator(model, first)):,}"
    d = f"{count_file_params(first['D']):,}" if first["D"] else "–"
    seeds = ", ".join(map(str, sorted(runs))) if spread else "–"
    iters = "/".join(str(i) for i in sorted({r["iter"] for r in runs.values()}))
    return label, g, d, seeds, iters, scores, spread


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m fasrgan.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--dir_experiment", default="experiments/fasrgan_ablation")
    p.add_argument("--data_root", default="../shared/datasets", help="folder holding Set5/, Set14/, B100/")
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14", "B100"])
    p.add_argument("--out_dir", default="fasrgan/docs", help="folder for the two PNG files")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    arms, stages = read_runs(a.dir_experiment)
    if not arms and not stages:
        print(f"error: {a.dir_experiment}: no ablation runs (<arm>_s<seed>, rrdb_psnr or fs_rrdb_psnr with a "
              "training state)", file=sys.stderr)
        return 1
    sets = {}
    for name in a.sets:
        folder = find_benchmark_set(name, a.data_root)
        if folder is None:
            print(f"note: {name} left out: not under {a.data_root or '(no data root)'} nor benchmarks/data")
        else:
            sets[name] = folder
    for arm in ARMS:
        if arm not in arms:
            print(f"note: no {arm}_s<seed> run with a training state in {a.dir_experiment}")
    for stage in STAGES:
        if stage not in stages:
            print(f"note: no {stage} run with a training state in {a.dir_experiment}")

    def scores_of(model, run):
        return evaluate(os.path.join(run["folder"], "eval.json"), run["iter"], sets,
                        lambda: net_upscaler(load_generator(model, run)))

    bicubic = evaluate(os.path.join(a.dir_experiment, "eval_bicubic.json"), 0, sets, lambda: bicubic_upscaler)
    stage_scores = {s: scores_of(STAGES[s][1], run) for s, run in stages.items()}
    arm_scores = {arm: {seed: scores_of(ARMS[arm][1], run) for seed, run in runs.items()}
                  for arm, runs in arms.items()}

    rows = [("Bicubic", "–", "–", "–", "–", [bicubic], False)]
    rows += [run_row(STAGES[s][0], STAGES[s][1], {s: stages[s]}, [stage_scores[s]], False)
             for s in STAGES if s in stages]
    rows += [run_row(ARMS[arm][0], ARMS[arm][1], arms[arm], [arm_scores[arm][seed] for seed in sorted(arms[arm])],
                     True) for arm in ARMS if arm in arms]
    print(f"x{SCALE}, {torch.get_num_threads()} thread(s), torch {torch.__version__}. Perceptual (VGG19) weight 0 in "
          "every arm. PSNR / SSIM on Y (MATLAB rgb2ycbcr), shave 4; NIQE on Y, no shave (as fasrgan/test.py); GAN "
          "arms: mean ± half the spread, (max - min) / 2, over seeds.")
    print("sets: " + ", ".join(f"{name} ({folder})" for name, folder in sets.items()) + "\n")
    print(table(rows, list(sets)))
    print("\nG params of Fs-SRGAN rows: E + G; D params: the head on E's features (E counted in G).")

    os.makedirs(a.out_dir, exist_ok=True)
    plot_set = GRID_SET if GRID_SET in sets else next(iter(sets), None)
    if plot_set is None:
        print("note: no set scored, no RMSE-vs-NIQE plot")
    else:
        path = plot_rmse_niqe(
            os.path.join(a.out_dir, "fasrgan_ablation_rmse_niqe.png"), plot_set,
            {arm: [arm_scores[arm][seed][plot_set] for seed in sorted(arms[arm])] for arm in arms},
            {s: stage_scores[s][plot_set] for s in stages}, bicubic[plot_set])
        print(f"written: {path}")
    grid_folder = find_benchmark_set(GRID_SET, a.data_root)
    path = None
    if grid_folder:
        path = crop_grid(os.path.join(a.out_dir, "fasrgan_ablation_grid.png"), GRID_SET, grid_folder,
                         grid_columns(arms, stages))
    print(f"written: {path}" if path else f"note: no {GRID_SET} image of the grid found, no crop grid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
