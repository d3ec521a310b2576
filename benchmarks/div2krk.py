"""DARSR's correction gain on a fixed DIV2KRK-style set, against its ceiling.

    python -m benchmarks.div2krk [--scale 2] [--images 10] [--skip 0] [--seed 0]
                                 [--arms raw analytic_true analytic darsr darsr_true]
                                 [--data_root ../shared/datasets]
                                 [--out benchmarks/results] [--threads 1] [--device cpu|cuda]

The set: 10 HR images (the first of B100 under ``--data_root`` when it is there, else the bundled Set5
and the first five of Set14; ``--skip 10 --seed 1`` gives the next ten with other kernels, a check set),
each centre-cropped to 512x512 at most (an x2 LR of at most 256x256), then
blurred with its own random anisotropic kernel and subsampled by ``darsr/make_div2krk.py`` (KernelGAN's
recipe, seed 0: the same set on every run), true kernels saved. Per image and as a mean: PSNR/SSIM
(Y, shave = scale) of SRFBN-S on

* ``raw``            the raw LR (no correction);
* ``analytic_true``  the LR corrected by the closed-form filter of the TRUE kernel (Hussein et al. 2020;
                     ``darsr.correction_filter``, eps ``--eps_true``): the ceiling of a kernel-based correction;
* ``analytic``       ``darsr --preset fast`` (``--correction analytic``): G and D trained as in KernelGAN, then the
                     closed-form filter of G's kernel (honest: the GT only scores);
* ``darsr``          ``darsr --preset fast --correction darm``: the paper's learned correction (DSEM, then
                     G/D/DARM) at the fast schedule, honest;
                     its kernel is also scored through the closed-form filter (``darsr_kernel_analytic``);
* ``darsr_true``     the same with the TRUE kernel in G's place (G and D not trained): the ceiling of DARM's
                     correction stage (x2 only: there the true kernels are 13x13 on G's sampling grid).

plus seconds per image and the kernel error (sum of squared differences after aligning centres of mass;
the bicubic kernel's is given for scale). Writes ``div2krk_x<s>.md`` and ``.json`` under ``--out``.
"""
import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

import numpy as np
import torch
from scipy.ndimage import center_of_mass, shift

from benchmarks.bicubic import BUNDLED_ROOT, find_set
from benchmarks.progress import bar
from common.io import atomic_write, imread, scan_images
from darsr import api, correction_filter
from darsr.learner import run_image
from darsr.losses import bicubic_x2_kernel
from darsr.make_div2krk import make
from darsr.options import make_config

ARMS = ("raw", "analytic_true", "analytic", "darsr", "darsr_true")
EPS_TRUE = 1e-3     # a true kernel needs little regularisation (+2.74 dB at 1e-3, +1.88 at 1e-2 on the x2 set)
CROP = 512


def _centred(k, size):
    """``k`` padded to ``size`` x ``size`` and shifted so its centre of mass is the grid centre."""
    out = np.zeros((size, size))
    o = (size - k.shape[0]) // 2
    out[o:o + k.shape[0], o:o + k.shape[1]] = k
    c = (size - 1) / 2
    return shift(out, np.array([c, c]) - center_of_mass(out), order=1, mode="constant")


def kernel_error(est, true):
    """Sum of squared differences after padding to one size and aligning the centres of mass."""
    size = max(est.shape[0], true.shape[0]) + 4
    return float(np.sum((_centred(est / est.sum(), size) - _centred(true / true.sum(), size)) ** 2))


def pick_images(data_root, n=10, skip=0, hr_set="B100"):
    """The set's HR files: ``hr_set``'s ``n`` after the first ``skip`` under ``data_root``, else bundled
    Set5 + Set14. (At x4 B100's LR, 80x120, is smaller than DARSR's smallest crop: use Urban100 there.)"""
    folder = find_set(data_root, hr_set) if data_root else None
    if folder:
        return scan_images(folder)[skip:skip + n]
    files = scan_images(find_set(BUNDLED_ROOT, "Set5")) + scan_images(find_set(BUNDLED_ROOT, "Set14"))
    return files[skip:skip + n]


