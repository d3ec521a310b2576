"""Equivalent parameter fusion (DGConv -> nn.Conv2d) and the drop-in conversion (nn.Conv2d -> DGConv)."""
import copy

import torch
from torch import nn

from dgpnet.archs.dgconv_arch import BRANCHES, DGConv

__all__ = ["fuse", "convert"]


def _replace(module, pick, make):
    for name, child in module.named_children():
        if pick(child):
            setattr(module, name, make(child))
        else:
            _replace(child, pick, make)


def fuse(model):
    """A deep copy of ``model`` with every DGConv replaced by its equivalent ``nn.Conv2d``."""
    fused = copy.deepcopy(model)
    if isinstance(fused, DGConv):
        return fused.to_conv().train(model.training)
    _replace(fused, lambda m: isinstance(m, DGConv), lambda m: m.to_conv())
    return fused.train(model.training)


def _convertible(m):
    return (type(m) is nn.Conv2d and m.kernel_size == (3, 3) and m.padding == (1, 1) and m.dilation == (1, 1)
            and m.groups == 1 and m.padding_mode == "zeros" and m.stride[0] == m.stride[1])


@torch.no_grad()
def _to_dgconv(conv, branches, **dg):
    layer = DGConv(conv.in_channels, conv.out_channels, stride=conv.stride[0], bias=conv.bias is not None,
                   branches=branches, **dg).to(conv.weight.device, conv.weight.dtype)
    if "vc" not in layer.names:
        return layer
    # The converted layer starts as the old convolution: the new branches at zero (their gradients are not
    # zero, so they learn), the vanilla branch holds the old weights divided by its balance factor. A network
    # keeps its own initialisation (MSRResNet's residual convs are scaled by 0.1); fresh branches at the
    # default scale made a converted MSRResNet's output 700x too large at the start.
    for name in layer.names:
        getattr(layer, f"weight_{name}").zero_()
        if conv.bias is not None:
            getattr(layer, f"bias_{name}").zero_()
    layer.weight_vc.copy_(conv.weight.reshape_as(layer.weight_vc))
    a_vc = layer.alphas()[layer.names.index("vc")]
    layer.weight_vc.div_(a_vc)
    if conv.bias is not None:
        layer.bias_vc.copy_(conv.bias / a_vc)
    return layer


def convert(model, branches=BRANCHES, **dg):
    """A deep copy of ``model`` whose 3x3 (padding 1, groups 1) convolutions are DGConvs.

    Each converted layer computes what the old convolution did (new branches at zero, the vanilla branch
    from the old weights; without a vanilla branch the DGConv is freshly initialised), so the converted
    network starts as the original and is meant to be (re)trained. Other convolutions are kept.
    """
    new = copy.deepcopy(model)
    if _convertible(new):
        return _to_dgconv(new, branches, **dg).train(model.training)
    _replace(new, _convertible, lambda m: _to_dgconv(m, branches, **dg))
    return new.train(model.training)
