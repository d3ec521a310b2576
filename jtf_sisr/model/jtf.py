"""The learned joint trilateral filter (LJTF) on features, and the SPSR gradient map.

Classical JTF:  J(p) = sum_q f_s(q-p) f_I(I(q)-I(p)) f_G(G(q)-G(p)) T(q) / W(p).
A product of exponentials is the exponential of a sum, so the normalised weights are a softmax
over the window of  psi_s + psi_I + psi_G.  JTF-SISR learns the kernel-generating functions
psi_I and psi_G (small MLPs of the feature differences) instead of fixing them to Gaussians;
``kernel_fn='gaussian'`` keeps the classical log-kernels (used to test the module).
"""
import torch
import torch.nn.functional as F
from torch import nn


def gradient_map(x):
    """Per-channel gradient magnitude sqrt(v^2 + h^2 + 1e-6) with central differences, zero padding."""
    p = F.pad(x, (1, 1, 1, 1))
    v = p[:, :, 2:, 1:-1] - p[:, :, :-2, 1:-1]
    h = p[:, :, 1:-1, 2:] - p[:, :, 1:-1, :-2]
    return torch.sqrt(v * v + h * h + 1e-6)


class KernelFunction(nn.Module):
    """psi(d): per-neighbour MLP of |difference| -> one logit per kernel group (1x1 convs)."""

    def __init__(self, n_feats, groups, reduction=4):
        super().__init__()
        hidden = max(n_feats // reduction, 1)
        self.net = nn.Sequential(nn.Conv2d(n_feats, hidden, 1), nn.ReLU(True), nn.Conv2d(hidden, groups, 1))

    def forward(self, diff):                      # diff: B x C x K x H x W
        b, c, k, h, w = diff.shape
        return self.net(diff.abs().reshape(b, c, k * h, w)).reshape(b, -1, k, h, w)


class LJTF(nn.Module):
    """Learned joint trilateral filter: filters ``target`` with a kernel built from the spatial
    offset, the target's own feature differences (range) and the guide's (cross guidance)."""

    def __init__(self, n_feats, kernel_size=3, groups=4, reduction=4, kernel_fn="mlp", sigmas=(1.0, 1.0, 1.0)):
        super().__init__()
        if n_feats % groups:
            raise ValueError(f"n_feats {n_feats} must be divisible by the JTF groups {groups}")
        self.kernel_size, self.groups, self.kernel_fn = kernel_size, groups, kernel_fn
        r = kernel_size // 2
        yy, xx = torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0), indexing="ij")
        dist2 = (yy * yy + xx * xx).reshape(1, -1)
        sigma_s, self.sigma_range, self.sigma_guide = sigmas
        self.spatial = nn.Parameter((-dist2 / (2 * sigma_s ** 2)).repeat(groups, 1))   # G x K
        if kernel_fn == "mlp":
            self.psi_range = KernelFunction(n_feats, groups, reduction)
            self.psi_guide = KernelFunction(n_feats, groups, reduction)
        elif kernel_fn != "gaussian":
            raise ValueError(f"kernel_fn must be 'mlp' or 'gaussian', got {kernel_fn!r}")
        self.fuse = nn.Conv2d(n_feats, n_feats, 1)

    def _unfold(self, x):
        b, c, h, w = x.shape
        k = self.kernel_size
        return F.unfold(x, k, padding=k // 2).reshape(b, c, k * k, h, w)

    def _log_kernel(self, psi, diff, sigma):
        if self.kernel_fn == "gaussian":
            return (-(diff * diff).sum(1, keepdim=True) / (2 * sigma ** 2)).expand(-1, self.groups, -1, -1, -1)
        return psi(diff)

    def weights(self, target, guide):
        """Normalised kernels, B x G x K x H x W; neighbours outside the image get weight 0."""
        b, _, h, w = target.shape
        t, g = self._unfold(target), self._unfold(guide)
        logits = (self._log_kernel(getattr(self, "psi_range", None), t - target[:, :, None], self.sigma_range)
                  + self._log_kernel(getattr(self, "psi_guide", None), g - guide[:, :, None], self.sigma_guide)
                  + self.spatial[None, :, :, None, None])
        inside = self._unfold(torch.ones(1, 1, h, w, dtype=target.dtype, device=target.device))
        logits = logits.masked_fill(inside == 0, float("-inf"))
        return torch.softmax(logits, dim=2)

    def filter(self, target, guide):
        """The normalised joint trilateral filtering of ``target`` (B x C x H x W)."""
        b, c, h, w = target.shape
        wts = self.weights(target, guide)
        t = self._unfold(target).reshape(b, self.groups, c // self.groups, -1, h, w)
        return torch.einsum("bgkhw,bgckhw->bgchw", wts, t).reshape(b, c, h, w)

    def forward(self, target, guide):
        return target + self.fuse(self.filter(target, guide))


class JTFPair(nn.Module):
    """Bi-directional cross guidance: the image stream is filtered under the gradient stream's
    guidance and vice versa, from the same inputs."""

    def __init__(self, n_feats, **kw):
        super().__init__()
        self.jtf_image = LJTF(n_feats, **kw)
        self.jtf_grad = LJTF(n_feats, **kw)

    def forward(self, feat_image, feat_grad):
        return self.jtf_image(feat_image, feat_grad), self.jtf_grad(feat_grad, feat_image)
