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

    def _offsets(self):
        """Window offsets (dy, dx) in F.unfold's row-major order; offset K-1-i is minus offset i."""
        r = self.kernel_size // 2
        return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]

    def _shift(self, padded, dy, dx, h, w):
        """x(p + (dy, dx)) for every pixel p, from x padded by r on each side (a view, no copy)."""
        r = self.kernel_size // 2
        return padded[..., r + dy:r + dy + h, r + dx:r + dx + w]

    def _log_kernel(self, psi, x, sigma, offsets):
        """psi(|x(p + d) - x(p)|) for the given offsets, stacked: n x B x G x h x w."""
        b, _, h, w = x.shape
        r = self.kernel_size // 2
        xp = F.pad(x, (r, r, r, r))
        diff = torch.cat([self._shift(xp, dy, dx, h, w) - x for dy, dx in offsets])
        if self.kernel_fn == "gaussian":
            out = (-(diff * diff).sum(1, keepdim=True) / (2 * sigma ** 2)).expand(-1, self.groups, -1, -1)
        else:
            out = psi.net(diff.abs())
        return out.reshape(len(offsets), b, self.groups, h, w)

    def _inside(self, h, w, device):
        """K x h x w: whether p + d lies inside the image, for every offset d."""
        r = self.kernel_size // 2
        ones = F.pad(torch.ones(1, 1, h, w, device=device), (r, r, r, r))
        return torch.cat([self._shift(ones, dy, dx, h, w) for dy, dx in self._offsets()], 1)[0] > 0

    def weights(self, target, guide):
        """Normalised kernels, B x G x K x H x W; neighbours outside the image get weight 0.

        psi(|x(q) - x(p)|) is symmetric in p and q, so the log-kernel of offset -d at p is the one of
        offset d at p - d: only the offsets after the centre are evaluated (exactly, since a - b is
        -(b - a) in floating point), the centre's difference is 0 and the rest are shifted copies."""
        b, _, h, w = target.shape
        r = self.kernel_size // 2
        offsets = self._offsets()
        c = len(offsets) // 2
        after = offsets[c + 1:]
        half = (self._log_kernel(getattr(self, "psi_range", None), target, self.sigma_range, after)
                + self._log_kernel(getattr(self, "psi_guide", None), guide, self.sigma_guide, after))
        centre = (self._log_kernel(getattr(self, "psi_range", None), target[:1, :, :1, :1], self.sigma_range,
                                   [(0, 0)])
                  + self._log_kernel(getattr(self, "psi_guide", None), guide[:1, :, :1, :1], self.sigma_guide,
                                     [(0, 0)]))[0].expand(b, -1, h, w)
        padded = F.pad(half, (r, r, r, r))
        before = [self._shift(padded[len(offsets) - 2 - c - i], dy, dx, h, w) for i, (dy, dx) in enumerate(offsets[:c])]
        logits = torch.stack(before + [centre] + list(half), dim=2) + self.spatial[None, :, :, None, None]
        logits = logits.masked_fill(~self._inside(h, w, target.device), float("-inf"))
        return torch.softmax(logits, dim=2)

    def filter(self, target, guide):
        """The normalised joint trilateral filtering of ``target`` (B x C x H x W): a weighted sum of
        shifted views of the zero-padded target (no unfolded copy)."""
        b, c, h, w = target.shape
        r = self.kernel_size // 2
        wts = self.weights(target, guide)
        tp = F.pad(target, (r, r, r, r)).reshape(b, self.groups, c // self.groups, h + 2 * r, w + 2 * r)
        out = None
        for k, (dy, dx) in enumerate(self._offsets()):
            term = wts[:, :, k:k + 1] * self._shift(tp, dy, dx, h, w)
            out = term if out is None else out + term
        return out.reshape(b, c, h, w)

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


class ConcatFuse(nn.Module):
    """The ablation's stand-in for one LJTF: ``target + conv3x3(cat(target, guide))``. The channels
    of the two streams are interleaved before a grouped 3x3 convolution, so every group sees both
    streams; ``groups`` keeps its parameter count near the LJTF's (a full 2C -> C 3x3 conv has ~10x
    the parameters of an LJTF)."""

    def __init__(self, n_feats, groups=8):
        super().__init__()
        if n_feats % groups:
            raise ValueError(f"n_feats {n_feats} must be divisible by --concat_groups {groups}")
        self.conv = nn.Conv2d(2 * n_feats, n_feats, 3, padding=1, groups=groups)

    def forward(self, target, guide):
        b, c, h, w = target.shape
        both = torch.stack([target, guide], dim=2).reshape(b, 2 * c, h, w)    # t0 g0 t1 g1 ...
        return target + self.conv(both)


class ConcatPair(nn.Module):
    """``--fusion concat``: JTFPair's interface, each direction a ConcatFuse."""

    def __init__(self, n_feats, groups=8):
        super().__init__()
        self.fuse_image = ConcatFuse(n_feats, groups)
        self.fuse_grad = ConcatFuse(n_feats, groups)

    def forward(self, feat_image, feat_grad):
        return self.fuse_image(feat_image, feat_grad), self.fuse_grad(feat_grad, feat_image)
