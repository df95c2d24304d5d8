"""Small shared pieces of the network families."""

from __future__ import annotations

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