def make_set(files, scale, out, seed=0):
    """LR/HR/kernel triples made by make_div2krk from ``files`` (linked into one folder first)."""
    src = os.path.join(out, "hr_source")
    os.makedirs(src, exist_ok=True)
    for i, path in enumerate(files):     # a numbered prefix keeps the order and the names unique
        link = os.path.join(src, f"{i:02d}_{os.path.basename(path)}")
        if not os.path.exists(link):
            os.symlink(os.path.abspath(path), link)
    return make(src, scale, out, seed=seed, crop=CROP)


def _score(sr, gt, scale):
    from common.evaluate import evaluate_pair
    r = evaluate_pair(sr, gt, scale)
    return round(r["psnr"], 3), round(r["ssim"], 4)


def run(files, scale, arms, preset="fast", seed=0, precision="fp32", eps=correction_filter.EPS, eps_true=EPS_TRUE,
        device="cpu"):
    """One row per image with the PSNR/SSIM of every arm; the mean row last."""
    sr_net = api.load("srfbn_s", scale)
    bicubic_k = bicubic_x2_kernel() if scale == 2 else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        made = make_set(files, scale, tmp, seed)
        for lr_path, gt_path, k_path in bar(made, f"DIV2KRK x{scale}", unit="image"):
            lr, gt, k_true = imread(lr_path), imread(gt_path), np.load(k_path)
            row = {"image": os.path.basename(lr_path)[3:], "lr": f"{lr.shape[1]}x{lr.shape[0]}"}
            if bicubic_k is not None:
                row["kernel_err_bicubic"] = round(kernel_error(bicubic_k, k_true), 5)
            if "raw" in arms:
                row["raw"] = _score(api.upscale(sr_net, lr), gt, scale)
            if "analytic_true" in arms:
                t0 = time.perf_counter()
                corrected = correction_filter.correct(lr, k_true, scale, eps=eps_true)
                row["analytic_true"] = _score(api.upscale(sr_net, corrected), gt, scale)
                row["seconds_analytic_true"] = round(time.perf_counter() - t0, 1)
            for arm, correction in (("analytic", "analytic"), ("darsr", "darm"), ("darsr_true", "darm")):
                if arm not in arms:
                    continue
                conf = make_config(scale_factor=scale, preset=preset, seed=seed, device=device, precision=precision,
                                   correction=correction, correction_eps=eps)
                known = k_true if arm == "darsr_true" else None
                out = run_image(lr, conf, gt=gt, name=lr_path, kernel=known)
                row[arm] = (round(out["psnr"], 3), round(out["ssim"], 4))
                row[f"seconds_{arm}"] = round(out["seconds"], 1)
                if known is not None:
                    continue
                k_est = out["kernel"][::-1, ::-1]                    # G's convolution form -> correlation
                row[f"kernel_err_{arm}"] = round(kernel_error(k_est, k_true), 5)
                if arm == "darsr":
                    fixed = correction_filter.correct(lr, correction_filter.shrink_kernel(k_est, scale), scale,
                                                      eps=eps)
                    row["darsr_kernel_analytic"] = _score(api.upscale(sr_net, fixed), gt, scale)
            rows.append(row)
    return rows + [mean_row(rows)]


def mean_row(rows):
    """Means over the images of every score, time and kernel error."""
    mean = {"image": "MEAN", "lr": ""}
    for key in rows[0]:
        vals = [r[key] for r in rows if key in r]
        if isinstance(vals[0], tuple):
            mean[key] = tuple(round(float(np.mean([v[i] for v in vals])), 4) for i in range(2))
        elif isinstance(vals[0], (int, float)):
            mean[key] = round(float(np.mean(vals)), 5)
    return mean


