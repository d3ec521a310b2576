"""Before/after timings of the inference speed settings, per method, in one run.

    python -m benchmarks.bench_inference_modes [--lr_size 128] [--repeats 3] [--threads N]

For every network of benchmarks.run.METHODS (bundled weights when they exist, else the default
size; DGPNet fused) the forward pass of one LR image is timed under
  no_grad            the plain baseline (NCHW, autograd recording off),
  inference_mode     torch.inference_mode() instead of no_grad,
  + channels_last    inference_mode with the model and input in channels_last (NHWC) memory,
  + bf16             channels_last under bf16 autocast, only on a CPU with native bf16 (not exact:
                     its largest difference is printed on its own, as a fraction of the output range),
and the largest output difference of each exact setting against the baseline is printed, so every
speed-up shown is also shown to be exact (float rounding only).
"""
import argparse
import sys

import torch

from benchmarks.model_stats import measure_latency
from common.precision import autocast, cpu_capability, native_bf16
from benchmarks.peak_memory import inference_model
from benchmarks.progress import bar
from benchmarks.methods import METHODS, api_of


def network(method, scale=4):
    """(module, forward function of a [0, 1] NCHW batch, note) for one method."""
    api, why = api_of(method)
    if api is None:
        return None, None, why
    s = scale if scale in method.scales else method.scales[-1]
    model, note = inference_model(api, method.model, s)
    model.eval()
    if method.package == "darsr":
        return model, api.sr_forward, note
    if method.package == "gdsr":
        return model, lambda m, x: m.forward_all(x)["fused"] if hasattr(m, "forward_all") else m(x), note
    return model, lambda m, x: m(x), note


def time_settings(model, forward, x, repeats):
    """Latency (s) and max |difference| to the baseline for each setting."""
    model = model.to(memory_format=torch.contiguous_format)   # the baseline layout, whatever load() chose
    with torch.no_grad():
        ref = forward(model, x)
        base = measure_latency(lambda: forward(model, x), warmup=0, repeats=repeats)
    out = {"no_grad": (base, 0.0)}
    with torch.inference_mode():
        y = forward(model, x)
        out["inference_mode"] = (measure_latency(lambda: forward(model, x), warmup=0, repeats=repeats),
                                 (y - ref).abs().max().item())
        model = model.to(memory_format=torch.channels_last)
        xc = x.contiguous(memory_format=torch.channels_last)
        y = forward(model, xc)
        out["channels_last"] = (measure_latency(lambda: forward(model, xc), warmup=0, repeats=repeats),
                                (y - ref).abs().max().item())
        if native_bf16():
            with autocast("bf16"):
                y = forward(model, xc).float()
                out["bf16"] = (measure_latency(lambda: forward(model, xc), warmup=0, repeats=repeats),
                               ((y - ref).abs().max() / (ref.max() - ref.min())).item())
        model.to(memory_format=torch.contiguous_format)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_inference_modes", description=__doc__.splitlines()[0])
    p.add_argument("--lr_size", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    x = torch.rand(1, 3, a.lr_size, a.lr_size, generator=torch.Generator().manual_seed(0))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU {cpu_capability()}, "
          f"one {a.lr_size}x{a.lr_size} LR, median of {a.repeats} after a warm-up")
    print("| method | no_grad (s) | inference_mode (s) | + channels_last (s) | speed-up | max diff "
          "| + bf16 (s) | bf16 max diff / range |")
    print("|---|---|---|---|---|---|---|---|")
    for method in bar(METHODS, "inference modes", unit="method"):
        if method.package is None:
            continue
        model, forward, note = network(method)
        if model is None:
            print(f"| {method.label} | {note} | | | | |")
            continue
        r = time_settings(model, forward, x, a.repeats)
        base, (im, d_im), (cl, d_cl) = r["no_grad"][0], r["inference_mode"], r["channels_last"]
        bf16, d_bf16 = r.get("bf16", (None, None))
        bf16_cols = f"{bf16:.3f} ({base / bf16:.2f}x) | {d_bf16:.1e}" if bf16 else "not native on this CPU | -"
        print(f"| {method.label} ({note}) | {base:.3f} | {im:.3f} | {cl:.3f} | {base / cl:.2f}x | "
              f"{max(d_im, d_cl):.1e} | {bf16_cols} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
