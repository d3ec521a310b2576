"""A synthetic real-world degradation: the second-order recipe of Real-ESRGAN (Wang et al., ICCVW 2021).

HR -> [blur -> random resize -> Gaussian or Poisson noise -> JPEG] -> [blur (p 0.8) -> random resize ->
noise -> (resize to LR size + sinc) and JPEG in random order] -> LR, every parameter drawn from ``rng``.
The ranges and probabilities are Real-ESRGAN's published training settings (``SECOND_ORDER``). Its sharpened
training target is ``usm_sharpen`` (the dataset's ``gt_usm``). Not carried over: its training queue (a pool that
mixes degradations across batches). Images are float32 RGB in [0, 1] between the steps; JPEG works on the rounded
uint8 image.
"""
import math

import cv2
import numpy as np
from scipy import special

__all__ = ["SECOND_ORDER", "random_blur_kernel", "sinc_kernel", "degrade_real", "usm_sharpen"]

KERNEL_TYPES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")
SECOND_ORDER = {
    "kernel_prob": (0.45, 0.25, 0.12, 0.03, 0.12, 0.03),     # over KERNEL_TYPES
    "first": {"sinc_prob": 0.1, "sigma": (0.2, 3.0), "resize_prob": (0.2, 0.7, 0.1), "resize_range": (0.15, 1.5),
              "gaussian_noise_prob": 0.5, "noise_range": (1, 30), "poisson_scale_range": (0.05, 3.0),
              "gray_noise_prob": 0.4, "jpeg_range": (30, 95)},
    "second": {"blur_prob": 0.8, "sinc_prob": 0.1, "sigma": (0.2, 1.5), "resize_prob": (0.3, 0.4, 0.3),
               "resize_range": (0.3, 1.2), "gaussian_noise_prob": 0.5, "noise_range": (1, 25),
               "poisson_scale_range": (0.05, 2.5), "gray_noise_prob": 0.4, "jpeg_range": (30, 95)},
    "kernel_sizes": (7, 9, 11, 13, 15, 17, 19, 21),
    "betag_range": (0.5, 4.0), "betap_range": (1.0, 2.0),    # generalized Gaussian and plateau shape
    "final_sinc_prob": 0.8,
}
_MODES = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC)


def _grid(size):
    ax = np.arange(size, dtype=np.float64) - (size - 1) / 2
    return np.stack(np.meshgrid(ax, ax, indexing="ij"), -1)


def random_blur_kernel(rng, size, sigma_range, conf=SECOND_ORDER):
    """One of Real-ESRGAN's six kernel families (iso/aniso Gaussian, generalized Gaussian, plateau),
    ``size`` x ``size``, summing to 1."""
    kind = KERNEL_TYPES[rng.choice(len(KERNEL_TYPES), p=conf["kernel_prob"])]
    s1 = rng.uniform(*sigma_range)
    if kind.endswith("iso") and not kind.endswith("aniso"):
        s2, theta = s1, 0.0
    else:
        s2, theta = rng.uniform(*sigma_range), rng.uniform(-math.pi, math.pi)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    inv = np.linalg.inv(rot @ np.diag([s1 ** 2, s2 ** 2]) @ rot.T)
    d = _grid(size)
    q = np.einsum("...i,ij,...j->...", d, inv, d)          # squared Mahalanobis distance
    if kind.startswith("generalized"):
        k = np.exp(-0.5 * q ** rng.uniform(*conf["betag_range"]))
    elif kind.startswith("plateau"):
        k = 1.0 / (1.0 + q ** rng.uniform(*conf["betap_range"]))
    else:
        k = np.exp(-0.5 * q)
    return (k / k.sum()).astype(np.float32)


def sinc_kernel(size, cutoff):
    """An ideal circular low-pass of angular cutoff ``cutoff`` (radians), ``size`` x ``size``, summing to 1:
    ringing and overshoot artifacts."""
    r = np.linalg.norm(_grid(size), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = cutoff * special.j1(cutoff * r) / (2 * math.pi * r)
    k[r == 0] = cutoff ** 2 / (4 * math.pi)
    return (k / k.sum()).astype(np.float32)


def _blur(img, kernel):
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REFLECT_101)


