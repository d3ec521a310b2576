"""The bicubic baseline of SR papers' tables, computed with the project's MATLAB-exact pipeline.

    python -m benchmarks.bicubic --root benchmarks/data --sets Set5 Set14 --scales 2 3 4 [--degradation BI]

For each HR image: mod-crop to the scale, make the LR with the degradation (BI: MATLAB bicubic),
upscale it back with MATLAB bicubic, round to uint8, and score on Y shaving ``scale`` pixels.
A set folder is ``<root>/<Set>/HR`` (or ``<root>/<Set>`` holding the images). The published
numbers are printed beside ours. An image that cannot be read or is too small for the scale is
one ``error:`` line and left out of its set's mean (exit status 1); a bad flag exits with 2.
"""
import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

from common.degradations import DEGRADATIONS, degrade, modcrop
from common.cli import UsageError, run_cli
from common.evaluate import convention
from common.imresize import imresize
from common.io import ImageError, atomic_write, imread, scan_images
from common.metrics import calculate_psnr, calculate_ssim

BUNDLED_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# Published bicubic baselines (PSNR, SSIM). BI: EDSR/RCAN/RDN tables; BD and DN (x3): RDN, CVPR 2018, Table 3.
PUBLISHED = {
    "BI": {
        "Set5": {2: (33.66, 0.9299), 3: (30.39, 0.8682), 4: (28.42, 0.8104)},
        "Set14": {2: (30.24, 0.8688), 3: (27.55, 0.7742), 4: (26.00, 0.7027)},
        "B100": {2: (29.56, 0.8431), 3: (27.21, 0.7385), 4: (25.96, 0.6675)},
        "Urban100": {2: (26.88, 0.8403), 3: (24.46, 0.7349), 4: (23.14, 0.6577)},
        "Manga109": {2: (30.80, 0.9339), 3: (26.95, 0.8556), 4: (24.89, 0.7866)},
    },
    "BD": {"Set5": {3: (28.78, 0.8308)}, "Set14": {3: (26.38, 0.7271)}, "B100": {3: (26.33, 0.6918)},
           "Urban100": {3: (23.52, 0.6862)}, "Manga109": {3: (25.46, 0.8149)}},
    "DN": {"Set5": {3: (24.01, 0.5369)}, "Set14": {3: (22.87, 0.4724)}, "B100": {3: (22.92, 0.4449)},
           "Urban100": {3: (21.63, 0.4687)}, "Manga109": {3: (23.01, 0.5381)}},
}


def find_set(root, name):
    """The HR folder of a benchmark set, or None when it is not there."""
    for folder in (os.path.join(root, name, "HR"), os.path.join(root, name)):
        if os.path.isdir(folder) and scan_images(folder):
            return folder
    return None


def bicubic_sr(hr, scale, degradation="BI", seed=0):
    """(mod-cropped HR, bicubic SR) for one uint8 HR image."""
    hr = modcrop(hr, scale)
    lr = degrade(hr, scale, degradation, seed=seed)
    return hr, imresize(lr, output_shape=hr.shape[:2])


def score_set(hr_folder, scale, degradation="BI"):
    """Mean PSNR and SSIM of the bicubic baseline on one set, and the per-image rows.

    An image that cannot be used is a row with an ``error`` entry, left out of the means.
    """
    rows = []
    for i, path in enumerate(scan_images(hr_folder)):
        row = {"image": os.path.basename(path)}
        try:
            img = imread(path)
            least = 2 * scale + 11              # the 11x11 SSIM window after shaving `scale` per side
            if min(img.shape[:2]) < least:
                raise ImageError(f"{path}: {img.shape[1]}x{img.shape[0]} is too small to score at x{scale} "
                                 f"(at least {least}x{least})")
            hr, sr = bicubic_sr(img, scale, degradation, seed=i)
            row.update(psnr=calculate_psnr(sr, hr, scale), ssim=calculate_ssim(sr, hr, scale))
        except MemoryError:
            row["error"] = f"{path}: not enough memory for this image"
        except ValueError as exc:
            row["error"] = str(exc) if path in str(exc) else f"{path}: {exc}"
        rows.append(row)
    good = [r for r in rows if "error" not in r]
    return {"psnr": float(np.mean([r["psnr"] for r in good])) if good else None,
            "ssim": float(np.mean([r["ssim"] for r in good])) if good else None, "images": rows,
            "failed": [r["error"] for r in rows if "error" in r]}


