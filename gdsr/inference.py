"""Upscale a folder or a single image with GDSR (SR_fused, the output the authors evaluate).

    python gdsr/inference.py --input LR_FOLDER_OR_IMAGE --output results --weights latest_G.pth
        [--tile N] [--tile_overlap N] [--precision fp32|fp16|bf16] [--device cpu|cuda|auto]

No trained weights are bundled: pass a *_G.pth from gdsr/train.py or the authors' 200000_G.pth.
Writes <output>/<stem>_gdsr_x4.png for every image. Exit status 0 if all were written, 1 if some
failed (one ``error:`` line each), 2 for a bad command line, input, output folder or weights file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402

from common.inference import find_images, one_line, pick_device, prepare_output, run, usage_error  # noqa: E402
from common.precision import check  # noqa: E402
from gdsr import api  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="gdsr/inference.py", description=__doc__.splitlines()[0])
    p.add_argument("--input", required=True, help="an LR image or a folder of them")
    p.add_argument("--output", required=True, help="folder for <stem>_<model>_x<scale>.png")
    p.add_argument("--model", choices=api.MODELS, default="gdsr")
    p.add_argument("--scale", type=int, choices=(4,), default=4)
    p.add_argument("--weights", help="a *_G.pth (gdsr/train.py) or the authors' 200000_G.pth; none is bundled")
    p.add_argument("--tile", type=int, help="LR tile size in pixels (bounds the memory)")
    p.add_argument("--tile_overlap", type=int, default=32, help="LR context per tile side")
    p.add_argument("--precision", default="fp32", help="fp32, fp16 (CUDA) or bf16 (CUDA, or a CPU with native bf16)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        if (args.tile is not None and args.tile < 1) or args.tile_overlap < 0:
            raise ValueError("--tile must be positive and --tile_overlap non-negative")
        files = find_images(args.input)
        device = pick_device(args.device)
        precision = check(args.precision, device)
        hint = "" if args.weights else " (on the command line: --weights FILE)"
        try:
            model = api.load(args.model, args.scale, args.weights).to(device)
        except FileNotFoundError as exc:            # no bundled weights: the api's message says what to pass
            raise ValueError(one_line(exc) + hint) from None
        prepare_output(args.output)
    except (ValueError, OSError, RuntimeError) as exc:
        return usage_error(exc)

    def upscale(img):
        return api.upscale(model, img, tile=args.tile, tile_overlap=args.tile_overlap, precision=precision)

    return run(files, args.output, upscale, f"{args.model}_x{args.scale}")


if __name__ == "__main__":
    sys.exit(main())
