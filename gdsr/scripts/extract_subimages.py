"""Cut HR images into overlapping sub-images, the authors' DIV2K800_sub preparation.

    python gdsr/scripts/extract_subimages.py --input datasets/DIV2K/DIV2K_train_HR \
        --output datasets/DIV2K/DIV2K_train_HR_sub [--crop_size 480 --step 240 --thresh_size 48]

Crops start every ``step`` pixels; when the remainder after the last full step is larger than
``thresh_size`` one more crop is taken flush with the border (the old-BasicSR rule). Files are named
``<stem>_s001.png``, ... in row-major order. Existing output files are not overwritten unless
``--overwrite``.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import argparse  # noqa: E402

from tqdm import tqdm  # noqa: E402

from common.io import imread, imwrite, scan_images  # noqa: E402


def starts(length, crop, step, thresh):
    """Top-left offsets along one side."""
    if length <= crop:
        return [0]
    pos = list(range(0, length - crop + 1, step))
    if length - (pos[-1] + crop) > thresh:
        pos.append(length - crop)
    return pos


def extract(path, out_dir, crop=480, step=240, thresh=48, overwrite=False):
    """Write the sub-images of one image; returns how many were written."""
    img = imread(path)
    h, w = img.shape[:2]
    stem = os.path.splitext(os.path.basename(path))[0]
    n = 0
    corners = [(y, x) for y in starts(h, crop, step, thresh) for x in starts(w, crop, step, thresh)]
    for i, (y, x) in enumerate(corners, 1):
        dst = os.path.join(out_dir, f"{stem}_s{i:03d}.png")
        if overwrite or not os.path.exists(dst):
            imwrite(dst, img[y:y + crop, x:x + crop])
            n += 1
    return n


def main(argv=None):
    p = argparse.ArgumentParser(prog="gdsr/scripts/extract_subimages.py", description=__doc__.splitlines()[0])
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--crop_size", type=int, default=480)
    p.add_argument("--step", type=int, default=240)
    p.add_argument("--thresh_size", type=int, default=48)
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    try:
        files = scan_images(args.input)
        if not files:
            raise ValueError(f"{args.input}: no images found")
        total = sum(extract(f, args.output, args.crop_size, args.step, args.thresh_size, args.overwrite)
                    for f in tqdm(files, desc="extract", disable=not sys.stderr.isatty()))
    except (ValueError, OSError) as exc:
        print(f"extract_subimages: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"{total} sub-images written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
