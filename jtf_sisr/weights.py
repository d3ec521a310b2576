"""Bundled weights: files that carry their own architecture options."""
import os

from common.io import load_checkpoint

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
ARCH_KEYS = ("model", "n_resblocks", "n_feats", "res_scale", "n_stages", "n_gradblocks", "jtf_kernel", "jtf_groups",
             "fusion", "concat_groups")


def bundled_path(model, scale):
    """The bundled file of ``model`` at ``scale``: the trained paper-size network where one ships
    (``JTF-SISR_x<s>.pt``), else the small preview (``*_preview_x<s>.pt``); see weights/README.md."""
    name = "JTF-SISR" if model.lower() == "model" else model.upper()
    trained = os.path.join(WEIGHTS_DIR, f"{name}_x{scale}.pt")
    return trained if os.path.isfile(trained) else os.path.join(WEIGHTS_DIR, f"{name}_preview_x{scale}.pt")


def read(path):
    """(state_dict, architecture options or {}) from our files or a bare state dict."""
    raw = load_checkpoint(path, key=None)
    if isinstance(raw, dict) and "params" in raw and isinstance(raw.get("arch"), dict):
        return load_checkpoint(path), dict(raw["arch"])
    return load_checkpoint(path), {}


def arch_of(args):
    return {k: getattr(args, k) for k in ARCH_KEYS}


def export(checkpoint, args, out):
    """Write a bundled-weights file: the state dict of ``checkpoint`` with ``args``' architecture."""
    from common.io import save_checkpoint

    save_checkpoint({"params": load_checkpoint(checkpoint), "arch": arch_of(args)}, out)


if __name__ == "__main__":
    # python -m jtf_sisr.weights CHECKPOINT OUT [the architecture options it was trained with]
    import sys

    from jtf_sisr.option import parse_args

    export(sys.argv[1], parse_args(sys.argv[3:]), sys.argv[2])
