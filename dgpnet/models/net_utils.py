"""Build a network from its options block and load weights (training or fused checkpoints)."""
import torch

from common.io import CheckpointError, load_checkpoint
from common.state_match import load_matching
from dgpnet.archs import ARCHS, convert, fuse

__all__ = ["build_network", "load_weights", "is_fused_state", "tensor2img"]


def build_network(cfg):
    """``cfg['type']`` built with the other keys; ``dgconv: true`` converts a plain network's 3x3
    convolutions to DGConv (e.g. MSRResNet, the paper's Fig. 1 drop-in experiment)."""
    cfg = dict(cfg)
    kind = cfg.pop("type", "DGPNet")
    to_dg = cfg.pop("dgconv", False)
    if kind not in ARCHS:
        raise ValueError(f"unknown network type {kind!r} (choose from {', '.join(ARCHS)})")
    net = ARCHS[kind](**cfg)
    return convert(net) if to_dg else net


def is_fused_state(state):
    """True for a state dict of a fused (plain-conv) network: no DGConv parameters in it."""
    return not any(".alpha_mlp." in k or k.startswith("alpha_mlp.") for k in state)


def load_weights(cfg, path, param_key="auto", strict=True, fused=None):
    """Network ``cfg`` with the weights of ``path``; a fused export is loaded into the deploy network.

    Returns (network, state_was_fused).
    """
    raw = load_checkpoint(path, key=None)
    state = load_checkpoint(path, key=param_key)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors")
    cfg = dict(cfg)
    if isinstance(raw, dict) and isinstance(raw.get("network_g"), dict):
        saved = {k: v for k, v in raw["network_g"].items() if k != "deploy"}
        cfg.update(saved)
    was_fused = is_fused_state(state) if fused is None else fused
    if cfg.get("type", "DGPNet") == "DGPNet":
        cfg["deploy"] = was_fused
    elif cfg.get("dgconv"):
        cfg["dgconv"] = not was_fused
    net = build_network(cfg)
    missing, unexpected = load_matching(net, state, path, strict, "network_g", "check network_g in the options")
    if missing or unexpected:
        print(f"{path}: missing keys {missing}, unexpected keys {unexpected}")
    return net, was_fused


def tensor2img(t):
    """float [0,1] 1x3xHxW or 3xHxW tensor -> uint8 HxWx3 (rounded, clipped)."""
    if t.dim() == 4:
        t = t[0]
    return t.detach().clamp(0, 1).mul_(255).round_().to(torch.uint8).permute(1, 2, 0).cpu().numpy()  # one float copy


def fused_eval(net):
    """The fused copy of ``net`` in eval mode (used for validation and test)."""
    return fuse(net).eval()
