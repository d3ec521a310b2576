"""Where a named dataset lives: EDSR's layouts, a ../shared/datasets folder beside the checkout, or the bundled sets."""
import os

from common.io import MissingError, scan_images

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED = os.path.join(REPO, "benchmarks", "data")
BENCHMARKS = ("Set5", "Set14", "B100", "Urban100", "Manga109")
LR_FOLDER = {"BI": "LR_bicubic", "BD": "LR_BD", "DN": "LR_DN"}


def _candidates(dir_data, name):
    return [os.path.join(dir_data, "benchmark", name, "HR"), os.path.join(dir_data, name, "HR"),
            os.path.join(dir_data, name)] + ([os.path.join(BUNDLED, name, "HR")] if name in BENCHMARKS else [])


def find_hr(dir_data, name):
    """The HR folder of ``name``; FileNotFoundError naming where it looked."""
    if os.path.isdir(name):                       # a path works as a dataset name too
        return name
    tried = _candidates(dir_data, name)
    for folder in tried:
        if os.path.isdir(folder) and scan_images(folder):
            return folder
    raise MissingError(f"dataset {name}: no images in {', '.join(tried)} (set --dir_data)")


def find_lr(hr_folder, hr_path, scale, degradation):
    """A stored LR for ``hr_path`` (EDSR's <set>/LR_bicubic/X<s>/<name>x<s>.png), or None."""
    root = os.path.dirname(hr_folder) if os.path.basename(hr_folder) == "HR" else hr_folder
    stem, ext = os.path.splitext(os.path.basename(hr_path))
    path = os.path.join(root, LR_FOLDER[degradation], f"X{scale}", f"{stem}x{scale}{ext}")
    return path if os.path.isfile(path) else None


def div2k_files(dir_data, data_range):
    """DIV2K HR files whose 1-based index lies in 'a-b'."""
    lo, hi = (int(v) for v in data_range.split("-"))
    folders = [os.path.join(dir_data, "DIV2K", f) for f in ("DIV2K_train_HR", "DIV2K_valid_HR")]
    files = [p for f in folders if os.path.isdir(f) for p in scan_images(f)]
    chosen = [p for p in files if os.path.splitext(os.path.basename(p))[0].isdigit()
              and lo <= int(os.path.splitext(os.path.basename(p))[0]) <= hi]
    if not chosen:
        raise MissingError(f"dataset DIV2K: no images {data_range} in {' or '.join(folders)} (set --dir_data)")
    return sorted(chosen)
