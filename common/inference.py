"""Every package's ``inference.py``: a file or a folder of LR images in, SR images out.

    sys.exit(main(api, "jtf_sisr/inference.py", __doc__, default_model="jtf_sisr", scales=(2, 3, 4),
                  weights_help="..."))

``main`` parses the common flags (--input --output --model --scale --weights --tile --tile_overlap
--precision --device), checks them and loads ``api.load(model, scale, weights)`` on the device before
anything is written, then ``run`` upscales every image with ``api.upscale``.

``run`` reads each image with common.io.imread, calls ``upscale(img) -> img`` and writes
``<output>/<stem>_<suffix>.png``. A bad file (unreadable, corrupt, not an image, failing in the
network) is one line ``error: <file>: <problem>`` on stderr and the others are still processed.
Exit status: 0 all written, 1 some failed, 2 usage errors (``usage_error``).
"""
import argparse
import os
import sys

from tqdm import tqdm

from common.cli import UsageError
from common.io import IMAGE_EXTENSIONS, imread, imwrite, scan_images

__all__ = ["UsageError", "find_images", "prepare_output", "pick_device", "one_line", "usage_error", "run", "main"]

LIST_AT_MOST = 20   # more written files than this are reported as a count and the folder


def find_images(path):
    """[path] for a file (its type is checked when it is read), the sorted images of a folder."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise UsageError(f"{path}: --input is not a file or a folder")
    files = scan_images(path)
    if not files:
        raise UsageError(f"{path}: no images found (extensions {' '.join(IMAGE_EXTENSIONS)})")
    return files


def prepare_output(folder):
    """Create the output folder; UsageError if that fails or it is not writable."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot create the output folder ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{folder}: the output folder is not writable")


def pick_device(name):
    """'auto' -> 'cuda' when available, else 'cpu'; UsageError for 'cuda' without CUDA."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available (use --device cpu or auto)")
    return name


def one_line(exc):
    """An exception as one line: its first line, plus the second when the first ends with ':'
    (torch's 'Error(s) in loading state_dict for X:')."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return " ".join(lines[:2]) if lines[0].endswith(":") and len(lines) > 1 else lines[0]


def usage_error(msg):
    """Print ``error: msg`` on stderr; returns the exit status 2."""
    print(f"error: {msg if isinstance(msg, str) else one_line(msg)}", file=sys.stderr)
    return 2


def run(files, output, upscale, suffix):
    """Upscale every file into ``output`` as ``<stem>_<suffix>.png``; returns the exit status (0 or 1)."""
    written, failed = [], []
    bar = tqdm(files, desc=suffix, unit="img", dynamic_ncols=True, disable=not sys.stderr.isatty())
    for path in bar:
        out = os.path.join(output, f"{os.path.splitext(os.path.basename(path))[0]}_{suffix}.png")
        try:
            imwrite(out, upscale(imread(path)))
        except (ValueError, TypeError, OSError, RuntimeError, MemoryError) as exc:   # ImageError: ValueError
            msg = one_line(exc)
            tqdm.write(f"error: {msg if msg.startswith(path) else f'{path}: {msg}'}", file=sys.stderr)
            failed.append(path)
            continue
        written.append(out)
    bar.close()
    if len(written) <= LIST_AT_MOST:
        for out in written:
            print(out)
    summary = f"{len(written)} image(s) written to {output}"
    if failed:
        summary += f", {len(failed)} failed: " + ", ".join(map(os.path.basename, failed))
    print(summary)
    return 1 if failed else 0


def main(api, prog, doc, default_model, scales=(4,), weights_help="a weights file", argv=None):
    """The inference command of a package whose contract is ``api`` (MODELS, load, upscale)."""
    from common.precision import check           # imports torch: only once a command runs

    p = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    p.add_argument("--input", required=True, help="an LR image or a folder of them")
    p.add_argument("--output", required=True, help="folder for <stem>_<model>_x<scale>.png")
    p.add_argument("--model", choices=api.MODELS, default=default_model)
    p.add_argument("--scale", type=int, choices=scales, default=4)
    p.add_argument("--weights", help=weights_help)
    p.add_argument("--tile", type=int, help="LR tile size in pixels (bounds the memory; same result)")
    p.add_argument("--tile_overlap", type=int, default=None,
                   help="LR pixels of context per tile side (default: the package's, see docs/api.md)")
    p.add_argument("--precision", default="fp32", help="fp32, fp16 (CUDA) or bf16 (CUDA, or a CPU with native bf16)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = p.parse_args(argv)
    try:
        if (args.tile is not None and args.tile < 1) or (args.tile_overlap is not None and args.tile_overlap < 0):
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
