"""Find LR/HR pairs in the folder layouts of paired real-SR sets.

* ``folders`` (BasicSR): ``dataroot_gt`` and ``dataroot_lq``, names paired by
  :func:`common.io.pair_images` (``filename_tmpl``, ``<stem>x4``, ``<stem>_LR4`` ...).
* ``realsr`` (RealSR v3, Cai et al. ICCV 2019): one folder ``dataroot`` such as
  ``Canon/Train/4`` holding ``<stem>_HR.png`` and ``<stem>_LR4.png`` (LR stored at HR size).
* ``drealsr`` (DRealSR, Wei et al. ECCV 2020): ``dataroot_gt`` with ``<stem>_x1.png`` and
  ``dataroot_lq`` with ``<stem>_x4.png``.
"""
import os
import re

from common.io import check_pair_size, pair_images, scan_images

__all__ = ["find_pairs", "check_sizes", "LAYOUTS"]

LAYOUTS = ("folders", "realsr", "drealsr")


def _stem(p):
    return os.path.splitext(os.path.basename(p))[0]


def _match(lr_files, hr_files, lr_key, hr_key, where):
    hr = {}
    for p in hr_files:
        k = hr_key(_stem(p))
        if k is not None:
            hr[k] = p
    pairs, unpaired = [], []
    for p in lr_files:
        k = lr_key(_stem(p))
        if k is None:
            continue
        (pairs.append((p, hr.pop(k))) if k in hr else unpaired.append(p))
    unpaired += list(hr.values())
    if unpaired:
        raise ValueError(f"unpaired images in {where}: " + ", ".join(sorted(map(os.path.basename, unpaired))))
    if not pairs:
        raise ValueError(f"{where}: no LR/HR pairs found")
    return sorted(pairs)


def check_sizes(pairs, scale):
    """Read every pair once; returns the network-input (LR) size (h, w) of each pair."""
    sizes = []
    for lr, hr in pairs:
        (lh, lw), scaled = check_pair_size(lr, hr, scale)
        sizes.append((lh, lw) if scaled else (lh // scale, lw // scale))
    return sizes


def _need_dir(path, key):
    if not path:
        raise ValueError(f"dataset option '{key}' is required for this layout")
    if not isinstance(path, str):
        raise ValueError(f"dataset option '{key}' must be one folder for this layout, got {path!r}")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such folder ({key}); put the dataset there or fix the options file")


def find_pairs(opt):
    """[(lr_path, hr_path)] for a dataset options dict; errors name the folder or file.
    Sizes are not checked here (see :func:`check_sizes`)."""
    layout, scale = opt.get("layout", "folders"), opt["scale"]
    if layout == "folders":
        _need_dir(opt.get("dataroot_gt"), "dataroot_gt")
        _need_dir(opt.get("dataroot_lq"), "dataroot_lq")
        return pair_images(opt["dataroot_lq"], opt["dataroot_gt"], scale=scale,
                           filename_tmpl=opt.get("filename_tmpl", "{}"), check_size=False)
    if layout == "realsr":
        _need_dir(opt.get("dataroot"), "dataroot")
        files = scan_images(opt["dataroot"])
        hr = [p for p in files if re.search(r"_HR$", _stem(p))]
        lr = [p for p in files if re.search(r"_LR\d+$", _stem(p))]
        pairs = _match(lr, hr, lambda s: re.sub(r"_LR\d+$", "", s), lambda s: s[:-3], opt["dataroot"])
    elif layout == "drealsr":
        _need_dir(opt.get("dataroot_gt"), "dataroot_gt")
        _need_dir(opt.get("dataroot_lq"), "dataroot_lq")
        strip = lambda s: re.sub(r"_x\d+$", "", s)  # noqa: E731
        pairs = _match(scan_images(opt["dataroot_lq"]), scan_images(opt["dataroot_gt"]), strip, strip,
                       f"{opt['dataroot_lq']} and {opt['dataroot_gt']}")
    else:
        raise ValueError(f"dataset layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    return pairs
