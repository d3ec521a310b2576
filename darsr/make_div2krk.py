"""Make a DIV2KRK-style synthetic blind-SR set: each HR image blurred by its own random
anisotropic Gaussian kernel with multiplicative noise, then subsampled (KernelGAN's recipe,
assafshocher/BlindSR_dataset_generator, as summarised in docs/papers/darsr.md, Sec. 6).

    python darsr/make_div2krk.py [--hr_dir DIR] [--scale 2] [--out DIR] [--seed 0] [--kernel_size 13]

Writes <out>/LRx<s>/<stem>.png, <out>/HR/<stem>.png (HR mod-cropped to the scale; same file names
as the LR, as darsr/main.py pairs them) and <out>/gt_k_x<s>/<stem>.npy (the true kernel): the folder
names of DARSR's README, so that, with the defaults (the bundled Set5, the current folder),

    python darsr/make_div2krk.py
    python darsr/main.py --input_dir LRx2 --gt_dir HR --scale_factor 2 --scale_factor_downsampler 0.5

run as they are written there. An image that cannot be read is one ``error:`` line and the others
are still written (exit status 1); a bad flag or a missing --hr_dir exits with 2.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from scipy.ndimage import center_of_mass, correlate, shift  # noqa: E402

from common.cli import UsageError, run_cli  # noqa: E402
from common.io import ImageError, atomic_write, imread, imwrite, scan_images  # noqa: E402

DEFAULT_KERNEL_SIZE = {2: 13, 4: 21}
BUNDLED_HR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "data", "Set5", "HR")


def random_kernel(scale, k_size, rng, noise=0.4):
    """Anisotropic Gaussian, variances ~ U(0.175 s, 2.5 s), angle ~ U(0, pi), with multiplicative noise."""
    lam = rng.uniform(0.175 * scale, 2.5 * scale, size=2)
    theta = rng.uniform(0, np.pi)
    q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    inv = np.linalg.inv(q @ np.diag(lam) @ q.T)
    mu = k_size // 2 + 0.5 * (scale - k_size % 2)
    yy, xx = np.mgrid[0:k_size, 0:k_size].astype(np.float64)
    d = np.stack([yy - mu, xx - mu], -1)
    k = np.exp(-0.5 * np.einsum("...i,ij,...j->...", d, inv, d))
    k *= 1 + rng.uniform(-noise, noise, size=k.shape)
    k /= k.sum()
    com = np.array(center_of_mass(k))
    k = shift(k, mu - com, order=1, mode="constant")     # re-centre the noisy kernel
    k = np.clip(k, 0, None)
    return k / k.sum()


def degrade(hr, kernel, scale):
    """Per-channel correlation with the kernel, then keep rows/cols round(linspace(0, H - s, H / s))."""
    hr = hr.astype(np.float64)
    if hr.ndim == 2:
        blurred = correlate(hr, kernel, mode="nearest")
    else:
        blurred = np.stack([correlate(hr[..., c], kernel, mode="nearest") for c in range(hr.shape[2])], -1)
    h, w = hr.shape[:2]
    rows = np.round(np.linspace(0, h - scale, h // scale)).astype(int)
    cols = np.round(np.linspace(0, w - scale, w // scale)).astype(int)
    return np.clip(np.round(blurred[rows][:, cols]), 0, 255).astype(np.uint8)


def make(hr_dir, scale, out, seed=0, kernel_size=None, limit=None, crop=None, failed=None):
    """Build the set; returns a list of (lr_path, gt_path, kernel_path). ``crop`` centre-crops each HR first.

    With a list ``failed``, an image that cannot be used is appended to it as a one-line message and
    the others are still made; without it, the first such image raises ImageError.
    """
    files = scan_images(hr_dir)
    if not files:
        raise ImageError(f"{hr_dir}: no images found")
    rng = np.random.default_rng(seed)
    k_size = kernel_size or DEFAULT_KERNEL_SIZE.get(scale, 4 * scale + 5)
    made = []
    for path in files[:limit]:
        stem = os.path.splitext(os.path.basename(path))[0]
        k = random_kernel(scale, k_size, rng)          # drawn first: an image's kernel depends only on its place
        try:
            hr = imread(path)
        except ImageError as exc:
            if failed is None:
                raise
            failed.append(str(exc))
            continue
        if hr.ndim == 2:
            hr = np.repeat(hr[:, :, None], 3, axis=2)
        if crop:
            h, w = hr.shape[:2]
            t, l = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
            hr = hr[t:t + crop, l:l + crop]
        hr = hr[:hr.shape[0] - hr.shape[0] % scale, :hr.shape[1] - hr.shape[1] % scale]   # top-left mod-crop
        if min(hr.shape[:2]) == 0:
            msg = f"{path}: smaller than the scale {scale}"
            if failed is None:
                raise ImageError(msg)
            failed.append(msg)
            continue
        lr_path = os.path.join(out, f"LRx{scale}", f"{stem}.png")
        gt_path = os.path.join(out, "HR", f"{stem}.png")
        k_path = os.path.join(out, f"gt_k_x{scale}", f"{stem}.npy")
        imwrite(lr_path, degrade(hr, k, scale))
        imwrite(gt_path, hr)
        atomic_write(k_path, lambda tmp: np.save(tmp, k))
        made.append((lr_path, gt_path, k_path))
    return made


def _main(argv=None):
    p = argparse.ArgumentParser(description="DIV2KRK-style synthetic set (random kernels)")
    p.add_argument("--hr_dir", default=BUNDLED_HR, help="HR images (default: the bundled Set5)")
    p.add_argument("--scale", type=int, default=2, choices=(2, 4))
    p.add_argument("--out", default=".", help="where LRx<s>/, HR/ and gt_k_x<s>/ go (default: here)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kernel_size", type=int, default=0, help="0: 13 for x2, 21 for x4")
    p.add_argument("--limit", type=int, default=None, help="use only the first N images")
    p.add_argument("--crop", type=int, default=0, help="centre-crop each HR to this size first (0: no)")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    a = p.parse_args(argv)
    if a.kernel_size != 0 and a.kernel_size < 3:
        raise UsageError(f"--kernel_size must be 0 (the default) or at least 3, got {a.kernel_size}")
    if a.limit is not None and a.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {a.limit}")
    if a.crop < 0 or 0 < a.crop < a.scale:
        raise UsageError(f"--crop must be 0 (no crop) or at least the scale {a.scale}, got {a.crop}")
    if not os.path.isdir(a.hr_dir):
        raise UsageError(f"{a.hr_dir}: --hr_dir is not a folder")
    if not scan_images(a.hr_dir):
        raise UsageError(f"{a.hr_dir}: no images in --hr_dir")
    failed = []
    made = make(a.hr_dir, a.scale, a.out, a.seed, a.kernel_size or None, a.limit, a.crop or None, failed=failed)
    for msg in failed:
        print(f"error: {msg}", file=sys.stderr)
    lr_dir, hr_dir = (os.path.normpath(os.path.join(a.out, d)) for d in (f"LRx{a.scale}", "HR"))
    print(f"{len(made)} images written to {a.out} (LRx{a.scale}/, HR/, gt_k_x{a.scale}/)"
          + (f", {len(failed)} failed" if failed else "") + "; next:\n"
          f"  python darsr/main.py --input_dir {lr_dir} --gt_dir {hr_dir} --scale_factor {a.scale} "
          f"--scale_factor_downsampler {1 / a.scale:g} --preset fast")
    return 1 if failed else 0


def main(argv=None):
    return run_cli(_main, argv, prog="make_div2krk.py")


if __name__ == "__main__":
    sys.exit(main())
