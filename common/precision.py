"""One precision option for training and inference: fp32, fp16 or bf16 mixed precision.

* fp32 is a no-op: no autocast, the networks run as they are.
* fp16 is CUDA autocast with a GradScaler (loss scaling) for training; it is refused on a CPU.
* bf16 is autocast to bfloat16 on CUDA, and on a CPU only where the CPU has native bf16 arithmetic
  (AVX512_BF16 or AMX). Elsewhere bf16 is emulated, about 100x slower than fp32, and refused with a
  one-line message naming the capability found.

Losses, metrics and optimizer state stay fp32: autocast only changes the dtype inside the forward
pass, and callers cast the network output to float32 before the loss.
"""
import contextlib
import functools
import os

import torch

from common.cli import UsageError

__all__ = ["PrecisionError", "PRECISIONS", "normalise", "cpu_capability", "native_bf16", "check", "autocast",
           "grad_scaler", "training_layout"]

PRECISIONS = ("fp32", "fp16", "bf16")
_ALIASES = {"fp32": "fp32", "single": "fp32", "float32": "fp32", "fp16": "fp16", "half": "fp16",
            "float16": "fp16", "bf16": "bf16", "bfloat16": "bf16"}
_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


class PrecisionError(UsageError):
    """A precision that this device cannot run (or an unknown name): a bad option value (exit code 2 under
    ``common.cli.run_cli``); the message is one line."""


def normalise(name):
    """'single'/'half' (EDSR's names) and 'fp32'/'fp16'/'bf16' -> 'fp32'/'fp16'/'bf16'."""
    key = str(name).lower()
    if key not in _ALIASES:
        raise PrecisionError(f"precision {name!r}: choose fp32, fp16 or bf16 (single and half are accepted too)")
    return _ALIASES[key]


@functools.lru_cache(maxsize=None)
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def native_bf16():
    """Whether this CPU computes bf16 natively (the avx512_bf16 or amx_bf16 instruction sets).

    ``torch.backends.cpu.get_cpu_capability()`` names the vector width only (AVX2, AVX512), so the
    instruction-set flags are read from /proc/cpuinfo; ``SR_NATIVE_BF16=0|1`` overrides the answer."""
    forced = os.environ.get("SR_NATIVE_BF16")
    if forced in ("0", "1"):
        return forced == "1"
    flags = _cpu_flags()
    if flags is None:                      # not Linux: trust oneDNN's own check
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def cpu_capability():
    """This CPU as the speed tables state it, e.g. 'AVX512 + native bf16' or 'AVX2 (no native bf16)'."""
    cap = torch.backends.cpu.get_cpu_capability()
    return f"{cap} + native bf16" if native_bf16() else f"{cap} (no native bf16)"


def _device_type(device):
    return torch.device(device).type


def check(precision, device="cpu"):
    """The normalised precision name, or PrecisionError if ``device`` cannot run it."""
    p = normalise(precision)
    kind = _device_type(device)
    if p == "fp16" and kind == "cpu":
        raise PrecisionError("precision fp16 needs a CUDA device (on a CPU use bf16 where it is native, or fp32)")
    if p == "bf16" and kind == "cpu" and not native_bf16():
        raise PrecisionError(f"precision bf16: this CPU ({torch.backends.cpu.get_cpu_capability()}) has no native "
                             f"bf16 (avx512_bf16 or amx_bf16) and would run it ~100x slower than fp32; use fp32")
    return p


def autocast(precision, device="cpu"):
    """A context manager running the forward pass in ``precision`` on ``device`` (fp32: nothing)."""
    p = check(precision, device)
    if p == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(_device_type(device), dtype=_DTYPES[p])


def grad_scaler(precision, device="cpu"):
    """The loss scaler training needs: enabled for fp16 on CUDA, a pass-through otherwise."""
    p = check(precision, device)
    kind = _device_type(device)
    return torch.amp.GradScaler(kind, enabled=(p == "fp16" and kind == "cuda"))


def training_layout(precision):
    """Memory format for the networks and batches of a training run: channels_last under fp16/bf16 autocast
    (measured on an AVX512-bf16 CPU, one thread: 1.13x for fasrgan's 6-block RRDBNet at batch 16, LR 24;
    1.08-1.10x for the GDSR and FASRGAN GAN steps), contiguous in fp32 (0.97-1.07x there: no clear gain)."""
    import torch

    return torch.contiguous_format if normalise(precision) == "fp32" else torch.channels_last
