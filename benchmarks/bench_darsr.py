"""DARSR benchmark: blind x2 SR on a small DIV2KRK-style set made from bundled images.

    python -m benchmarks.bench_darsr [--threads 1] [--darm [--images 1] [--preset fast] [--num_iters 60]]
    python -m benchmarks.bench_darsr --stages [--threads 2]     # seconds per iteration of each stage

``rows()`` returns the correction row (the first 2 images of ``benchmarks.div2krk``'s bundled set:
SRFBN-S on the raw LR, after ``--correction analytic`` (honest) and after the closed-form filter of the
true kernel (the ceiling), with the kernel errors and seconds per image; about 3 minutes on one thread)
and one row with SRFBN-S's parameters, FLOPs and latency on a 256x256 LR. ``--darm`` adds DARSR's learned
correction (the fast preset cut to ``--num_iters``) on ``--images`` 256-pixel Set5 crops (seed 0; honest:
final iteration, the GT only scores).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch

from benchmarks.div2krk import kernel_error, pick_images
from benchmarks.div2krk import run as div2krk_run
from benchmarks.progress import bar
from benchmarks.model_stats import count_flops, count_parameters, measure_latency, median_seconds
from common.io import imread
from darsr import api
from darsr.data import PatchSampler
from darsr.learner import Learner, dsem_step, run_image
from darsr.losses import bicubic_x2_kernel
from darsr.make_div2krk import make
from darsr.networks import DSEM
from darsr.options import make_config

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "Set5", "HR")


def darsr_row(images=1, preset="fast", num_iters=None, crop=256, seed=0, **options):
    if num_iters:
        options["num_iters"] = num_iters
    conf = make_config(scale_factor=2, preset=preset, seed=seed, device="cpu", **options)
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        made = make(DATA, 2, tmp, seed=seed, crop=crop, limit=images)
        for lr_path, gt_path, k_path in bar(made, f"DARSR {preset} preset", unit="image"):
            out = run_image(imread(lr_path), conf, gt=imread(gt_path), name=lr_path)
            k_true = np.load(k_path)
            res.append((out["psnr_srfbns"], out["psnr"], out["ssim_srfbns"], out["ssim"],
                        kernel_error(out["kernel"][::-1, ::-1], k_true),
                        kernel_error(bicubic_x2_kernel().astype(np.float64), k_true), out["seconds"],
                        out["seconds_dsem"] / conf.dsem_iters, out["seconds_sr"] / conf.num_iters))
    m = np.mean(res, axis=0)
    return {"model": "DARSR (DARM + SRFBN-S)", "set": f"DIV2KRK-style x2, {len(res)} Set5 crop(s) {crop}px HR",
            "protocol": "honest", "preset": f"{preset} (SR {conf.num_iters} it, DSEM {conf.dsem_iters} it, "
                                            f"batch {conf.batch_size}, crop {conf.input_crop_size}, "
                                            f"DARM init {conf.darm_init}, normalized kernel {conf.normalize_kernel})",
            "psnr_srfbns_raw": round(m[0], 3), "psnr_corrected": round(m[1], 3),
            "ssim_srfbns_raw": round(m[2], 4), "ssim_corrected": round(m[3], 4),
            "kernel_err": round(m[4], 5), "kernel_err_bicubic": round(m[5], 5), "sec_per_image": round(m[6], 1),
            "sec_per_dsem_iter": round(m[7], 3), "sec_per_sr_iter": round(m[8], 3), "threads": torch.get_num_threads(),
            "device": "cpu"}


def srfbn_row(size=256, repeats=3):
    model = api.load("srfbn_s", 2)
    x = torch.rand(1, 3, size, size)
    flops = count_flops(model, x * 255)
    lat = measure_latency(lambda: api.sr_forward(model, x), warmup=1, repeats=repeats)
    return {"model": "SRFBN-S x2", "input": f"{size}x{size} LR", "params": count_parameters(model),
            "gflops": round(flops / 1e9, 1), "latency_s": round(lat, 3), "gflops_per_s": round(flops / 1e9 / lat, 1),
            "threads": torch.get_num_threads()}


def stage_times(presets=("fast", "paper"), size=256, repeats=3):
    """Seconds per DSEM iteration, per joint G/D/DARM iteration and per whole-image inference
    (median of ``repeats`` after a warm-up) for each preset, on a random ``size`` x ``size`` LR at x2."""
    lr = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    sr = api.load("srfbn_s", 2)
    out = []
    for preset in presets:
        conf = make_config(scale_factor=2, preset=preset, seed=0, device="cpu")
        sampler = PatchSampler(lr, 2, conf.input_crop_size, seed=0, device="cpu", name="random")
        dsem = DSEM()
        opt = torch.optim.Adam(dsem.parameters(), lr=1e-4)

        learner = Learner(conf, sr, DSEM().eval().requires_grad_(False), "cpu")
        lr_t = api.to_tensor(lr, "cpu")
        row = {"preset": preset, "batch": conf.batch_size, "crop": conf.input_crop_size,
               "threads": torch.get_num_threads()}
        for key, fn in (("sec_per_dsem_iter", lambda: dsem_step(dsem, opt, sampler.sample(conf.batch_size))),
                        ("sec_per_joint_iter", lambda: learner.step(sampler.sample(conf.batch_size), 5)),
                        (f"sec_infer_{size}px", lambda: learner.infer(lr_t))):
            row[key] = round(median_seconds(fn, warmup=1, repeats=repeats), 3)
        row["est_min_per_image"] = round((conf.dsem_iters * row["sec_per_dsem_iter"] + conf.num_iters *
                                          row["sec_per_joint_iter"] + 2 * row[f"sec_infer_{size}px"]) / 60, 1)
        out.append(row)
    return out


def correction_row(images=2):
    """Raw vs corrected vs ceiling on the first ``images`` of the bundled DIV2KRK-style set
    (``benchmarks.div2krk``): SRFBN-S on the raw LR, after ``--correction analytic`` (honest: KernelGAN's
    kernel, closed-form filter) and after the closed-form filter of the true kernel (the ceiling)."""
    files = pick_images(None, images)
    rows = div2krk_run(files, 2, ("raw", "analytic", "analytic_true"))
    m = rows[-1]
    return {"model": "DARSR --correction analytic (+ SRFBN-S)",
            "set": f"DIV2KRK-style x2 (benchmarks.div2krk), first {len(files)} bundled images",
            "protocol": "honest", "psnr_ssim_raw": m["raw"], "psnr_ssim_corrected": m["analytic"],
            "psnr_ssim_true_kernel_ceiling": m["analytic_true"],
            "gain_db": round(m["analytic"][0] - m["raw"][0], 2),
            "ceiling_gain_db": round(m["analytic_true"][0] - m["raw"][0], 2),
            "kernel_err": m["kernel_err_analytic"], "kernel_err_bicubic": m["kernel_err_bicubic"],
            "sec_per_image": m["seconds_analytic"], "threads": torch.get_num_threads()}


def rows(images=1, preset="fast", num_iters=60, darm=False, **options):
    """The benchmark's rows (list of dicts); ``options`` are darsr option overrides. ``darm``: also the
    learned correction (the fast preset cut to ``num_iters``) on ``images`` Set5 crops."""
    out = [correction_row()]
    if darm:
        out.append(darsr_row(images, preset, num_iters, **{"correction": "darm", **options}))
    return out + [srfbn_row()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=1)
    p.add_argument("--preset", default="fast")
    p.add_argument("--num_iters", type=int, default=60, help="SR iterations (0: the preset's); 60 fits ~3 min")
    p.add_argument("--darm", action="store_true",
                   help="also run DARSR's learned correction (DARM) on --images Set5 crops (--num_iters iterations)")
    p.add_argument("--stages", action="store_true",
                   help="only time each stage (DSEM, joint, inference) for the fast and paper presets")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: on a shared 2-core machine 2 spinning threads were >4x slower)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    for row in (stage_times() if a.stages else rows(a.images, a.preset, a.num_iters or None, a.darm)):
        width = max(len(k) for k in row)
        print("-" * 72)
        for k, v in row.items():
            print(f"{k:<{width}}  {v}")
    print("-" * 72)
    print(f"total {time.perf_counter() - t0:.0f} s; PSNR/SSIM on Y, shave 2 (common.metrics); "
          f"kernel_err = sum of squared differences after centring (bicubic kernel as a reference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
