"""The loop behind every package's ``inference.py``: a file or a folder of LR images in, SR images out.

    files = find_images(args.input)                        # UsageError: no such path, no images
    ...                                                    # the package loads its model
    prepare_output(args.output)                            # UsageError: cannot create or write it
    return run(files, args.output, lambda img: api.upscale(model, img), "jtf_sisr_x4")

``run`` reads each image with common.io.imread, calls ``upscale(img) -> img`` and writes
``<output>/<stem>_<suffix>.png``. A bad file (unreadable, corrupt, not an image, failing in the
network) is one line ``error: <file>: <problem>`` on stderr and the others are still processed.
Exit status: 0 all written, 1 some failed, 2 usage errors (``usage_error``).
"""
import os
import sys

from tqdm import tqdm

from common.io import IMAGE_EXTENSIONS, imread, imwrite, scan_images

__all__ = ["UsageError", "find_images", "prepare_output", "pick_device", "one_line", "usage_error", "run"]

LIST_AT_MOST = 20   # more written files than this are reported as a count and the folder


class UsageError(ValueError):
    """A bad command line (exit status 2); the message is one line."""


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
