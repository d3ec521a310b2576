"""Score a folder of SR images against their HR ground truth, the way SR papers do.

    python -m common.evaluate --sr results/Set5 --hr benchmarks/data/Set5/HR --scale 4 [--rgb]

Each SR file pairs with the HR whose name is the longest prefix of its own (``baby.png``,
``baby_x4_SR.png`` and ``babyx4_RCAN.png`` all pair with ``baby.png``); ``--suffix`` keeps only
SR files named ``<hr_stem><suffix>``. The HR is mod-cropped to the scale (top-left) and must then
have the SR's size. When the HR is gray and the SR is RGB, the SR is reduced to gray by the
rounded mean of its channels, and the pair is scored as gray (as published Set14 tables do).

A file that cannot be read or scored is one ``error:`` line; the others are still scored, the
means are over those, and the exit status is 1 (2 for a bad flag or a missing folder).
"""
import argparse
import json
import os
import pathlib
import sys

import numpy as np

from common.degradations import modcrop
from common.cli import UsageError, run_cli
from common.io import atomic_write, imread, scan_images
from common.metrics import CONVENTION, calculate_niqe, calculate_psnr, calculate_ssim

__all__ = ["evaluate_pair", "evaluate_folder", "convention", "main"]


def convention(crop_border, rgb=False):
    """One line that states how the numbers were computed."""
    space = "RGB (mean over channels for SSIM)" if rgb else "Y of MATLAB rgb2ycbcr (unrounded; gray as is)"
    return CONVENTION.format(space=space, crop=crop_border)


def _match_shapes(sr, hr, scale, sr_name, hr_name):
    hr_c = modcrop(hr, scale)
    if sr.shape[:2] == hr.shape[:2] and hr_c.shape[:2] != hr.shape[:2]:
        sr = modcrop(sr, scale)                 # SR at full HR size: crop both the same way
    if sr.shape[:2] != hr_c.shape[:2]:
        h, w = sr.shape[:2]
        raise ValueError(f"{sr_name}: SR is {w}x{h} but {hr_name} mod-cropped to x{scale} is "
                         f"{hr_c.shape[1]}x{hr_c.shape[0]}")
    if hr_c.ndim == 2 and sr.ndim == 3:
        sr = np.floor(sr.astype(np.float64).mean(axis=2) + 0.5).astype(np.uint8)
    elif hr_c.ndim == 3 and sr.ndim == 2:
        raise ValueError(f"{sr_name}: SR is gray but {hr_name} is RGB")
    return sr, hr_c


def evaluate_pair(sr, hr, scale, crop_border=None, rgb=False, niqe=False, names=("SR", "HR")):
    """PSNR/SSIM (and NIQE) of one uint8 SR image against its HR; returns a dict."""
    crop = scale if crop_border is None else crop_border
    sr, hr = _match_shapes(sr, hr, scale, *names)
    row = {"psnr": calculate_psnr(sr, hr, crop, test_y_channel=not rgb),
           "ssim": calculate_ssim(sr, hr, crop, test_y_channel=not rgb)}
    if niqe:
        row["niqe"] = calculate_niqe(sr, crop)
    return row


def _pair_sr_hr(sr_dir, hr_dir, suffix=None):
    hr_files = scan_images(hr_dir)
    sr_files = scan_images(sr_dir)
    if not hr_files:
        raise ValueError(f"{hr_dir}: no images found")
    stems = {os.path.splitext(os.path.basename(p))[0]: p for p in hr_files}
    found = {}
    for sr in sr_files:
        s = os.path.splitext(os.path.basename(sr))[0]
        if suffix is not None:
            hr_stem = s[: -len(suffix)] if suffix and s.endswith(suffix) else (s if not suffix else None)
            if hr_stem not in stems:
                continue
        else:
            prefixes = [h for h in stems if s == h or (s.startswith(h) and s[len(h)] in "_x-.")]
            if not prefixes:
                raise ValueError(f"{sr}: no HR image in {hr_dir} matches this name")
            hr_stem = max(prefixes, key=len)
        if hr_stem in found:
            raise ValueError(f"{sr}: {os.path.basename(found[hr_stem])} pairs with the same HR; "
                             f"pass --suffix to choose")
        found[hr_stem] = sr
    missing = [os.path.basename(stems[h]) for h in stems if h not in found]
    if missing:
        raise ValueError(f"{sr_dir}: no SR image for " + ", ".join(missing))
    return [(found[h], stems[h]) for h in sorted(found)]