def table(rows, scale):
    """Markdown: PSNR/SSIM per arm with the gain over raw, seconds and kernel errors."""
    arms = [a for a in ARMS + ("darsr_kernel_analytic",) if a in rows[0]]
    extra = [k for k in rows[0] if k.startswith(("seconds_", "kernel_err_"))]
    head = "| image | LR | " + " | ".join(arms) + " | " + " | ".join(extra) + " |"
    lines = [head, "|" + "---|" * (2 + len(arms) + len(extra))]
    for r in rows:
        cells = []
        for a in arms:
            p, s = r[a]
            gain = f" ({p - r['raw'][0]:+.2f})" if "raw" in r and a != "raw" else ""
            cells.append(f"{p:.2f}/{s:.4f}{gain}")
        cells += [str(r.get(k, "")) for k in extra]
        lines.append(f"| {r['image']} | {r['lr']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.div2krk", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=2, choices=(2, 4))
    p.add_argument("--images", type=int, default=10)
    p.add_argument("--arms", nargs="+", default=None, choices=ARMS, help="default: all (x4: all but darsr_true)")
    p.add_argument("--data_root", default=None, help="folder holding B100/ (default: bundled Set5 + Set14)")
    p.add_argument("--preset", default="fast")
    p.add_argument("--precision", default="fp32")
    p.add_argument("--hr_set", default="B100", help="set under --data_root the HR images come from (x4: Urban100)")
    p.add_argument("--skip", type=int, default=0, help="leave out the first N images of the source set")
    p.add_argument("--seed", type=int, default=0, help="kernels' seed (and DARSR's)")
    p.add_argument("--eps", type=float, default=correction_filter.EPS, help="filter regularisation, estimated kernels")
    p.add_argument("--eps_true", type=float, default=EPS_TRUE, help="filter regularisation, the true kernel")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--device", default="cpu", help="DARSR's device (darsr --device): cpu, cuda or auto; "
                                                  "SRFBN-S scores on the CPU either way")
    p.add_argument("--out", default=os.path.join(BUNDLED_ROOT, os.pardir, "results"))
    a = p.parse_args(argv)
    a.arms = a.arms or [arm for arm in ARMS if a.scale == 2 or arm != "darsr_true"]
    if "darsr_true" in a.arms and a.scale != 2:
        p.error("--arms darsr_true is x2 only (the x4 true kernels do not sit on G's sampling grid)")
    if a.threads:
        torch.set_num_threads(a.threads)
    files = pick_images(a.data_root, a.images, a.skip, a.hr_set)
    t0 = time.perf_counter()
    rows = run(files, a.scale, a.arms, a.preset, a.seed, a.precision, a.eps, a.eps_true, a.device)
    source = a.hr_set if a.data_root else "bundled Set5+Set14"
    md = (f"DIV2KRK-style x{a.scale}, {len(files)} images ({source}), SRFBN-S; PSNR/SSIM on Y, shave {a.scale}; "
          f"images {a.skip}-{a.skip + len(files) - 1}, seed {a.seed}; preset {a.preset}, precision {a.precision}, device {a.device}, "
          f"eps {a.eps:g} (true kernel {a.eps_true:g}), shrink {correction_filter.SHRINK:g}; "
          f"{torch.get_num_threads()} threads\n\n"
          + table(rows, a.scale))
    print(md)
    os.makedirs(a.out, exist_ok=True)
    stem = os.path.join(a.out, f"div2krk_x{a.scale}")
    atomic_write(stem + ".md", lambda tmp: pathlib.Path(tmp).write_text(md + "\n"))
    text = json.dumps(rows, indent=2)
    atomic_write(stem + ".json", lambda tmp: pathlib.Path(tmp).write_text(text))
    print(f"\n{time.perf_counter() - t0:.0f} s; written: {stem}.md, {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
