"""The closed-form correction filter of Hussein, Tirer and Giryes (CVPR 2020), from a known or estimated kernel.

An LR image made as ``y = subsample(x (*) k)`` is filtered so that it approaches the bicubic LR
``y_b = imresize(x, 1/s)`` of the same HR, which is what a network trained on bicubic LR expects.
With the HR modelled as white (the paper's least-squares setting), the best linear filter ``h`` on the LR
grid solves ``h * R = Q`` with

    R[e] = C_kk(s e)      the kernel's autocorrelation sampled at the LR spacing,
    Q[e] = C_bk(s e)      the cross-correlation of the bicubic filter with the kernel, likewise,

so ``H = Q^ / (R^ + eps max R^)`` in the Fourier domain (``eps`` regularises the frequencies the
kernel removes). ``EPS`` and ``SHRINK`` (``shrink_kernel``), the settings for an ESTIMATED kernel, were
chosen on the 10-image x2 set of ``benchmarks.div2krk`` and checked on 10 other images (darsr/README.md).

Both degradations are handled as black boxes: their HR-grid filters, with the sampling phase of
each, are read from their responses to impulses at every phase (``hr_filter``), so the kernel's
sampling convention (``darsr.make_div2krk.degrade``) and MATLAB bicubic's half-pixel centres need no
hand-derived offsets.
"""
import numpy as np
from scipy.ndimage import affine_transform, center_of_mass, correlate, shift
from scipy.signal import correlate as correlate_nd

from common.imresize import imresize

__all__ = ["EPS", "SHRINK", "kernel_degradation", "bicubic_degradation", "hr_filter", "correction_spectrum",
           "centre_kernel", "shrink_kernel", "correct"]

EPS = 3e-3
SHRINK = 0.7


def kernel_degradation(kernel, scale):
    """``x -> correlate(x, kernel)[::s, ::s]`` in float (``make_div2krk.degrade`` without rounding)."""
    kernel = np.asarray(kernel, np.float64)

    def op(x):
        return correlate(x, kernel, mode="nearest")[::scale, ::scale]
    return op


def bicubic_degradation(scale):
    """``x -> imresize(x, 1/s)`` in float (MATLAB bicubic with antialiasing)."""
    return lambda x: imresize(x, 1.0 / scale)


def hr_filter(op, scale, radius):
    """The HR-grid filter ``g`` of a linear, s-periodic downscaling ``op``: ``op(x)[i] = sum_n g(s i - n) x[n]``
    up to one shift shared by every op, returned for ``|m| <= radius`` per axis (a (2r+1)^2 array)."""
    n_lr = 2 * (radius // scale) + 8
    i0 = n_lr // 2
    g = np.zeros((2 * radius + 1, 2 * radius + 1))
    m = np.arange(-radius, radius + 1)
    j, p = np.divmod(m, scale)                      # m = s j + p, 0 <= p < s
    for py in range(scale):
        for px in range(scale):
            x = np.zeros((n_lr * scale, n_lr * scale))
            x[scale * i0 - py, scale * i0 - px] = 1.0
            y = op(x)
            rows, cols = np.nonzero(p == py)[0], np.nonzero(p == px)[0]
            g[np.ix_(rows, cols)] = y[np.ix_(i0 + j[rows], i0 + j[cols])]
    return g


def _sampled_correlation(a, b, scale, radius):
    """``C(s e) = sum_u a(u + s e) b(u)`` for LR offsets ``e``, as a dict-free square array centred at e = 0."""
    c = correlate_nd(a, b, mode="full")             # index t <-> lag t - (len(b) - 1)
    centre = b.shape[0] - 1
    e = np.arange(-(centre // scale), centre // scale + 1)
    idx = centre + scale * e
    ok = (idx >= 0) & (idx < c.shape[0])
    e, idx = e[ok], idx[ok]
    return c[np.ix_(idx, idx)], len(e) // 2


def correction_spectrum(kernel, scale, shape, eps=EPS, radius=None):
    """The correction filter's frequency response on an LR grid of ``shape`` (for ``numpy.fft.fft2``)."""
    kernel = np.asarray(kernel, np.float64)
    radius = radius or (kernel.shape[0] // 2 + 4 * scale)
    g_k = hr_filter(kernel_degradation(kernel, scale), scale, radius)
    g_b = hr_filter(bicubic_degradation(scale), scale, radius)
    spectra = []
    for a in (g_k, g_b):
        c, r = _sampled_correlation(a, g_k, scale, radius)
        grid = np.zeros(shape)
        for dy in range(-r, r + 1):                  # lag e at index e mod shape (circular)
            for dx in range(-r, r + 1):
                grid[dy % shape[0], dx % shape[1]] += c[dy + r, dx + r]
        spectra.append(np.fft.fft2(grid))
    r_hat, q_hat = spectra
    power = np.abs(r_hat)
    return q_hat / (power + eps * power.max())


def centre_kernel(kernel, scale, pad=True):
    """``kernel`` (correlation form) padded by ``scale`` on every side (``pad``) and shifted so its centre of
    mass sits where ``make_div2krk`` puts a true kernel's, i.e. on the bicubic sampling centre; an estimated
    kernel's position is arbitrary to the GAN."""
    kernel = np.clip(np.asarray(kernel, np.float64), 0, None)
    kernel = kernel / kernel.sum()
    if pad:
        kernel = np.pad(kernel, scale)                # room for the shift (G's 13x13 is tight at x4)
    size = kernel.shape[0]
    mu = size // 2 + 0.5 * (scale - size % 2)
    out = np.clip(shift(kernel, mu - np.array(center_of_mass(kernel)), order=1, mode="constant"), 0, None)
    return out / out.sum()


def shrink_kernel(kernel, scale, factor=SHRINK):
    """An estimated kernel narrowed about its centre by ``factor`` (and centred, see ``centre_kernel``).

    The correction's error is lopsided: on the 10-image x2 set of ``benchmarks.div2krk`` a true kernel
    widened by 20% cut the gain from +2.74 to +0.20 dB (eps 1e-3; over-sharpening), narrowed by 20% only to
    +1.83 dB. An estimate is therefore applied narrowed, so that its errors fall on the gentle side."""
    k = centre_kernel(kernel, scale)
    if factor == 1:
        return k
    size = k.shape[0]
    c = np.full(2, size // 2 + 0.5 * (scale - size % 2))
    m = np.eye(2) / factor                          # output coordinate -> input coordinate
    out = np.clip(affine_transform(k, m, offset=c - m @ c, order=1), 0, None)
    return centre_kernel(out, scale, pad=False)


def correct(lr, kernel, scale, eps=EPS, pad=None):
    """The LR image filtered towards the bicubic LR of its HR; uint8 in, uint8 out (HxW or HxWx3).

    ``kernel`` is in correlation form, in ``make_div2krk``'s sampling convention."""
    kernel = np.asarray(kernel, np.float64)
    pad = pad or max(8, kernel.shape[0])
    img = lr.astype(np.float64)
    planes = img[..., None] if img.ndim == 2 else img
    padded = np.pad(planes, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    spectrum = correction_spectrum(kernel, scale, padded.shape[:2], eps)
    out = np.empty_like(planes)
    for c in range(planes.shape[2]):
        filtered = np.real(np.fft.ifft2(np.fft.fft2(padded[..., c]) * spectrum))
        out[..., c] = filtered[pad:-pad, pad:-pad]
    out = np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)
    return out[..., 0] if lr.ndim == 2 else out
