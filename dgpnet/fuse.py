"""Export a trained DGPNet as its fused network (every DGConv folded into one nn.Conv2d).

    python dgpnet/fuse.py --opt dgpnet/options/train/train_DGPNet_x4.json \
        --ckpt experiments/<name>/models/net_g_latest.pth --out dgpnet_x4_fused.pth

The export is ``{'params': state_dict, 'network_g': {..., 'deploy': True}}``; it loads with
``dgpnet.api.load(name, scale, weights=...)``, ``test.py`` and BasicSR-style ``params`` readers.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402

import torch  # noqa: E402

from common.cli import run_cli  # noqa: E402

from common.io import save_checkpoint  # noqa: E402
from dgpnet.archs import fuse  # noqa: E402
from dgpnet.models.net_utils import load_weights  # noqa: E402
from dgpnet.utils.options import load_json, parse_options  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Fuse a DGPNet checkpoint into plain convolutions.")
    p.add_argument("-opt", "--opt", required=True, help="train or test options file naming network_g")
    p.add_argument("--ckpt", required=True, help="net_g_*.pth written by train.py")
    p.add_argument("--out", required=True, help="output .pth of the fused network")
    p.add_argument("--param_key", default="auto", help="params, params_ema or auto (params_ema if present)")
    p.add_argument("--check", type=int, default=32, help="verify on a random LR of this size (0: skip)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    is_train = "train" in (load_json(args.opt).get("datasets") or {})
    opt = parse_options(args.opt, is_train=is_train)
    net, was_fused = load_weights(opt["network_g"], args.ckpt, args.param_key)
    if was_fused:
        raise ValueError(f"{args.ckpt}: already fused")
    net.eval()
    fused = fuse(net).eval()
    before = sum(p.numel() for p in net.parameters())
    after = sum(p.numel() for p in fused.parameters())
    msg = f"fused {args.ckpt}: {before} -> {after} parameters"
    if args.check:
        x = torch.rand(1, opt["network_g"].get("num_in_ch", 3), args.check, args.check,
                       generator=torch.Generator().manual_seed(0))
        with torch.inference_mode():
            a, b = net(x), fused(x)
        rel = ((a - b).abs().max() / (a.max() - a.min()).clamp_min(1e-12)).item()
        msg += f"; max |unfused - fused| / range on a random {args.check}x{args.check} LR: {rel:.2e}"
    save_checkpoint({"params": fused.state_dict(), "network_g": dict(opt["network_g"], deploy=True)}, args.out)
    print(msg + f"; written {args.out}")
    return 0


def cli(argv=None):
    return run_cli(main, argv, prog="dgpnet/fuse.py")


if __name__ == "__main__":
    sys.exit(cli())
