"""Peak memory of one ``api.upscale`` call, measured in a fresh process (used by benchmarks.run).

    python -m benchmarks.peak_memory --package dgpnet --model dgpnet --scale 4 --size 1024 [--tile 256]
                                     [--max_gib 17]

Prints the growth of the peak resident set size (MiB) during the call above what the process held
just before it, with the network inference runs loaded (the package's weights if ``api.load`` has
them, else a fresh ``api.build``, fused when the api has ``fuse``). The process may not use more
than ``--max_gib`` GiB of address space (default: 75% of physical memory), so a whole-image run
that would not fit ends with the line ``did not fit in N GiB`` (exit status 3) instead of taking
the machine down. On a CUDA device the peak of allocated GPU memory would be the figure to use.
"""
import argparse
import importlib
import os
import resource
import sys

import numpy as np

DID_NOT_FIT = 3          # exit status of a run that hit the --max_gib limit


def default_max_gib():
    """75% of this machine's physical memory, in GiB."""
    return 0.75 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30


def inference_model(api, name, scale):
    """(network, note): what inference runs. The package's weights when ``api.load`` has them,
    otherwise a fresh network, re-parameterized by ``api.fuse`` where the package has one."""
    try:
        return api.load(name, scale), "bundled weights"
    except Exception:
        model = api.build(name, scale).eval()
    if hasattr(api, "fuse"):
        return api.fuse(model).eval(), "fused, no weights"
    return model, "default size, no weights"


def _status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _reset_peak():
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _out_of_memory(exc):
    return isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and (
        "can't allocate memory" in str(exc) or "bad_alloc" in str(exc)))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.peak_memory")
    p.add_argument("--package", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--size", type=int, default=1024, help="side of the square LR image")
    p.add_argument("--tile", type=int, default=None)
    p.add_argument("--max_gib", type=float, default=None,
                   help="address-space limit of this process in GiB (default: 75%% of physical memory)")
    args = p.parse_args(argv)
    max_gib = args.max_gib or default_max_gib()
    limit = int(max_gib * 2 ** 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    api = importlib.import_module(f"{args.package}.api")
    model, _ = inference_model(api, args.model, args.scale)
    img = np.random.default_rng(0).integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    api.upscale(model, img[:32, :32], tile=None)          # warm-up: allocator and kernels
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        api.upscale(model, img, tile=args.tile)
    except Exception as exc:
        if not _out_of_memory(exc):
            raise
        print(f"did not fit in {max_gib:.1f} GiB")
        return DID_NOT_FIT
    peak = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{max(peak - before, 0) / 1024.0:.1f}")         # Linux reports KiB
    return 0


if __name__ == "__main__":
    sys.exit(main())
