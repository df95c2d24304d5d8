"""Task classifiers: the label-keeping network of pixel-level domain adaptation."""

from __future__ import annotations

from torch import nn

from ._blocks import n_halvings

__all__ = ["ConvClassifier", "MLPClassifier", "build_classifier"]


class ConvClassifier(nn.Module):
    """LeNet-style classifier: two 5x5 conv/ReLU/max-pool stages, two linear layers.

    Pools only as often as the image size allows, so it works from 8x8 up.

    Parameters
    ----------
    in_channels : int
    image_size : tuple (H, W)
    n_classes : int
    n_filters : int, default=32

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import ConvClassifier
    >>> ConvClassifier(1, (28, 28), 10, n_filters=4)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels, image_size, n_classes, n_filters=32):
        super().__init__()
        n_pool = n_halvings(tuple(image_size), cap=2, min_size=2)
        h, w = image_size[0] // 2**n_pool, image_size[1] // 2**n_pool
        stages, ch = [], in_channels
        for i in range(2):
            out = n_filters * 2**i
            pool = nn.MaxPool2d(2) if i < n_pool else nn.Identity()
            stages.append(nn.Sequential(nn.Conv2d(ch, out, 5, padding=2), nn.ReLU(True), pool))
            ch = out
        self.blocks = nn.Sequential(
            *stages,
            nn.Sequential(nn.Flatten(), nn.Linear(ch * h * w, 4 * n_filters), nn.ReLU(True)),
            nn.Linear(4 * n_filters, n_classes),
        )

    def forward(self, x):
        return self.blocks(x)


class MLPClassifier(nn.Module):
    """Fully connected classifier for tabular data.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import MLPClassifier
    >>> MLPClassifier(4, 3, n_filters=8)(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, in_features, n_classes, n_filters=64, n_layers=2):
        super().__init__()
        widths = [in_features] + [n_filters] * n_layers
        self.blocks = nn.Sequential(
            *[nn.Sequential(nn.Linear(a, b), nn.ReLU(True)) for a, b in zip(widths, widths[1:])],
            nn.Linear(widths[-1], n_classes),
        )

    def forward(self, x):
        return self.blocks(x)


def build_classifier(*, in_shape, n_classes, n_filters=32):
    """Conv classifier for ``(C, H, W)`` samples, MLP for ``(n_features,)``.

    Examples
    --------
    >>> from skgan.nn import build_classifier
    >>> type(build_classifier(in_shape=(3, 8, 8), n_classes=10)).__name__
    'ConvClassifier'
    """
    in_shape = tuple(in_shape)
    if len(in_shape) == 3:
        return ConvClassifier(in_shape[0], in_shape[1:], n_classes, n_filters)
    if len(in_shape) == 1:
        return MLPClassifier(in_shape[0], n_classes, max(n_filters, 16))
    raise ValueError(f"in_shape must be (n_features,) or (C, H, W); got {in_shape}.")
