"""DGConv: six directional-gradient branches fused by kernel-derived balance factors.

Every branch is a 3x3 convolution whose kernel is a linear function of its own base weight
(docs/papers/dgpnet.md B.3). With w_i the base weight at tap i (tap 4, 0-based, is the centre),
S = sum_i w_i and M the window mean:

    vc   K_i = w_i
    csg  sum_i w_i (x_i - M)            ->  K_i = w_i - S/9
    csa  sum_i w_i (x_i + M)            ->  K_i = w_i + S/9
    hg   sum_r a_r (x_r,left - x_r,right)   ->  [[a1,0,-a1],[a2,0,-a2],[a3,0,-a3]]
    vg   sum_c b_c (x_top,c - x_bottom,c)   ->  [[b1,b2,b3],[0,0,0],[-b1,-b2,-b3]]
    idg  sum_i w_i (x_i - x_r)          ->  K_i = w_i (i != r), K_r = w_r - S

The balance factors alpha come from a small MLP over the branch kernels (not over the input),
so the layer output  sum_b alpha_b (K_b * x + beta_b) = (sum_b alpha_b K_b) * x + sum_b alpha_b beta_b
is one convolution; the training forward computes it that way.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DGConv", "BRANCHES", "STATISTICAL", "STRUCTURAL"]

BRANCHES = ("csg", "csa", "hg", "vg", "vc", "idg")
STATISTICAL = ("csa", "vc")
STRUCTURAL = ("csg", "idg", "hg", "vg")
_NON_CENTRE = (0, 1, 2, 3, 5, 6, 7, 8)


class DGConv(nn.Module):
    """3x3 directional gradient convolution (stride 1 or 2, zero padding 1, groups 1).

    Args:
        branches: subset of ``BRANCHES`` (AIIBlock uses STATISTICAL and STRUCTURAL).
        idg_refs: number of IDG sub-branches, each with its own reference tap.
        csg_ref: 'mean' (figure legend) or 'center' (DAConv's CA/DA units) for CSG and CSA.
        alpha_act: 'sigmoid' (DAConv) or 'softmax' over the branches.
        hidden: width of the balance-factor MLP.
    """

    def __init__(self, in_channels, out_channels, stride=1, bias=True, branches=BRANCHES,
                 idg_refs=1, csg_ref="mean", alpha_act="sigmoid", hidden=32):
        super().__init__()
        branches = tuple(branches)
        unknown = [b for b in branches if b not in BRANCHES]
        if unknown or not branches or len(set(branches)) != len(branches):
            raise ValueError(f"DGConv: bad branches {branches} (choose from {BRANCHES})")
        if csg_ref not in ("mean", "center"):
            raise ValueError(f"DGConv: csg_ref must be 'mean' or 'center', got {csg_ref!r}")
        if alpha_act not in ("sigmoid", "softmax"):
            raise ValueError(f"DGConv: alpha_act must be 'sigmoid' or 'softmax', got {alpha_act!r}")
        if "idg" in branches and not 1 <= idg_refs <= 8:
            raise ValueError(f"DGConv: idg_refs must be 1..8, got {idg_refs}")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.branches, self.csg_ref, self.alpha_act = branches, csg_ref, alpha_act
        self.has_bias = bias
        names = []
        fan_in = in_channels * 9
        bound = 1.0 / math.sqrt(fan_in)
        for b in branches:
            reps = idg_refs if b == "idg" else 1
            for k in range(reps):
                name = b if reps == 1 else f"{b}{k}"
                taps = 3 if b in ("hg", "vg") else 9
                w = torch.empty(out_channels, in_channels, taps)
                nn.init.kaiming_uniform_(w.view(out_channels, in_channels * taps, 1), a=math.sqrt(5))
                self.register_parameter(f"weight_{name}", nn.Parameter(w))
                if bias:
                    self.register_parameter(f"bias_{name}", nn.Parameter(torch.empty(out_channels).uniform_(-bound, bound)))
                names.append(name)
        self.names = tuple(names)
        if "idg" in branches:
            # One random non-centre reference tap per IDG sub-branch, drawn once from the global
            # RNG (so manual_seed makes it reproducible) and saved with the checkpoint.
            perm = torch.randperm(8)[:idg_refs]
            self.register_buffer("idg_ref", torch.tensor(_NON_CENTRE)[perm])
        n = len(names)
        self.alpha_mlp = nn.Sequential(nn.Linear(9 * n, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, n))
        nn.init.normal_(self.alpha_mlp[2].weight, std=1e-3)
        nn.init.constant_(self.alpha_mlp[2].bias, 1.0)   # sigmoid(1) = 0.73, DAConv's theta init

    def branch_kernels(self):
        """Equivalent 3x3 kernels, a tensor (n_branches, C_out, C_in, 3, 3)."""
        kernels = []
        co, ci = self.out_channels, self.in_channels
        for name in self.names:
            b = name.rstrip("0123456789")
            w = getattr(self, f"weight_{name}")
            if b == "vc":
                k = w
            elif b in ("csg", "csa"):
                s = w.sum(-1, keepdim=True)
                sign = -1.0 if b == "csg" else 1.0
                if self.csg_ref == "mean":
                    k = w + sign * s / 9.0
                else:
                    k = w + sign * s * F.one_hot(torch.tensor(4, device=w.device), 9).to(w.dtype)
            elif b == "hg":
                zero = torch.zeros_like(w)
                k = torch.stack([w, zero, -w], dim=-1)          # (co, ci, row, col)
            elif b == "vg":
                zero = torch.zeros_like(w)
                k = torch.stack([w, zero, -w], dim=-2)          # (co, ci, row, col)
            else:  # idg
                idx = int(name[3:]) if len(name) > 3 else 0
                ref = F.one_hot(self.idg_ref[idx], 9).to(w.dtype)
                k = w - w.sum(-1, keepdim=True) * ref
            kernels.append(k.reshape(co, ci, 3, 3))
        return torch.stack(kernels)

    def biases(self):
        """Branch biases, (n_branches, C_out), or None."""
        if not self.has_bias:
            return None
        return torch.stack([getattr(self, f"bias_{n}") for n in self.names])

    def alphas(self, kernels=None):
        """Adaptive balance factors from the kernels (constants once the weights are fixed)."""
        kernels = self.branch_kernels() if kernels is None else kernels
        desc = kernels.mean(dim=(1, 2)).reshape(1, -1)      # per-branch mean 3x3 kernel, 9n numbers
        logits = self.alpha_mlp(desc)[0]
        return torch.sigmoid(logits) if self.alpha_act == "sigmoid" else torch.softmax(logits, 0)

    def merged(self):
        """(kernel, bias) of the single equivalent convolution."""
        kernels = self.branch_kernels()
        alpha = self.alphas(kernels)
        weight = torch.einsum("b,boihw->oihw", alpha, kernels)
        biases = self.biases()
        bias = alpha @ biases if biases is not None else None
        return weight, bias

    def forward(self, x):
        weight, bias = self.merged()
        return F.conv2d(x, weight, bias, stride=self.stride, padding=1)

    def forward_branches(self, x):
        """Reference forward: every branch convolved separately, weighted and summed."""
        kernels = self.branch_kernels()
        alpha = self.alphas(kernels)
        biases = self.biases()
        out = 0
        for i in range(len(self.names)):
            b = biases[i] if biases is not None else None
            out = out + alpha[i] * F.conv2d(x, kernels[i], b, stride=self.stride, padding=1)
        return out

    @torch.no_grad()
    def to_conv(self):
        """An ``nn.Conv2d`` computing exactly this layer with the current weights."""
        weight, bias = self.merged()
        # skip_init: no random initialisation, so fusing never consumes the global RNG
        conv = torch.nn.utils.skip_init(nn.Conv2d, self.in_channels, self.out_channels, 3, self.stride, 1,
                                        bias=self.has_bias, device=weight.device, dtype=weight.dtype)
        conv.weight.copy_(weight)
        if bias is not None:
            conv.bias.copy_(bias)
        return conv

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, stride={self.stride}, "
                f"branches={self.names}, csg_ref={self.csg_ref}, alpha_act={self.alpha_act}")
