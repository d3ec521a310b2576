"""Parameters, FLOPs and latency of any nn.Module, counted by the project (no third-party counter).

FLOPs are 2 x multiply-accumulates of every Conv2d, ConvTranspose2d and Linear layer met in one
forward pass (bias additions, activations, pixel shuffles and element-wise ops not counted), the
convention of SR papers' "Multi-Adds x 2".
"""
import statistics
import time

import torch
from torch import nn

__all__ = ["count_parameters", "count_flops", "measure_latency"]


def count_parameters(model):
    """Number of parameters (trainable or not; buffers excluded)."""
    return sum(p.numel() for p in model.parameters())


def _layer_flops(module, inputs, output):
    if isinstance(module, nn.Conv2d):
        k = module.kernel_size[0] * module.kernel_size[1] * (module.in_channels // module.groups)
        return 2 * output.numel() * k
    if isinstance(module, nn.ConvTranspose2d):
        k = module.kernel_size[0] * module.kernel_size[1] * (module.out_channels // module.groups)
        return 2 * inputs[0].numel() * k
    if isinstance(module, nn.Linear):
        return 2 * output.numel() * module.in_features
    return 0


@torch.inference_mode()
def count_flops(model, *inputs):
    """FLOPs of one forward pass of ``model(*inputs)``; layers called twice count twice."""
    total = [0]

    def hook(module, args, output):
        total[0] += _layer_flops(module, args, output)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    try:
        model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return total[0]


def median_seconds(fn, warmup=2, repeats=5):
    """Median wall-clock seconds of ``fn()`` after ``warmup`` calls (autograd as the caller has it)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@torch.inference_mode()
def measure_latency(fn, warmup=2, repeats=5):
    """``median_seconds`` under inference mode (for forward passes)."""
    return median_seconds(fn, warmup, repeats)
