"""Image and checkpoint IO with the project's conventions.

Images are numpy uint8, HxWx3 RGB or HxW gray. Reading:

* a gray file (or a 1-channel one) gives HxW; gray with alpha gives HxW (alpha dropped);
* RGBA drops the alpha channel (no compositing: SR works on the stored colour values);
* 16-bit files are scaled to 8 bit by ``round(v / 257)`` (65535 -> 255, 257*k -> k);
* anything unreadable, empty or not an image raises :class:`ImageError` naming the file.

Writes go to a temporary file in the target folder that is then renamed, so an interrupted
write never leaves a half-written image or checkpoint behind.
"""
import os
import re
import tempfile

import cv2
import numpy as np

__all__ = [
    "ImageError", "CheckpointError", "IMAGE_EXTENSIONS", "imread", "imwrite", "scan_images",
    "pair_images", "check_pair_size", "load_checkpoint", "save_checkpoint", "atomic_write",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file."""


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded safely; the message names the file."""


def imread(path):
    """Read an image as uint8 RGB HxWx3, or HxW for a gray file (see the module docstring)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ImageError(f"{path}: no such file")
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        raise ImageError(f"{path}: empty file")
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        raise ImageError(f"{path}: not a readable image")
    if img.dtype == np.uint16:
        img = np.floor(img.astype(np.float64) / 257.0 + 0.5).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ImageError(f"{path}: unsupported pixel type {img.dtype} (expected 8 or 16 bit)")
    if img.ndim == 3:
        channels = img.shape[2]
        if channels in (1, 2):
            img = img[:, :, 0]
        elif channels == 3:
            img = img[:, :, ::-1]
        elif channels == 4:
            img = img[:, :, 2::-1]
        else:
            raise ImageError(f"{path}: unsupported number of channels {channels}")
    return np.ascontiguousarray(img)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, write):
    """Call ``write(tmp_path)`` and rename the result to ``path``; creates parent folders."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = os.path.splitext(os.path.basename(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".tmp{ext}", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600 files; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def imwrite(path, img):
    """Write a uint8 HxWx3 RGB or HxW gray image atomically; the format follows the extension."""
    path = os.fspath(path)
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ValueError(f"{path}: imwrite expects uint8, got {img.dtype}")
    if img.ndim == 3 and img.shape[2] == 3:
        img = img[:, :, ::-1]
    elif not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 1)):
        raise ValueError(f"{path}: imwrite expects HxW or HxWx3, got shape {img.shape}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        raise ValueError(f"{path}: unknown image extension {ext!r}")
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(img))
    if not ok:
        raise ValueError(f"{path}: could not encode the image as {ext}")
    atomic_write(path, buf.tofile)


def scan_images(folder, recursive=False):
    """Sorted paths of the image files in ``folder`` (by extension, case-insensitive)."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: no such folder")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in files
                  if not f.startswith(".") and f.lower().endswith(IMAGE_EXTENSIONS)]
        if not recursive:
            break
    return sorted(found)


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def _match_key(lr_stem, scale):
    """The HR stem an LR name refers to: 'baby', 'babyx4', 'baby_x4', 'baby_LR' all give 'baby'."""
    pattern = r"(_?[xX]%d|_LR\d*|_lr)$" % scale if scale else r"(_LR\d*|_lr)$"
    return re.sub(pattern, "", lr_stem)


def pair_images(lr_dir, hr_dir, scale=None, filename_tmpl="{}", check_size=True):
    """Pair LR and HR images by name; returns a sorted list of (lr_path, hr_path).

    An LR file ``<hr_stem>`` formatted by ``filename_tmpl`` (BasicSR), or named like
    ``<hr_stem>x<scale>`` (EDSR/SwinIR) or ``<hr_stem>_LR``, pairs with ``<hr_stem>``. With
    ``scale`` and ``check_size``, each HR must be scale x LR, up to the mod-crop remainder, or the
    same size as its LR (real-SR sets store LR at HR size). Raises ValueError naming every
    unpaired or size-inconsistent file.
    """
    lr_files, hr_files = scan_images(lr_dir), scan_images(hr_dir)
    if not hr_files:
        raise ValueError(f"{hr_dir}: no images found")
    hr_by_stem = {_stem(p): p for p in hr_files}
    tmpl_to_hr = {filename_tmpl.format(s): s for s in hr_by_stem}
    pairs, unpaired = [], []
    for lr in lr_files:
        s = _stem(lr)
        hr_stem = tmpl_to_hr.get(s) or (_match_key(s, scale) if _match_key(s, scale) in hr_by_stem else None)
        if hr_stem is None:
            unpaired.append(lr)
        else:
            pairs.append((lr, hr_by_stem[hr_stem]))
    used = [hr for _, hr in pairs]
    twice = sorted({hr for hr in used if used.count(hr) > 1})
    if twice:
        raise ValueError(f"{lr_dir}: several LR files pair with " + ", ".join(map(os.path.basename, twice)))
    unpaired += [hr for hr in hr_files if hr not in used]
    if unpaired:
        raise ValueError(f"unpaired images between {lr_dir} and {hr_dir}: " + ", ".join(map(os.path.basename, unpaired)))
    if scale and check_size:
        for lr, hr in pairs:
            check_pair_size(lr, hr, scale)
    return sorted(pairs)


def check_pair_size(lr, hr, scale):
    """Read an LR/HR pair; the HR must be scale x the LR up to the mod-crop remainder, or the LR's own
    size (real-SR sets). Returns (LR (h, w), whether the LR is scaled); ValueError naming both files."""
    lh, lw = imread(lr).shape[:2]
    hh, hw = imread(hr).shape[:2]
    scaled = 0 <= hh - lh * scale < scale and 0 <= hw - lw * scale < scale
    if not (scaled or (lh, lw) == (hh, hw)):
        raise ValueError(f"{lr}: {lw}x{lh} LR does not match {hr} ({hw}x{hh}) at x{scale}")
    return (lh, lw), scaled


def _strip_module(state):
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return state


def load_checkpoint(path, key="auto", map_location="cpu"):
    """Load a checkpoint safely (``torch.load(weights_only=True)``) and return its state dict.

    ``key='auto'`` unwraps BasicSR's ``params_ema`` (preferred) or ``params``, or a
    ``state_dict``/``model`` entry, and strips DataParallel's ``module.`` prefix.
    ``key=None`` returns the loaded object untouched (e.g. a training state); any other
    string selects that entry.
    """
    import torch

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such checkpoint file")
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # pickle errors, truncated zip files, unsafe globals
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: cannot be loaded as a weights-only checkpoint ({first})") from None
    if key is None:
        return obj
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: expected a dict of tensors, got {type(obj).__name__}")
    if key == "auto":
        for k in ("params_ema", "params", "state_dict", "model"):
            if isinstance(obj.get(k), dict):
                obj = obj[k]
                break
    else:
        if key not in obj:
            raise CheckpointError(f"{path}: no entry {key!r} (has {', '.join(map(str, obj))})")
        obj = obj[key]
    return _strip_module(obj)


def save_checkpoint(obj, path):
    """``torch.save`` to a temporary file, then rename; creates parent folders."""
    import torch

    atomic_write(path, lambda tmp: torch.save(obj, tmp))