def run(root, sets, scales, degradation="BI"):
    """Scores for every (set, scale); a missing set or an undefined scale is recorded, not skipped."""
    results = []
    for name in sets:
        folder = find_set(root, name)
        for scale in scales:
            entry = {"set": name, "scale": scale, "degradation": degradation,
                     "published": PUBLISHED.get(degradation, {}).get(name, {}).get(scale)}
            if folder is None:
                entry["status"] = f"missing: put the HR images in {os.path.join(root, name, 'HR')}"
            elif degradation == "BD" and scale != 3:
                entry["status"] = "BD is defined at x3 only"
            else:
                t0 = time.perf_counter()
                entry.update(score_set(folder, scale, degradation))
                entry["seconds"] = time.perf_counter() - t0
                entry["status"] = "ok" if entry["psnr"] is not None else "no image could be scored"
            results.append(entry)
    return results


def format_table(results, degradation):
    """Papers' format: one row per set and scale, ours beside the published value."""
    lines = [f"Bicubic baseline ({degradation}); {convention('scale')}",
             f"{'set':<10} {'scale':>5}  {'ours PSNR/SSIM':>16}  {'published':>16}  {'dPSNR':>7} {'dSSIM':>8}",
             "-" * 72]
    for r in results:
        pub = r["published"]
        pub_s = f"{pub[0]:.2f}/{pub[1]:.4f}" if pub else "-"
        if r["status"] != "ok":
            lines.append(f"{r['set']:<10} {'x%d' % r['scale']:>5}  {r['status']}")
            continue
        ours = f"{r['psnr']:.2f}/{r['ssim']:.4f}"
        delta = f"{r['psnr'] - pub[0]:+7.3f} {r['ssim'] - pub[1]:+8.4f}" if pub else ""
        failed = f"  ({len(r['failed'])} images failed)" if r.get("failed") else ""
        lines.append(f"{r['set']:<10} {'x%d' % r['scale']:>5}  {ours:>16}  {pub_s:>16}  {delta}{failed}")
    return "\n".join(lines)


def _main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bicubic", description=__doc__.splitlines()[0])
    p.add_argument("--root", default=BUNDLED_ROOT, help="folder holding <Set>/HR (default: bundled sets)")
    p.add_argument("--sets", nargs="+", default=["Set5", "Set14"])
    p.add_argument("--scales", nargs="+", type=int, default=[2, 3, 4])
    p.add_argument("--degradation", default="BI", type=str.upper, choices=DEGRADATIONS)
    p.add_argument("--json", default=None, help="also write the results as JSON to this file")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = p.parse_args(argv)
    bad = [s for s in args.scales if s < 1]
    if bad:
        raise UsageError(f"--scales must be at least 1, got {bad[0]}")
    if not os.path.isdir(args.root):
        raise UsageError(f"{args.root}: --root is not a folder")
    results = run(args.root, args.sets, args.scales, args.degradation)
    print(format_table(results, args.degradation))
    failed = [msg for r in results for msg in r.get("failed", [])]
    for msg in failed:
        print(f"error: {msg}", file=sys.stderr)
    if args.json:
        text = json.dumps(results, indent=2)
        atomic_write(args.json, lambda tmp: pathlib.Path(tmp).write_text(text))
    return 1 if failed or any(r["status"] == "no image could be scored" for r in results) else 0


def main(argv=None):
    return run_cli(_main, argv, prog="python -m benchmarks.bicubic")


if __name__ == "__main__":
    sys.exit(main())