def _stage_kernel(rng, stage, conf):
    size = int(rng.choice(conf["kernel_sizes"]))
    if rng.random() < stage["sinc_prob"]:
        cutoff = rng.uniform(math.pi / 3, math.pi) if size < 13 else rng.uniform(math.pi / 5, math.pi)
        return sinc_kernel(size, cutoff)
    return random_blur_kernel(rng, size, stage["sigma"], conf)


def _resize(img, h, w, rng):
    return cv2.resize(img, (max(int(w), 1), max(int(h), 1)), interpolation=int(rng.choice(_MODES)))


def _random_factor(rng, stage):
    up, down, _ = stage["resize_prob"]
    u = rng.random()
    if u < up:
        return rng.uniform(1.0, stage["resize_range"][1])
    if u < up + down:
        return rng.uniform(stage["resize_range"][0], 1.0)
    return 1.0


def _noise(img, rng, stage):
    gray = rng.random() < stage["gray_noise_prob"]
    if rng.random() < stage["gaussian_noise_prob"]:
        sigma = rng.uniform(*stage["noise_range"]) / 255.0
        shape = img.shape[:2] + ((1,) if gray else (img.shape[2],))
        noise = rng.normal(0.0, sigma, shape).astype(np.float32)
    else:   # Poisson: counts at the image's number of grey levels (rounded up to a power of 2), scaled
        scale = rng.uniform(*stage["poisson_scale_range"])
        src = (img @ np.array([0.299, 0.587, 0.114], np.float32))[..., None] if gray else img
        levels = 2.0 ** math.ceil(math.log2(max(len(np.unique(np.round(src * 255))), 2)))
        noise = ((rng.poisson(np.clip(src, 0, 1) * levels) / levels - src) * scale).astype(np.float32)
    return np.clip(img + noise, 0.0, 1.0)


def _jpeg(img, rng, stage):
    quality = int(rng.uniform(*stage["jpeg_range"]))
    u8 = np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", u8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0


def degrade_real(hr, scale, rng, conf=SECOND_ORDER):
    """uint8 HxWx3 HR -> uint8 (H/scale)x(W/scale)x3 LR through the second-order degradation."""
    h, w = hr.shape[0] // scale, hr.shape[1] // scale
    img = hr.astype(np.float32) / 255.0
    first, second = conf["first"], conf["second"]
    # first order
    img = _blur(img, _stage_kernel(rng, first, conf))
    f = _random_factor(rng, first)
    img = _resize(img, img.shape[0] * f, img.shape[1] * f, rng)
    img = _jpeg(_noise(img, rng, first), rng, first)
    # second order
    if rng.random() < second["blur_prob"]:
        img = _blur(img, _stage_kernel(rng, second, conf))
    f = _random_factor(rng, second)
    img = _resize(img, h * f, w * f, rng)
    img = _noise(img, rng, second)
    final_sinc = (sinc_kernel(int(rng.choice(conf["kernel_sizes"])), rng.uniform(math.pi / 3, math.pi))
                  if rng.random() < conf["final_sinc_prob"] else None)

    def to_lr(x):
        x = _resize(x, h, w, rng)
        return _blur(x, final_sinc) if final_sinc is not None else x

    img = _jpeg(to_lr(img), rng, second) if rng.random() < 0.5 else to_lr(_jpeg(img, rng, second))
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)


def usm_sharpen(img, weight=0.5, ksize=51, threshold=10):
    """Unsharp masking of a uint8 HxWx3 image, Real-ESRGAN's target sharpening: add ``weight`` x the detail
    (image minus a Gaussian blur of size ``ksize``, sigma from OpenCV's rule: 8 for 51) where the detail exceeds
    ``threshold`` grey levels, with that mask itself blurred so sharpened and untouched regions blend smoothly."""
    x = img.astype(np.float32) / 255.0
    detail = x - cv2.GaussianBlur(x, (ksize, ksize), 0)
    mask = cv2.GaussianBlur((np.abs(detail) * 255.0 > threshold).astype(np.float32), (ksize, ksize), 0)
    sharp = np.clip(x + weight * detail, 0.0, 1.0)
    out = mask * sharp + (1.0 - mask) * x
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)
