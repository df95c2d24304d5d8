"""Small shared pieces of the network families."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def n_halvings(size, cap, min_size=2):
    """How many times both sides of ``size`` (H, W) halve exactly, staying >= ``min_size``.

    At most ``cap`` times; sizes that are not even stop the count, so a network
    that halves this many times and doubles back gets its input size exactly.
    """
    h, w = size
    n = 0
    while n < cap and h % 2 == 0 and w % 2 == 0 and min(h, w) // 2 >= min_size:
        h, w, n = h // 2, w // 2, n + 1
    return n


def maybe_sn(layer, spectral_norm):
    """Wrap ``layer`` in spectral normalisation when asked."""
    return nn.utils.parametrizations.spectral_norm(layer) if spectral_norm else layer


# For ConvTranspose2d(kernel 4, stride 2, padding 1): output row 2q + a reads input row
# q + d through kernel row _SUBPIXEL_TAPS[a][d + 1] (and the same for columns); 4 marks
# a tap that phase does not use (a zero, once the kernel is padded to 5x5).
_SUBPIXEL_TAPS = torch.tensor([[3, 1, 4], [4, 2, 0]])


def subpixel_weight(weight):
    """The 3x3 convolution weight that, followed by ``pixel_shuffle(2)``, equals a
    4x4 / stride 2 / padding 1 transposed convolution with ``weight``.

    ``weight`` has shape (C_in, C_out, 4, 4); the result (4 C_out, C_in, 3, 3), with
    output channel ``4 c + 2 a + b`` making the pixels of phase (a, b) of channel c.
    Each phase uses 2x2 of the 3x3 taps, so the two computations agree up to float
    rounding (the sums run in another order).
    """
    c_in, c_out = weight.shape[:2]
    taps = _SUBPIXEL_TAPS.to(weight.device)
    padded = F.pad(weight, (0, 1, 0, 1))  # (C_in, C_out, 5, 5), row/column 4 zero
    picked = padded[:, :, taps[:, None, :, None], taps[None, :, None, :]]  # (.., 2, 2, 3, 3)
    return picked.permute(1, 2, 3, 0, 4, 5).reshape(4 * c_out, c_in, 3, 3)


def pixel_shuffle2(x):
    """``pixel_shuffle(x, 2)`` as one reshape-copy (about twice as fast on the CPU)."""
    n, c4, h, w = x.shape
    c = c4 // 4
    return x.view(n, c, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c, 2 * h, 2 * w)


class UpConv2d(nn.ConvTranspose2d):
    """A stride-2 transposed convolution that infers faster on the CPU.

    Trains exactly as :class:`torch.nn.ConvTranspose2d` (same parameters, same
    ``state_dict``, same results). In inference on the CPU (eval mode, no
    gradients) a 4x4 / stride 2 / padding 1 layer with at most
    ``SUBPIXEL_MAX_OUT`` output channels runs as the equivalent 3x3 convolution
    followed by :func:`torch.nn.functional.pixel_shuffle` (sub-pixel
    convolution, Shi et al. 2016): oneDNN's transposed kernels are slow for few
    output channels (a generator's last layers), where this is 1.3-3.4x faster
    on a 2-core CPU. The output agrees with the transposed form up to float
    rounding (about 1e-6 relative).

    Examples
    --------
    >>> import torch
    >>> from skgan.nn._blocks import UpConv2d
    >>> layer = UpConv2d(8, 1, 4, stride=2, padding=1).eval()
    >>> x = torch.randn(2, 8, 7, 7)
    >>> with torch.no_grad():
    ...     fast, plain = layer(x), torch.nn.ConvTranspose2d.forward(layer, x)
    >>> fast.shape, bool(torch.allclose(fast, plain, atol=1e-5))
    (torch.Size([2, 1, 14, 14]), True)
    """

    SUBPIXEL_MAX_OUT = 8  # measured: <= 8 output channels faster, >= 16 slower

    def _subpixel(self, x):
        return (
            not self.training and not torch.is_grad_enabled() and x.device.type == "cpu"
            and x.dim() == 4 and self.kernel_size == (4, 4) and self.stride == (2, 2)
            and self.padding == (1, 1) and self.output_padding == (0, 0)
            and self.dilation == (1, 1) and self.groups == 1 and self.padding_mode == "zeros"
            and self.out_channels <= self.SUBPIXEL_MAX_OUT
        )

    def forward(self, x, output_size=None):
        if output_size is not None or not self._subpixel(x):
            return super().forward(x, output_size)
        bias = None if self.bias is None else self.bias.repeat_interleave(4)
        out = F.conv2d(x, subpixel_weight(self.weight).to(x.dtype), bias, padding=1)
        return pixel_shuffle2(out)
