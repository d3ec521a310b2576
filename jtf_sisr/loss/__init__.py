"""EDSR's loss string ('1*L1+0.1*GradL1') with JTF-SISR's gradient terms, and its per-epoch log."""
import torch.nn.functional as F
from torch import nn

from jtf_sisr.model.jtf import gradient_map

TYPES = ("L1", "MSE", "GBranch", "GradL1")


class Loss(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.terms = []
        for part in args.loss.split("+"):
            weight, _, name = part.partition("*")
            if name not in TYPES:
                raise ValueError(f"--loss {args.loss}: unknown term {name!r} (choose from {', '.join(TYPES)})")
            self.terms.append((name, float(weight)))
        names = {n for n, _ in self.terms}
        self.auto_grad = [("GBranch", args.grad_branch_weight), ("GradL1", args.grad_weight)]
        self.auto_grad = [(n, w) for n, w in self.auto_grad if n not in names and w > 0]
        self.log = []            # one row of mean term values per epoch
        self._sums, self._count = {}, 0

    def forward(self, output, hr):
        sr, grad_branch = output if isinstance(output, tuple) else (output, None)
        terms = self.terms + (self.auto_grad if grad_branch is not None else [])
        values = {}
        for name, weight in terms:
            if name == "L1":
                v = F.l1_loss(sr, hr)
            elif name == "MSE":
                v = F.mse_loss(sr, hr)
            elif name == "GradL1":
                v = F.l1_loss(gradient_map(sr), gradient_map(hr))
            else:
                if grad_branch is None:
                    raise ValueError("GBranch needs a model that returns the gradient branch (--model model)")
                v = F.l1_loss(grad_branch, gradient_map(hr))
            values[name] = weight * v
        total = sum(values.values())
        for name, v in list(values.items()) + [("Total", total)]:
            self._sums[name] = self._sums.get(name, 0.0) + float(v.detach())
        self._count += 1
        return total, {k: float(v.detach()) for k, v in values.items()}

    def end_epoch(self):
        self.log.append({k: v / max(self._count, 1) for k, v in self._sums.items()})
        self._sums, self._count = {}, 0

    def display(self):
        if not self._count:
            return ""
        return "".join(f"[{k}: {v / self._count:.4f}]" for k, v in self._sums.items())
