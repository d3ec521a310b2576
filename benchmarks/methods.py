"""The methods every benchmark runs, and how one is reached through its package's api.py."""
import importlib
from dataclasses import dataclass

from common.imresize import imresize

__all__ = ["Method", "METHODS", "one_line", "api_of", "upscaler"]


@dataclass(frozen=True)
class Method:
    label: str
    package: str = None          # None: the bicubic baseline
    model: str = None
    scales: tuple = (2, 3, 4)
    perceptual: bool = False


METHODS = (
    Method("Bicubic"),
    Method("JTF-SISR", "jtf_sisr", "jtf_sisr", (2, 3, 4)),
    Method("GDSR", "gdsr", "gdsr", (4,), perceptual=True),
    Method("DARSR: SRFBN-S", "darsr", "srfbn_s", (2, 4)),
    Method("FASRGAN", "fasrgan", "fasrgan", (4,), perceptual=True),
    Method("Fs-SRGAN", "fasrgan", "fs_srgan", (4,), perceptual=True),
    Method("DGPNet", "dgpnet", "dgpnet", (4,)),
)


def one_line(exc):
    """The first line of an exception's message (its type name if it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def api_of(method):
    """The package's api module, or the reason it cannot be imported."""
    try:
        return importlib.import_module(f"{method.package}.api"), None
    except Exception as exc:   # a package that does not exist yet or fails to import
        return None, f"package not available ({one_line(exc)})"


def upscaler(method, scale):
    """(fn(lr, hr_shape) -> sr, weights label) or (None, reason)."""
    if method.package is None:
        return (lambda lr, hr_shape: imresize(lr, output_shape=hr_shape[:2])), "none (MATLAB bicubic)"
    api, why = api_of(method)
    if api is None:
        return None, why
    if scale not in method.scales:
        return None, f"x{scale} not provided by the method"
    try:
        model = api.load(method.model, scale)
    except Exception as exc:
        return None, f"no weights: {one_line(exc)}"
    return (lambda lr, hr_shape: api.upscale(model, lr)), getattr(api, "WEIGHTS_NOTE", "bundled weights")
