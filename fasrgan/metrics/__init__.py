"""LPIPS (the other metrics come from common.metrics)."""
from fasrgan.metrics.lpips import LPIPS

__all__ = ["LPIPS"]
