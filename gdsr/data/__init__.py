"""Datasets: HR folders (LR made by MATLAB bicubic, cached) or paired LR/HR folders."""
from gdsr.data.lrhr_dataset import EvalDataset, TrainDataset
from gdsr.data.sampler import IterationSampler, build_train_loader

__all__ = ["TrainDataset", "EvalDataset", "IterationSampler", "build_train_loader"]