def evaluate_folder(sr_dir, hr_dir, scale, crop_border=None, rgb=False, niqe=False, suffix=None):
    """Score every SR image of ``sr_dir``; returns a dict with per-image rows and the means.

    A pair that cannot be read or scored is a row with an ``error`` entry (and no scores), listed
    under ``failed`` too; the means are over the others (None when there are none).
    """
    crop = scale if crop_border is None else crop_border
    rows, failed = [], []
    for sr_path, hr_path in _pair_sr_hr(sr_dir, hr_dir, suffix):
        try:
            row = evaluate_pair(imread(sr_path), imread(hr_path), scale, crop, rgb, niqe, (sr_path, hr_path))
        except MemoryError:
            row = {"error": f"{sr_path}: not enough memory to score this pair"}
        except ValueError as exc:                # ImageError, size mismatch, too small to score
            row = {"error": str(exc) if sr_path in str(exc) or hr_path in str(exc) else f"{sr_path}: {exc}"}
        rows.append({"image": os.path.basename(hr_path), "sr": sr_path, **row})
        if "error" in row:
            failed.append(rows[-1])
    keys = ["psnr", "ssim"] + (["niqe"] if niqe else [])
    good = [r for r in rows if "error" not in r]
    mean = {k: float(np.mean([r[k] for r in good])) if good else None for k in keys}
    return {"convention": convention(crop, rgb), "scale": scale, "crop_border": crop,
            "channel": "RGB" if rgb else "Y", "images": rows, "mean": mean, "failed": failed}


def format_table(result):
    """The result as an aligned text table (a failed image shows its error)."""
    keys = [k for k in ("psnr", "ssim", "niqe") if k in result["mean"]]
    width = max([len("image")] + [len(r["image"]) for r in result["images"]])
    head = f"{'image':<{width}}  " + "  ".join(f"{k.upper():>8}" for k in keys)
    fmt = {"psnr": "{:8.4f}", "ssim": "{:8.6f}", "niqe": "{:8.4f}"}
    lines = [head, "-" * len(head)]
    for r in result["images"] + [{"image": "mean", **result["mean"]}]:
        if "error" in r:
            lines.append(f"{r['image']:<{width}}  failed")
        elif r["image"] == "mean" and result["mean"]["psnr"] is None:
            lines.append(f"{'mean':<{width}}  -")
        else:
            lines.append(f"{r['image']:<{width}}  " + "  ".join(fmt[k].format(r[k]) for k in keys))
    if result.get("failed"):
        lines.append(f"{len(result['failed'])} of {len(result['images'])} images failed; means over the others")
    return "\n".join(lines)


def _main(argv=None):
    p = argparse.ArgumentParser(prog="python -m common.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--sr", required=True, help="folder of SR images")
    p.add_argument("--hr", required=True, help="folder of HR (ground-truth) images")
    p.add_argument("--scale", type=int, required=True, help="SR scale factor")
    p.add_argument("--rgb", action="store_true", help="score on RGB instead of Y (DIV2K-style)")
    p.add_argument("--crop_border", type=int, default=None, help="pixels shaved per side (default: scale)")
    p.add_argument("--niqe", action="store_true", help="also compute NIQE of the SR images")
    p.add_argument("--suffix", default=None, help="only SR files named <hr_stem><suffix>")
    p.add_argument("--json", default=None, help="write the results as JSON to this file ('-' for stdout)")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = p.parse_args(argv)
    if args.scale < 1:
        raise UsageError(f"--scale must be at least 1, got {args.scale}")
    if args.crop_border is not None and args.crop_border < 0:
        raise UsageError(f"--crop_border must be at least 0, got {args.crop_border}")
    for flag in ("sr", "hr"):
        if not os.path.isdir(getattr(args, flag)):
            raise UsageError(f"{getattr(args, flag)}: --{flag} is not a folder")
    result = evaluate_folder(args.sr, args.hr, args.scale, args.crop_border, args.rgb, args.niqe, args.suffix)
    print(f"x{args.scale}: {result['convention']}")
    print(format_table(result))
    for row in result["failed"]:
        print(f"error: {row['error']}", file=sys.stderr)
    if args.json == "-":
        print(json.dumps(result, indent=2))
    elif args.json:
        text = json.dumps(result, indent=2)
        atomic_write(args.json, lambda tmp: pathlib.Path(tmp).write_text(text))
        print(f"JSON written to {args.json}")
    return 1 if result["failed"] else 0


def main(argv=None):
    return run_cli(_main, argv, prog="python -m common.evaluate")


if __name__ == "__main__":
    sys.exit(main())
