"""Small steps shared by the scripts/gpu_*.sh runs (run from the repository root).

    python scripts/gpu_prep.py options SRC DST KEY=VALUE ...
        Read the shipped option file SRC (JSON with // comments, common.options.read_json), set each dotted
        KEY (e.g. train.niter=2000, datasets.train.dataroot_HR=out/train_HR) to VALUE read as JSON (a bare
        word is a string; null removes nothing, it sets null) and write plain JSON to DST.
    python scripts/gpu_prep.py hr_folder DST --min_size P SRC_DIR ...
        Link into DST every image of the SRC_DIRs whose sides are both at least P pixels (names prefixed
        with the folder's name, so T91 and BSD200 never collide).
    python scripts/gpu_prep.py hr_folder DST --min_size P --crop C --limit N SRC_DIR ...
        The smoke-mode variant: write the top-left CxC crop of the first N usable images instead of links.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.io import imread, imwrite, scan_images  # noqa: E402
from common.options import read_json  # noqa: E402


def set_key(opt, dotted, text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    *parents, last = dotted.split(".")
    node = opt
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


def options(src, dst, assignments):
    opt = read_json(src)
    for item in assignments:
        key, sep, text = item.partition("=")
        if not sep:
            raise SystemExit(f"error: {item!r} is not KEY=VALUE")
        set_key(opt, key, text)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with open(dst, "w") as f:
        json.dump(opt, f, indent=2)
        f.write("\n")
    print(f"options: {dst}")


def hr_folder(dst, sources, min_size, crop=None, limit=None):
    os.makedirs(dst, exist_ok=True)
    written = 0
    for src in sources:
        folder = os.path.normpath(src)
        if os.path.basename(folder) == "HR":           # <Set>/HR: name the links after <Set>
            folder = os.path.dirname(folder)
        tag = os.path.basename(folder)
        for path in scan_images(src):
            if limit is not None and written >= limit:
                break
            img = imread(path)
            if min(img.shape[:2]) < min_size:
                continue
            name = f"{tag}_{os.path.basename(path)}"
            target = os.path.join(dst, name)
            if crop:
                imwrite(target, img[:crop, :crop])
            elif not os.path.lexists(target):
                os.symlink(os.path.abspath(path), target)
            written += 1
    if not written:
        raise SystemExit(f"error: no image of at least {min_size} pixels a side in {', '.join(sources)}")
    print(f"hr_folder: {written} images in {dst}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python scripts/gpu_prep.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("options")
    o.add_argument("src")
    o.add_argument("dst")
    o.add_argument("assignments", nargs="*")
    h = sub.add_parser("hr_folder")
    h.add_argument("dst")
    h.add_argument("sources", nargs="+")
    h.add_argument("--min_size", type=int, required=True)
    h.add_argument("--crop", type=int, default=None)
    h.add_argument("--limit", type=int, default=None)
    a = p.parse_args(argv)
    if a.cmd == "options":
        options(a.src, a.dst, a.assignments)
    else:
        hr_folder(a.dst, a.sources, a.min_size, a.crop, a.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
