"""Image and checkpoint IO with the project's conventions.

Images are numpy uint8, HxWx3 RGB or HxW gray. Reading:

* a gray file (or a 1-channel one) gives HxW; gray with alpha gives HxW (alpha dropped);
* RGBA drops the alpha channel (no compositing: SR works on the stored colour values);
* 16-bit files are scaled to 8 bit by ``round(v / 257)`` (65535 -> 255, 257*k -> k);
* anything unreadable, empty, not an image or larger than the pixel limit raises :class:`ImageError`
  naming the file.

The pixel limit (:data:`MAX_PIXELS`, or the environment variable ``SR_MAX_PIXELS``, or the
``max_pixels`` argument; 0 means none) is checked from the file header before decoding for PNG,
JPEG, BMP and PPM/PGM/PBM, so that a small file declaring a huge image is refused without
allocating it; other formats are decoded under OpenCV's own limit and checked afterwards.

Writes go to a temporary file in the target folder that is then renamed, so an interrupted
write never leaves a half-written image or checkpoint behind.
"""
import contextlib
import errno
import os
import re
import signal
import struct
import tempfile

import cv2
import numpy as np

__all__ = [
    "ImageError", "CheckpointError", "IMAGE_EXTENSIONS", "imread", "imwrite", "scan_images",
    "pair_images", "check_pair_size", "load_checkpoint", "save_checkpoint", "atomic_write",
    "MAX_PIXELS", "header_size", "remove_stale_temps", "uninterrupted", "MissingError", "find_benchmark_set",
]

# Largest image imread accepts (width x height): 8192 x 8192, above any SR benchmark HR (DIV2K's
# 2040 x 1356 at x4 is 44 M pixels); a float64 copy of it for the metrics is already 0.5 GiB.
MAX_PIXELS = 8192 * 8192

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file."""


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded safely; the message names the file."""


class MissingError(FileNotFoundError):
    """A missing file or folder, with a one-line message that names it. Its ``strerror`` is the message,
    so ``common.cli.one_line`` shows it (for a plain ``FileNotFoundError(message)`` it has only the type)."""

    def __init__(self, message):
        super().__init__(errno.ENOENT, message)

    def __str__(self):
        return self.strerror


