"""Evaluate FASRGAN / Fs-SRGAN: python fasrgan/test.py -opt fasrgan/options/test/<x>.json

Writes results/<name>/visualization/<set>/<img><suffix>.png, results/<name>/test_<name>_<time>.log and
results/<name>/metrics_<set>.json: per-image and mean PSNR/SSIM (Y channel of MATLAB rgb2ycbcr,
shave = scale; RGB PSNR beside it), NIQE (Y, no shave, as the authors' PI script) and LPIPS (alex, v0.0) when
path.lpips_alex names an AlexNet weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from common.cli import DataError, run_cli  # noqa: E402
from common.experiment import fresh_folder, timestamp  # noqa: E402
from common.io import atomic_write, imwrite  # noqa: E402
from common.metrics import calculate_psnr, calculate_ssim  # noqa: E402
from common.niqe import calculate_niqe  # noqa: E402
from common.precision import PrecisionError, check as check_precision, cpu_capability  # noqa: E402
from fasrgan.api import BUNDLED_E, upscale  # noqa: E402
from fasrgan.archs import FsGenerator  # noqa: E402
from fasrgan.data import PairedDataset  # noqa: E402
from fasrgan.models.networks import define_E, define_G, load_network  # noqa: E402
from fasrgan.utils.logger import close_logger, get_logger  # noqa: E402
from fasrgan.utils.misc import pick_device  # noqa: E402
from fasrgan.utils.options import OptionError, parse  # noqa: E402


def build_generator(opt):
    """G (FASRGAN / SR) or G(E(.)) (FsSRGAN, or any option file with a network_E)."""
    p = opt["path"]
    if not p.get("pretrain_model_G"):
        raise OptionError(f"{opt['opt_path']}: 'path.pretrain_model_G' is required for testing")
    if opt["model"] == "FsSRGAN" or "network_E" in opt:
        E = define_E(opt)
        load_network(E, p.get("pretrain_model_E") or BUNDLED_E, True)
        G = load_network(define_G(opt, in_nc=E.out_nc), p["pretrain_model_G"], p["strict_load"])
        return FsGenerator(E, G).eval()
    return load_network(define_G(opt), p["pretrain_model_G"], p["strict_load"]).eval()


def score(sr, hr, scale, niqe=True, lpips=None):
    """Metrics of one uint8 SR/HR pair; NIQE is None when it is undefined (fewer than two 96x96
    blocks, or a flat image)."""
    row = {"psnr_y": calculate_psnr(sr, hr, scale, test_y_channel=True),
           "ssim_y": calculate_ssim(sr, hr, scale, test_y_channel=True),
           "psnr_rgb": calculate_psnr(sr, hr, scale, test_y_channel=False), "niqe": None, "lpips": None}
    if niqe:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                value = calculate_niqe(sr, 0)
            row["niqe"] = value if math.isfinite(value) else None
        except ValueError:   # includes numpy's LinAlgError
            pass
    if lpips is not None:
        row["lpips"] = lpips.images(sr, hr)
    return row


def _fmt(v, spec=".4f"):
    return "n/a" if v is None else format(v, spec)


def run(opt_path):
    opt = parse(opt_path, is_train=False)
    device = pick_device(opt["gpu_ids"])
    precision = check_precision(opt["precision"], device)   # PrecisionError (a ValueError): one line, exit 1
    p, t, scale = opt["path"], opt["test"], opt["scale"]
    if opt["val_lpips"] and not p.get("lpips_alex"):
        raise OptionError(f"{opt_path}: 'val_lpips' needs 'path.lpips_alex' (torchvision's alexnet-owt-7be5be79.pth)")
    net = build_generator(opt).to(device)
    lpips = None
    if p.get("lpips_alex"):
        from fasrgan.metrics import LPIPS

        lpips = LPIPS(p["lpips_alex"], p.get("lpips_linear"), t["lpips_version"]).to(device)
    datasets = [PairedDataset(opt["datasets"][k], scale, "test", key=k) for k in sorted(opt["datasets"])]
    root = os.path.join(p["results_root"], opt["name"])
    archived = fresh_folder(root)
    logger = get_logger(os.path.join(root, f"test_{opt['name']}_{timestamp()}.log"))
    if archived:
        logger.info(f"Renamed existing {root} to {archived}")
    logger.info(f"model {opt['model']} x{scale}; G: {p['pretrain_model_G']}; device {device}")
    logger.info(f"precision {precision}; CPU {cpu_capability()}")
    logger.info(f"PSNR/SSIM: Y channel (MATLAB rgb2ycbcr), shave {scale}; NIQE: Y, no shave; "
                f"LPIPS: {'alex v' + t['lpips_version'] + ', RGB, full image' if lpips else 'off (no path.lpips_alex)'}")
    summary = {}
    for ds in datasets:
        out_dir = os.path.join(root, "visualization", ds.name)
        rows = []
        for i in range(len(ds)):
            lr, hr = ds.pair(i)
            path = ds.pairs[i][1]
            stem = os.path.splitext(os.path.basename(path))[0]
            sr = upscale(net, lr, tile=t["tile"], tile_overlap=t["tile_overlap"], precision=precision)
            if t["save_img"]:
                imwrite(os.path.join(out_dir, f"{stem}{opt['suffix'] or ''}.png"), sr)
            row = {"name": stem, **score(sr, hr, scale, t["niqe"], lpips)}
            rows.append(row)
            logger.info(f"{stem:20s} - PSNR_Y: {row['psnr_y']:.4f} dB; SSIM_Y: {row['ssim_y']:.4f}; "
                        f"PSNR_RGB: {row['psnr_rgb']:.4f} dB; "
                        f"NIQE: {_fmt(row['niqe'])}; LPIPS: {_fmt(row['lpips'])}.")
        mean = {}
        for k in ("psnr_y", "ssim_y", "psnr_rgb", "niqe", "lpips"):
            vals = [r[k] for r in rows if r[k] is not None]
            mean[k] = sum(vals) / len(vals) if vals else None
        logger.info(f"----Average results for {ds.name} ({len(rows)} images)----\n\tPSNR_Y: {mean['psnr_y']:.4f} dB; "
                    f"SSIM_Y: {mean['ssim_y']:.4f}; NIQE: {_fmt(mean['niqe'])}; LPIPS: {_fmt(mean['lpips'])}; "
                    f"(RGB PSNR, same crop: {mean['psnr_rgb']:.4f} dB)")
        summary[ds.name] = {"mean": mean, "images": rows}
        text = json.dumps({"dataset": ds.name, "scale": scale, "mean": mean, "images": rows}, indent=1)
        atomic_write(os.path.join(root, f"metrics_{ds.name}.json"),
                     lambda tmp, text=text: open(tmp, "w").write(text))
    close_logger()
    return summary


def _main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-opt", required=True, help="path to the test option JSON file")
    ap.add_argument("--debug", action="store_true", help="full tracebacks")
    args = ap.parse_args(argv)
    try:
        with torch.inference_mode():
            run(args.opt)
        return 0
    except KeyError as exc:           # an entry missing from a checkpoint
        raise DataError(f"missing entry {exc}") from None
    finally:
        close_logger()


def main(argv=None):
    return run_cli(_main, argv, prog="fasrgan/test.py")


if __name__ == "__main__":
    sys.exit(main())
