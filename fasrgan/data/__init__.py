"""Datasets: paired LR/HR folders (LR made with MATLAB bicubic when no LR folder is given)."""
from fasrgan.data.paired_dataset import PairedDataset, img2tensor, tensor2img, build_dataloader

__all__ = ["PairedDataset", "img2tensor", "tensor2img", "build_dataloader"]
