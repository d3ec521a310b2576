"""DARSR per-image blind SR (Zhou et al., ICCV 2023), KernelGAN/DualSR-style command line.

    python darsr/main.py --input_dir LRx2 --gt_dir HR --scale_factor 2 --scale_factor_downsampler 0.5 \\
        --output_dir results [--preset fast] [--oracle] [--precision fp32|fp16|bf16]

For every image of --input_dir (sorted): writes <stem>x<s>_corrected.png, <stem>x<s>_SRFBNs.png,
<stem>x<s>_ours.png, <stem>x<s>_kernel.npy and <stem>x<s>_kernel.png into --output_dir (with
``_oracle`` before the extension under --oracle), appends to log.txt and writes
metrics_x<s>_<protocol>.csv. A bad image is one ``error:`` line (and a CSV row) and the others go on.
Exit status 1 if any image failed or the output cannot be written, 2 for bad options or folders (a
--precision this device cannot run included), 130 after Ctrl-C or SIGTERM: the outputs of the image
being written are finished and the CSV lists the images done.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import csv  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402

import numpy as np  # noqa: E402

from common.cli import UsageError, run_cli  # noqa: E402
from common.io import (ImageError, MissingError, atomic_write, imread, imwrite,  # noqa: E402
                       remove_stale_temps, scan_images, uninterrupted)
from darsr.options import ConfigError, parse  # noqa: E402

FIELDS = ("image", "protocol", "preset", "psnr_srfbns", "ssim_srfbns", "psnr_ours", "ssim_ours",
          "seconds", "seconds_dsem", "seconds_sr", "dsem_iters", "sr_iters", "status", "error")


def find_gt(gt_dir, lr_path, scale):
    """GT with the LR's file name, else the same stem (or the stem without 'x<s>') with any extension."""
    name = os.path.basename(lr_path)
    exact = os.path.join(gt_dir, name)
    if os.path.isfile(exact):
        return exact
    stem = os.path.splitext(name)[0]
    stems = {stem, stem[:-len(f"x{scale}")] if stem.endswith(f"x{scale}") else stem}
    for path in scan_images(gt_dir):
        if os.path.splitext(os.path.basename(path))[0] in stems:
            return path
    raise ImageError(f"{exact}: no ground truth for {lr_path} in {gt_dir}")


def save_kernel_plot(kernel, path, title):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 3.2))
    im = ax.imshow(kernel, cmap="viridis")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png", bbox_inches="tight"))
    plt.close(fig)


