"""Pixel losses (BasicSR names): L1Loss, MSELoss, CharbonnierLoss."""
import torch
from torch import nn

__all__ = ["L1Loss", "MSELoss", "CharbonnierLoss"]


class _PixelLoss(nn.Module):
    def __init__(self, loss_weight=1.0, reduction="mean", eps=1e-12):
        super().__init__()
        if reduction not in ("mean", "sum"):
            raise ValueError(f"loss reduction must be 'mean' or 'sum', got {reduction!r}")
        self.loss_weight, self.reduction, self.eps = loss_weight, reduction, eps

    def forward(self, pred, target):
        d = self.elementwise(pred - target)
        return self.loss_weight * (d.mean() if self.reduction == "mean" else d.sum())


class L1Loss(_PixelLoss):
    def elementwise(self, d):
        return d.abs()


class MSELoss(_PixelLoss):
    def elementwise(self, d):
        return d * d


class CharbonnierLoss(_PixelLoss):
    def elementwise(self, d):
        return torch.sqrt(d * d + self.eps)
