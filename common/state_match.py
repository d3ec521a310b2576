"""Loading a state dict into a network with an error that names the file and the differing keys."""
from common.io import CheckpointError

__all__ = ["load_matching"]


def _first(keys, n=2):
    more = f", ... ({len(keys)} in all)" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more


def load_matching(net, state, path, strict=True, what="network", hint=""):
    """``net.load_state_dict(state)``; a checkpoint of another architecture is a CheckpointError naming
    ``path`` and the first mismatched, missing or unexpected keys. Returns (missing, unexpected)."""
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    tail = f" ({hint})" if hint else ""
    if shapes:
        k = shapes[0]
        raise CheckpointError(f"{path}: not a checkpoint of this {what}: {len(shapes)} tensors have other shapes, "
                              f"e.g. {k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}{tail}")
    if strict and (missing or unexpected):
        parts = ([f"missing keys {_first(missing)}"] if missing else []) + \
                ([f"unexpected keys {_first(unexpected)}"] if unexpected else [])
        raise CheckpointError(f"{path}: not a checkpoint of this {what}: " + "; ".join(parts) + tail)
    net.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)
    return missing, unexpected