def write_csv(path, rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    done = [r for r in rows if r["status"] == "ok" and r.get("psnr_ours") != ""]
    if done:
        mean = {k: float(np.mean([r[k] for r in done])) for k in ("psnr_srfbns", "ssim_srfbns", "psnr_ours",
                                                                   "ssim_ours", "seconds")}
        writer.writerow(dict(image="MEAN", protocol=rows[0]["protocol"], preset=rows[0]["preset"],
                             status=f"{len(done)} images", **mean))

    def write(tmp):
        with open(tmp, "w", newline="") as f:
            f.write(buf.getvalue())
    atomic_write(path, write)


def _main(argv=None):
    try:
        conf = parse(argv)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not os.path.isdir(conf.input_dir):
        raise UsageError(f"{conf.input_dir}: --input_dir is not a folder (python darsr/make_div2krk.py makes LRx2/ "
                         f"and HR/ from the bundled Set5)")
    files = scan_images(conf.input_dir)
    if not files:
        raise UsageError(f"{conf.input_dir}: no images in --input_dir")
    if conf.gt_dir and not os.path.isdir(conf.gt_dir):
        raise UsageError(f"{conf.gt_dir}: --gt_dir is not a folder")
    import torch
    from common.precision import PrecisionError, check
    from darsr.learner import pick_device

    if conf.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available (use --device cpu or auto)")
    try:
        conf.precision = check(conf.precision, pick_device(conf.device))
    except PrecisionError as exc:
        raise UsageError(str(exc)) from None
    os.makedirs(conf.output_dir, exist_ok=True)
    remove_stale_temps(conf.output_dir)         # left by a run killed with kill -9

    s, tag = conf.scale_factor, "_oracle" if conf.oracle else ""
    label = ("ORACLE: results and PSNR selected by peeking at the GT (authors' protocol)" if conf.oracle
             else "honest: final iteration, GT used only for the reported metrics")
    csv_path = os.path.join(conf.output_dir, f"metrics_x{s}_{conf.protocol}.csv")
    with open(os.path.join(conf.output_dir, "log.txt"), "a") as log_file:
        def log(msg, err=False):
            print(msg, file=sys.stderr if err else sys.stdout, flush=True)
            log_file.write(msg + "\n")
            log_file.flush()

        rows = []
        try:
            _run_folder(conf, files, rows, log, label, tag)
        except KeyboardInterrupt:
            with uninterrupted():
                write_csv(csv_path, rows)
                log(f"interrupted after {len(rows)} of {len(files)} images; {csv_path} lists them")
            raise
        except FileNotFoundError as exc:        # e.g. the SRFBN-S weights: keep the message on the one line
            if isinstance(exc, MissingError) or exc.strerror is not None:
                raise
            raise MissingError(str(exc)) from None
        write_csv(csv_path, rows)
        failed = sum(r["status"] != "ok" for r in rows)
        done = [r for r in rows if r["status"] == "ok" and r["psnr_ours"] != ""]
        if done:
            log(f"mean over {len(done)} images (Y, shave {s}) [{conf.protocol}]: SRFBN-S "
                f"{np.mean([r['psnr_srfbns'] for r in done]):.2f} dB / {np.mean([r['ssim_srfbns'] for r in done]):.4f}  "
                f"ours {np.mean([r['psnr_ours'] for r in done]):.2f} dB / {np.mean([r['ssim_ours'] for r in done]):.4f}")
        log(f"Output is saved in '{conf.output_dir}' ({len(rows) - failed} done, {failed} failed)")
    return 1 if failed else 0


def _run_folder(conf, files, rows, log, label, tag):
    """DARSR on every file, appending one CSV row per image to ``rows`` (the rows done survive an interrupt)."""
    import torch
    from common.precision import cpu_capability
    from darsr.learner import estimate_seconds, pick_device, run_image

    s = conf.scale_factor
    log("*" * 60)
    log(f"DARSR {datetime.datetime.now().isoformat(timespec='seconds')}  protocol: {label}")
    if conf.correction == "analytic":
        log(f"x{s}  correction analytic: KernelGAN {conf.kernelgan_iters} it, batch {conf.batch_size}, crop "
            f"{conf.input_crop_size}, kernel x {conf.correction_shrink:g}, eps {conf.correction_eps:g}, "
            f"device {conf.device}, seed {conf.seed}")
    else:
        log(f"x{s}  preset {conf.preset}: DSEM {conf.dsem_iters} it, SR {conf.num_iters} it, batch {conf.batch_size}, "
            f"crop {conf.input_crop_size}, device {conf.device}, seed {conf.seed}")
    log(f"precision {conf.precision}, CPU {cpu_capability()}")
    try:
        minutes = estimate_seconds(imread(files[0]), conf) / 60
        log(f"estimated time per image like {os.path.basename(files[0])}: {minutes:.1f} min on {conf.device} "
            f"(iterations timed once each)")
        if conf.preset == "paper" and conf.correction == "darm" and pick_device(conf.device) == "cpu":
            log("the paper preset takes hours per image on a CPU; --preset fast takes minutes")
    except (ValueError, MemoryError, RuntimeError):
        pass                                    # the image loop below reports a bad first image
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        row = dict.fromkeys(FIELDS, "")
        row.update(image=os.path.basename(path), protocol=conf.protocol, preset=conf.preset)
        try:
            lr = imread(path)
            gt = imread(find_gt(conf.gt_dir, path, s)) if conf.gt_dir else None
            if gt is not None and gt.shape[:2] != (lr.shape[0] * s, lr.shape[1] * s):
                raise ImageError(f"{find_gt(conf.gt_dir, path, s)}: GT is {gt.shape[1]}x{gt.shape[0]}, expected "
                                 f"x{s} the LR {path} ({lr.shape[1] * s}x{lr.shape[0] * s})")
            log(f"input image: '{path}'" + (f"  ground truth: '{find_gt(conf.gt_dir, path, s)}'" if conf.gt_dir else ""))
            torch.manual_seed(conf.seed)
            res = run_image(lr, conf, gt=gt, name=path, progress=True, log=log)
        except (ValueError, MemoryError, RuntimeError) as exc:   # ImageError and DataError are ValueErrors
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if isinstance(exc, MemoryError):
                msg = "not enough memory for this image"
            msg = msg if path in msg else f"{path}: {msg}"
            log(f"error: {msg}", err=True)
            row.update(status="error", error=msg)
            rows.append(row)
            continue
        base = os.path.join(conf.output_dir, f"{stem}x{s}")
        with uninterrupted():
            imwrite(f"{base}_corrected{tag}.png", res["corrected"])
            imwrite(f"{base}_ours{tag}.png", res["ours"])
            imwrite(f"{base}_SRFBNs.png", res["srfbns"])
            kernel_path = f"{base}_kernel{tag}.npy"
            atomic_write(kernel_path, lambda tmp: np.save(tmp, res["kernel"]))
            save_kernel_plot(res["kernel"], f"{base}_kernel{tag}.png",
                             f"{stem} x{s} estimated kernel\n({conf.protocol}, preset {conf.preset})")
            row.update(status="ok", seconds=round(res["seconds"], 2), seconds_dsem=round(res["seconds_dsem"], 2),
                       seconds_sr=round(res["seconds_sr"], 2), dsem_iters=res["dsem_iters"],
                       sr_iters=res["num_iters"])
            line = f"{stem}: {res['seconds']:.1f} s"
            if gt is not None:
                row.update(psnr_srfbns=res["psnr_srfbns"], ssim_srfbns=res["ssim_srfbns"], psnr_ours=res["psnr"],
                           ssim_ours=res["ssim"])
                line += (f"  SRFBN-S {res['psnr_srfbns']:.2f} dB / {res['ssim_srfbns']:.4f}  "
                         f"ours {res['psnr']:.2f} dB / {res['ssim']:.4f}  [{conf.protocol}]")
            rows.append(row)
            log(line)


def main(argv=None):
    return run_cli(_main, argv, prog="darsr/main.py",
                   resume_hint="the metrics CSV in --output_dir lists the images done; rerun the others")


if __name__ == "__main__":
    sys.exit(main())
