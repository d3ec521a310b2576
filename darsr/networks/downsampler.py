"""G: the linear image-specific downsampler of KernelGAN/DualSR (no bias, no activation).

Each colour channel goes through the same single-channel conv stack; the stride is on the
3x3 layer, so the net equals one 13x13 kernel followed by subsampling by ``scale``.
``forward`` uses that identity: it composes the layers into the kernel (cheap, differentiable)
and applies it once, instead of running 64-channel convolutions over the whole patch; the
output and the gradients are those of the layer stack (``forward_layers``) up to float rounding.
"""
import torch
from torch import nn
from torch.nn import functional as F

STRUCTURE = (7, 5, 3, 1, 1, 1)


class Downsampler(nn.Module):
    def __init__(self, scale=2, channels=64, structure=STRUCTURE, normalize=False):
        super().__init__()
        self.scale, self.normalize = int(scale), normalize
        chans = [1] + [channels] * (len(structure) - 1) + [1]
        self.layers = nn.ModuleList()
        for i, k in enumerate(structure):
            stride = self.scale if k == 3 else 1
            self.layers.append(nn.Conv2d(chans[i], chans[i + 1], k, stride=stride, bias=False))
        self.kernel_size = sum(structure) - len(structure) + 1
        for layer in self.layers:
            n = layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
            nn.init.normal_(layer.weight, mean=1.0 / n, std=1.0 / n)

    def forward(self, x):
        b, c, h, w = x.shape
        k = self._correlation_kernel()
        if self.normalize:                      # optional: a kernel summing to 1 keeps brightness
            k = k / k.sum()
        y = F.conv2d(x.reshape(b * c, 1, h, w), k[None, None], stride=self.scale)
        return y.reshape(b, c, y.shape[-2], y.shape[-1])

    def forward_layers(self, x):
        """The literal layer-by-layer computation (reference for ``forward``)."""
        b, c, h, w = x.shape
        y = x.reshape(b * c, 1, h, w)
        for layer in self.layers:
            y = layer(y)
        return y.reshape(b, c, y.shape[-2], y.shape[-1])

    def _correlation_kernel(self):
        k = self.kernel_size
        y = torch.zeros(1, 1, 2 * k - 1, 2 * k - 1, device=self.layers[0].weight.device)
        y[0, 0, k - 1, k - 1] = 1.0
        for layer in self.layers:               # stride 1 here: the kernel, not its subsampling
            y = F.conv2d(y, layer.weight)
        return y[0, 0].flip(0, 1)    # the delta response is the convolution-form kernel

    def kernel(self):
        """The effective (differentiable) kernel k in convolution form: G(x) = subsample(x * k)."""
        k = self._correlation_kernel().flip(0, 1)
        return k / k.sum() if self.normalize else k


class FixedKernel(nn.Module):
    """A known kernel in G's place (no parameters): subsample(x * k), ``kernel`` in correlation form with its
    centre of mass on G's sampling centre (``make_div2krk``'s convention: ``size // 2 + 0.5 (scale - size % 2)``).

    Used to measure the ceiling of DARM's correction stage: DARM trained through the true kernel."""

    def __init__(self, kernel, scale=2):
        super().__init__()
        self.scale, self.kernel_size = int(scale), int(kernel.shape[0])
        k = torch.as_tensor(kernel, dtype=torch.float32)
        self.register_buffer("weight", (k / k.sum())[None, None].clone(), persistent=False)

    def forward(self, x):
        b, c, h, w = x.shape
        y = F.conv2d(x.reshape(b * c, 1, h, w), self.weight.to(x.dtype), stride=self.scale)
        return y.reshape(b, c, y.shape[-2], y.shape[-1])

    def kernel(self):
        """The kernel in convolution form, as ``Downsampler.kernel``."""
        return self.weight[0, 0].flip(0, 1)
