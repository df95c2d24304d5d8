"""Colour from a target exemplar: the palette of a rendering taken from a real target image.

A pixel-level adapter's generator tends to render every source image in one
palette, even when the target's palettes change from image to image (digits
blended into photo patches, as MNIST-M): a classifier trained on one palette
then fails on the others. :class:`ExemplarColour` separates the two: the
generator draws a grey map (where the strokes are), and each rendering takes
the colours of a real target image, its *exemplar*, whose statistics
(:func:`exemplar_statistics`) reach the generator as extra input channels.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ExemplarColour", "exemplar_statistics", "palette_variety", "polarity", "skewness",
           "stroke_polarity"]


def skewness(v):
    """Skewness of each row of ``v`` (shape (B, P)): E[z^3] of the standardised row.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.exemplar import skewness
    >>> bool(skewness(torch.tensor([[0.0, 0.0, 0.0, 1.0]])) > 0)
    True
    """
    z = (v - v.mean(1, keepdim=True)) / (v.std(1, keepdim=True) + 1e-6)
    return (z**3).mean(1)


def _principal_axis(images):
    """Each image's top principal colour axis (B, C) and its pixels centred (B, C, P)."""
    x = images.flatten(2).float()
    xc = x - x.mean(2, keepdim=True)
    cov = xc @ xc.transpose(1, 2) / x.shape[2]
    eye = torch.eye(x.shape[1], device=x.device, dtype=x.dtype)
    return torch.linalg.eigh(cov + 1e-6 * eye)[1][:, :, -1], xc


def polarity(images):
    """Per image and channel, +1 where the channel is brighter on the image's minority side.

    The minority side (digit strokes against their background) is the tail of
    the pixels' projection on the image's top principal colour axis: the sign
    of that projection's skewness. A channel's polarity is the sign of its
    weight on the axis times that skewness sign; e.g. white strokes on a dark
    ground give +1, dark strokes on a light ground -1, whatever the colours.

    Parameters
    ----------
    images : torch.Tensor of shape (B, C, H, W)

    Returns
    -------
    signs : torch.Tensor of shape (B, C), values +1 or -1

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.exemplar import polarity
    >>> bright = torch.zeros(1, 1, 8, 8); bright[..., 3:5, 2:6] = 1
    >>> polarity(bright).item(), polarity(1 - bright).item()
    (1.0, -1.0)
    """
    axis, xc = _principal_axis(images)
    side = torch.sign(skewness((axis[:, :, None] * xc).sum(1)))
    return torch.where(axis * side[:, None] >= 0, 1.0, -1.0).to(images.dtype)


def stroke_polarity(images, max_images=2000):
    """Whether a domain draws bright strokes on a dark ground (+1) or dark on light (-1).

    The mean over images of the :func:`polarity` of each image's grey level
    (its channels averaged): +1 when every image has bright strokes, -1 when
    every image has dark ones. Two domains whose values have the same sign
    share a look up to brightness, contrast and tint; opposite signs mean one
    is the other's negative. Reads at most ``max_images`` images.

    Parameters
    ----------
    images : torch.Tensor of shape (B, C, H, W)
    max_images : int, default=2000

    Returns
    -------
    polarity : float in [-1, 1]

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.exemplar import stroke_polarity
    >>> digits = torch.zeros(4, 1, 8, 8); digits[..., 2:6, 3:5] = 1
    >>> stroke_polarity(digits), stroke_polarity(1 - digits)
    (1.0, -1.0)
    """
    grey = images[:max_images].float().mean(1, keepdim=True)
    return float(polarity(grey).mean())


def exemplar_statistics(images):
    """What :class:`ExemplarColour` takes from an exemplar: (B, 3 C) per image.

    Per channel, in this order: the mean, the standard deviation and the
    :func:`polarity` of the image's pixels.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.exemplar import exemplar_statistics
    >>> exemplar_statistics(torch.rand(4, 3, 8, 8)).shape
    torch.Size([4, 9])
    """
    return torch.cat([images.mean((2, 3)), images.std((2, 3)), polarity(images)], dim=1)


def palette_variety(images, max_images=2000):
    """How much the target's colours change from image to image, in [0, 1].

    One minus the mean squared cosine between each image's top principal colour
    axis and their common (sign-free) axis: 0 when every image varies along the
    same colour direction (grey images, a fixed tint), about 0.1 for digits
    blended into random photo patches (MNIST-M), up to 1 - 1/C for axes spread
    evenly. Reads at most ``max_images`` images.

    Parameters
    ----------
    images : torch.Tensor of shape (B, C, H, W)
    max_images : int, default=2000

    Returns
    -------
    variety : float

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.exemplar import palette_variety
    >>> grey = torch.rand(16, 1, 8, 8)
    >>> palette_variety(grey.expand(-1, 3, -1, -1)) < 1e-6
    True
    """
    images = images[:max_images]
    if images.shape[1] < 2:
        return 0.0
    axis, _ = _principal_axis(images)
    common = torch.linalg.eigh(axis.T @ axis / len(axis))[1][:, -1]
    return float(1 - ((axis @ common) ** 2).mean())


class ExemplarColour(nn.Module):
    """A generator whose rendering is coloured from exemplar statistics in its input.

    The last ``3 * out_channels`` input channels carry, as constant maps, the
    :func:`exemplar_statistics` of a real target image. ``inner`` reads the
    whole input; its output is averaged over channels to one grey map,
    standardised per image and oriented so that its minority side (the
    strokes) is positive; each output channel ``c`` is then
    ``mean_c + polarity_c * std_c * grey``, clamped to [-1, 1]. So the palette
    and its polarity come from the exemplar and only the layout is learnt.

    Parameters
    ----------
    inner : torch.nn.Module
        The generator; its input has the statistics channels, its output
        ``out_channels`` channels.
    out_channels : int
        Channels of the rendering (the target's).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skgan.nn.exemplar import ExemplarColour, exemplar_statistics
    >>> head = ExemplarColour(nn.Conv2d(1 + 9, 3, 3, padding=1), out_channels=3)
    >>> stats = exemplar_statistics(torch.rand(2, 3, 8, 8) * 2 - 1)
    >>> x = torch.cat([torch.rand(2, 1, 8, 8), stats[:, :, None, None].expand(-1, -1, 8, 8)], 1)
    >>> head(x).shape
    torch.Size([2, 3, 8, 8])
    """

    def __init__(self, inner, out_channels):
        super().__init__()
        self.inner = inner
        self.out_channels = out_channels

    def forward(self, x):
        c = self.out_channels
        stats = x[:, -3 * c :, 0, 0]
        mean, std, sign = (part[:, :, None, None] for part in stats.split(c, dim=1))
        grey = self.inner(x).mean(1, keepdim=True)
        grey = (grey - grey.mean((2, 3), keepdim=True)) / (grey.std((2, 3), keepdim=True) + 1e-3)
        orient = torch.where(skewness(grey.detach().flatten(1)) >= 0, 1.0, -1.0)
        grey = grey * orient.to(grey.dtype)[:, None, None, None]
        return (mean + sign * std * grey).clamp(-1, 1)
