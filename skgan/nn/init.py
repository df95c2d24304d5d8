"""Weight initialisation drawing from an explicit ``torch.Generator``."""

from __future__ import annotations

import math

from torch import nn

__all__ = ["init_weights"]

_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
_NORMS = (nn.BatchNorm2d, nn.InstanceNorm2d, nn.BatchNorm1d)


def _weight(layer):
    """The trainable weight tensor (the original one under spectral norm)."""
    if nn.utils.parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations.weight.original
    return layer.weight


def init_weights(module, scheme="normal", gain=0.02, generator=None):
    """Re-initialise every linear, convolution and norm layer of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
    scheme : {"normal", "default"}, default="normal"
        "normal" is the DCGAN/CycleGAN convention: weights ~ N(0, gain), biases 0,
        norm-layer scales ~ N(1, gain). "default" is PyTorch's own initialisation
        (Kaiming-uniform with ``a=sqrt(5)``), redrawn from ``generator``.
    gain : float, default=0.02
    generator : torch.Generator or None
        Source of randomness; None uses torch's global generator.

    Returns
    -------
    module : torch.nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import init_weights
    >>> a = init_weights(torch.nn.Linear(3, 2), generator=torch.Generator().manual_seed(0))
    >>> b = init_weights(torch.nn.Linear(3, 2), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.equal(a.weight, b.weight))
    True
    """
    if scheme not in ("normal", "default"):
        raise ValueError(f"Unknown init scheme {scheme!r}; expected 'normal' or 'default'.")
    for layer in module.modules():
        if isinstance(layer, _LAYERS):
            weight = _weight(layer)
            if scheme == "normal":
                nn.init.normal_(weight, 0.0, gain, generator=generator)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
            else:
                nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
                if layer.bias is not None:
                    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        elif isinstance(layer, _NORMS) and layer.affine:
            nn.init.normal_(layer.weight, 1.0, gain, generator=generator)
            nn.init.zeros_(layer.bias)
    return module
