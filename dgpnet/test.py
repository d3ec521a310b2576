"""Test DGPNet (BasicSR style): SR images and PSNR/SSIM per dataset, on the fused network.

    python dgpnet/test.py -opt dgpnet/options/test/test_DGPNet_x4.json
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from common.cli import run_cli  # noqa: E402
from common.evaluate import convention  # noqa: E402
from common.experiment import fresh_folder, timestamp  # noqa: E402
from common.io import imwrite  # noqa: E402
from common.metrics import calculate_psnr, calculate_ssim  # noqa: E402
from common.precision import PrecisionError, autocast, check, cpu_capability  # noqa: E402
from dgpnet.archs import fuse  # noqa: E402
from dgpnet.data import build_dataloader, build_dataset  # noqa: E402
from dgpnet.models.net_utils import load_weights, tensor2img  # noqa: E402
from dgpnet.utils.misc import get_logger  # noqa: E402
from dgpnet.utils.options import OptionError, parse_options  # noqa: E402
from dgpnet.utils.tiling import run  # noqa: E402

_METRICS = {"calculate_psnr": calculate_psnr, "calculate_ssim": calculate_ssim}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Test DGPNet (BasicSR-style options file).")
    p.add_argument("-opt", "--opt", required=True, help="path to the JSON test options file")
    p.add_argument("--force_opt", "--force_yml", nargs="+", default=None, metavar="KEY:SUB=VALUE",
                   help="override options, e.g. path:pretrain_network_g=net.pth")
    p.add_argument("--launcher", choices=["none"], default="none", help="testing runs in one process")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    opt = parse_options(args.opt, is_train=False, overrides=args.force_opt)
    weights = opt["path"]["pretrain_network_g"]
    if not weights:
        raise OptionError(f"{args.opt}: 'path.pretrain_network_g' must name the weights to test")
    device = torch.device("cuda" if opt["num_gpu"] and torch.cuda.is_available() else "cpu")
    precision = check(opt["precision"], device)   # PrecisionError (one line) before anything is read or written
    loaders = {}
    for ds_opt in opt["datasets"].values():
        loaders[ds_opt["name"]] = build_dataloader(build_dataset(ds_opt), ds_opt)
    net, was_fused = load_weights(opt["network_g"], weights, opt["path"]["param_key_g"], opt["path"]["strict_load_g"])
    net = (net if was_fused else fuse(net)).eval()
    net.to(device)

    name = opt["name"]
    root = os.path.abspath(opt["path"]["results_root"] or os.path.join("results", name))
    archived = fresh_folder(root)
    log = get_logger(os.path.join(root, f"test_{name}_{timestamp()}.log"))
    if archived:
        log.info(f"Path already exists. Renamed it to {archived}")
    log.info(f"weights {os.path.abspath(weights)} ({'fused export' if was_fused else 'fused for testing'}); "
             f"{sum(p.numel() for p in net.parameters())} parameters")
    log.info(f"precision {precision} on {device}; CPU {cpu_capability()}")
    metrics, val = opt["val"]["metrics"], opt["val"]
    if metrics:
        m0 = next(iter(metrics.values()))
        log.info(f"metrics: {convention(m0['crop_border'], rgb=not m0['test_y_channel'])}")
    for ds_name, loader in loaders.items():
        vis = os.path.join(root, "visualization", ds_name)
        sums, n, t0 = {k: 0.0 for k in metrics}, 0, time.time()
        items = loader
        if val["pbar"]:
            from tqdm import tqdm
            items = tqdm(loader, desc=ds_name, unit="img", leave=False)
        for batch in items:
            with torch.inference_mode(), autocast(precision, device):
                sr = tensor2img(run(net, batch["lq"].to(device), val["tile"], val["tile_overlap"]).float())
            img_name = batch["name"][0]
            if val["save_img"]:
                imwrite(os.path.join(vis, f"{img_name}_{val['suffix'] or name}.png"), sr)
            if "gt" in batch:
                gt = tensor2img(batch["gt"])
                for k, m in metrics.items():
                    sums[k] += _METRICS[m["type"]](sr, gt, m["crop_border"], m["test_y_channel"])
            n += 1
        lines = [f"Validation {ds_name} ({n} images, {time.time() - t0:.1f} s)"]
        if "gt" in batch:
            lines += [f"\t # {k}: {v / n:.4f}" for k, v in sums.items()]
        log.info("\n".join(lines))
    log.info(f"results in {root}")
    return 0


def cli(argv=None):
    return run_cli(main, argv, prog="dgpnet/test.py")


if __name__ == "__main__":
    sys.exit(cli())
