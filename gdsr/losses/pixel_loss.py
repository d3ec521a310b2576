"""Pixel criteria by the authors' option names (``pixel_criterion``, ``feature_criterion``)."""
from torch import nn


def build_criterion(name):
    """'l1' -> mean absolute error, 'l2' -> mean squared error."""
    if name == "l1":
        return nn.L1Loss()
    if name == "l2":
        return nn.MSELoss()
    raise ValueError(f"unknown criterion {name!r} (use 'l1' or 'l2')")
