"""Test GDSR: ``python gdsr/test.py -opt gdsr/options/test/test_GDSR.json``.

For every ``datasets.test_*`` set: SR_fused to ``results/<name>/visualization/<set>/<img>_<suffix>.png``
(optionally SR_low, SR_high and the fusion mask), PSNR/SSIM (Y of MATLAB rgb2ycbcr, shave = scale by
default) and NIQE per image and as the mean, on screen and in ``results/<name>/test_<name>_<time>.log``.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from common.cli import run_cli  # noqa: E402
from common.evaluate import convention, evaluate_pair  # noqa: E402
from common.experiment import fresh_folder, timestamp  # noqa: E402
from common.io import imwrite  # noqa: E402
from common.metrics import calculate_niqe  # noqa: E402
from common.precision import PrecisionError, autocast, check, cpu_capability  # noqa: E402
from gdsr.api import forward_tiled, to_uint8  # noqa: E402
from gdsr.data import EvalDataset  # noqa: E402
from gdsr.models.base_model import build_generator, load_weights  # noqa: E402
from gdsr.utils.logger import close_logger, get_logger  # noqa: E402
from gdsr.utils.options import parse  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="gdsr/test.py", description=__doc__.splitlines()[0])
    p.add_argument("-opt", required=True, help="path to the test option JSON file")
    return p.parse_args(argv)


def _niqe(sr, crop):
    try:
        return calculate_niqe(sr, crop)
    except ValueError:          # fewer than two 96x96 blocks: NIQE is undefined
        return float("nan")


def _format(res):
    parts = []
    if "psnr" in res:
        parts += [f"PSNR: {res['psnr']:.6f} dB", f"SSIM: {res['ssim']:.6f}"]
    if "niqe" in res:
        parts.append(f"NIQE: {res['niqe']:.6f}")
    return "; ".join(parts) or "saved (no ground truth, NIQE off)"


def test(args):
    opt = parse(args.opt, is_train=False)
    t, scale = opt["test"], opt["scale"]
    crop = scale if t["crop_border"] is None else t["crop_border"]
    suffix = opt["suffix"] or "GDSR"
    use_cuda = bool(opt["gpu_ids"]) and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    precision = check(opt["precision"], device)    # PrecisionError before anything is loaded or written

    net = build_generator(opt)
    load_weights(net, opt["path"]["pretrain_model_G"], opt["path"]["strict_load"])
    net = net.to(device).eval()
    # every set is checked before anything is written
    sets = [EvalDataset(d, scale, f"datasets.{k}") for k, d in opt["datasets"].items()]

    root = opt["path"]["results_root"]
    archived = fresh_folder(root)
    logger = get_logger(os.path.join(root, f"test_{opt['name']}_{timestamp()}.log"))
    if archived:
        logger.info(f"Path already exists. Renamed it to {archived}")
    logger.info(f"gdsr test: {opt['opt_path']}; weights {opt['path']['pretrain_model_G']}; precision {precision}, "
                f"CPU {cpu_capability()}")
    logger.info(f"Metrics: {convention(crop, rgb=not t['test_y_channel'])}; NIQE on the SR (Y, shave {crop})")
    keys = ["fused"] + [k for k, flag in (("low", t["save_low"]), ("high", t["save_high"]),
                                          ("mask", t["save_mask"])) if flag]
    summary = {}
    for ds in sets:
        folder = os.path.join(root, "visualization", ds.name)
        rows = []
        for i in tqdm(range(len(ds)), desc=ds.name, leave=False, disable=not sys.stderr.isatty()):
            item = ds[i]
            with torch.inference_mode(), autocast(precision, device):     # outputs come back as fp32
                out = forward_tiled(net, item["LR"].to(device), t["tile"], t["tile_overlap"], keys)
            sr = to_uint8(out["fused"])
            imwrite(os.path.join(folder, f"{item['name']}_{suffix}.png"), sr)
            for k in keys[1:]:
                img = to_uint8(out[k].mean(1, keepdim=True))[:, :, 0] if k == "mask" else to_uint8(out[k])
                imwrite(os.path.join(folder, f"{item['name']}_{k}.png"), img)
            res = {}
            if item["HR_img"] is not None:
                res = evaluate_pair(sr, item["HR_img"], scale, crop, rgb=not t["test_y_channel"],
                                    names=(item["name"], item["path"]))
            if t["niqe"]:
                res["niqe"] = _niqe(sr, crop)
            rows.append(res)
            logger.info(f"{item['name']:>20s} - {_format(res)}")
        mean = {k: float(np.nanmean([r[k] for r in rows])) if any(not math.isnan(r[k]) for r in rows)
                else float("nan") for k in rows[0]}
        summary[ds.name] = mean
        note = " (images too small for NIQE are left out)" if any(math.isnan(r.get("niqe", 0)) for r in rows) else ""
        what = "PSNR/SSIM results" if "psnr" in mean else "results (no ground truth)"
        logger.info(f"----Average {what} for {ds.name}----\n\t{_format(mean)}{note}")
    logger.info(f"Results in {root}")
    return summary


def _main(argv):
    try:
        test(parse_args(argv))
        return 0
    finally:
        close_logger()


def main(argv=None):
    return run_cli(_main, argv, prog="gdsr/test.py")


if __name__ == "__main__":
    sys.exit(main())