def _png_size(b):
    if len(b) < 24 or b[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", b[16:24])


def _jpeg_size(b):
    """Width and height from the first SOF marker (any of SOF0..SOF15 but DHT, JPG and DAC)."""
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:                          # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):     # no length field
            i += 2
            continue
        if marker in (0xD9, 0xDA):                   # end of image / start of scan before any frame
            return None
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(b):
                return None
            h, w = struct.unpack(">HH", b[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def _bmp_size(b):
    if len(b) < 26:
        return None
    if struct.unpack("<I", b[14:18])[0] == 12:      # OS/2 BITMAPCOREHEADER: 16-bit sizes
        return struct.unpack("<HH", b[18:22])
    w, h = struct.unpack("<ii", b[18:26])
    return abs(w), abs(h)                            # a negative height means top-down rows


def _pnm_size(b):
    """Width and height of a PBM/PGM/PPM header (tokens separated by whitespace, '#' comments)."""
    text = b[2:512].decode("latin-1")
    tokens = re.sub(r"#[^\n\r]*", " ", text).split()
    if len(tokens) < 2 or not (tokens[0].isdigit() and tokens[1].isdigit()):
        return None
    return int(tokens[0]), int(tokens[1])


def header_size(b):
    """(width, height) declared by the header of PNG, JPEG, BMP or PNM file bytes; None for other
    formats or a header too short to tell (the decoder then reports the file)."""
    if b.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_size(b)
    if b.startswith(b"\xff\xd8"):
        return _jpeg_size(b)
    if b.startswith(b"BM"):
        return _bmp_size(b)
    if len(b) > 2 and b[0:1] == b"P" and b[1:2] in b"123456" and b[2:3].isspace():
        return _pnm_size(b)
    return None


def _max_pixels(max_pixels):
    if max_pixels is not None:
        return max_pixels
    env = os.environ.get("SR_MAX_PIXELS", "")
    if not env:
        return MAX_PIXELS
    try:
        return int(env)
    except ValueError:
        raise ValueError(f"SR_MAX_PIXELS={env!r}: expected a whole number of pixels (0: no limit)") from None


def _check_pixels(path, w, h, limit):
    if limit > 0 and w * h > limit:
        raise ImageError(f"{path}: {w}x{h} pixels exceeds the limit of {limit} "
                         f"(set SR_MAX_PIXELS to raise it)")


def imread(path, max_pixels=None):
    """Read an image as uint8 RGB HxWx3, or HxW for a gray file (see the module docstring).

    ``max_pixels`` overrides the pixel limit (default: ``SR_MAX_PIXELS`` or :data:`MAX_PIXELS`; 0: none).
    """
    path = os.fspath(path)
    limit = _max_pixels(max_pixels)
    if not os.path.isfile(path):
        raise ImageError(f"{path}: no such file")
    with open(path, "rb") as f:
        raw = f.read()
    if not raw:
        raise ImageError(f"{path}: empty file")
    size = header_size(raw)
    if size is not None:
        _check_pixels(path, *size, limit)
    try:
        img = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        reason = re.sub(r"^.*error: \([^)]*\)\s*", "", " ".join(str(exc).split())) or "decoder error"
        raise ImageError(f"{path}: not a readable image (OpenCV: {reason})") from None
    except MemoryError:
        raise ImageError(f"{path}: not enough memory to decode this image") from None
    if img is None or img.size == 0:
        raise ImageError(f"{path}: not a readable image")
    _check_pixels(path, img.shape[1], img.shape[0], limit)
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


_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.[^.]+)?$")


def remove_stale_temps(folder):
    """Delete the temporary files ``atomic_write`` leaves in ``folder`` when a process is killed
    (``kill -9``) mid-write; returns their names. Only call it for a folder no other process writes."""
    removed = []
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if _TEMP_NAME.match(name) and os.path.isfile(path):
                os.remove(path)
                removed.append(name)
    return removed


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
        raise MissingError(f"{folder}: no such folder")
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
        raise MissingError(f"{path}: no such checkpoint file")
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
    """``torch.save`` to a temporary file, then rename; creates parent folders. A failed write (torch
    reports a full disk as a RuntimeError "enforce fail ... PytorchStreamWriter") is an OSError naming ``path``."""
    import torch

    def write(tmp):
        try:
            torch.save(obj, tmp)
        except RuntimeError as exc:
            if "PytorchStreamWriter" not in str(exc) and "enforce fail" not in str(exc):
                raise
            raise OSError(errno.EIO, "writing the checkpoint failed (full disk or unwritable folder?)",
                          os.fspath(path)) from None

    atomic_write(path, write)


def stored_as(state, fp16=True):
    """A state dict for a bundled weights file: floating tensors as fp16 (half the size; loading copies them
    into the network's fp32 parameters) or fp32 with ``fp16=False``; integer buffers as they are."""
    return {k: (v.half() if fp16 else v.float()) if v.is_floating_point() else v for k, v in state.items()}


@contextlib.contextmanager
def uninterrupted():
    """Hold SIGINT and SIGTERM while the block runs (a set of files being written is finished), then
    raise KeyboardInterrupt if one came. Outside the main thread signals cannot be held: no effect."""
    received = []
    try:
        old = {s: signal.signal(s, lambda signum, frame: received.append(signum))
               for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    if received:
        raise KeyboardInterrupt(f"signal {received[0]}")


BUNDLED_SETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "data")


def find_benchmark_set(name, data_root=None):
    """The HR folder of a benchmark set: ``<data_root>/<name>/HR`` (or ``<data_root>/<name>``), else the copy the
    repository ships in benchmarks/data (Set5, Set14); None when neither holds images."""
    for root in (data_root, BUNDLED_SETS):
        if not root:
            continue
        for folder in (os.path.join(root, name, "HR"), os.path.join(root, name)):
            if os.path.isdir(folder) and scan_images(folder):
                return folder
    return None
