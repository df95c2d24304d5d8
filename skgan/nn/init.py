"""Weight initialisation drawing from an explicit ``torch.Generator``."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm

__all__ = ["init_weights"]

_SCHEMES = ("default", "normal")
_LAYERS = (
    nn.Linear,
    nn.Conv1d, nn.Conv2d, nn.Conv3d,
    nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
)
_NORMS = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
)


def _draw(tensor: torch.Tensor, fill: Callable[..., torch.Tensor], generator: torch.Generator | None) -> None:
    """``fill(t, generator=generator)`` into ``tensor``, drawing on the generator's device."""
    if generator is None or generator.device == tensor.device:
        fill(tensor, generator=generator)
        return
    values = torch.empty(tensor.shape, dtype=tensor.dtype, device=generator.device)
    fill(values, generator=generator)
    with torch.no_grad():
        tensor.copy_(values)


def _weight(layer: nn.Module) -> torch.Tensor:
    """The trainable weight (the original one under a parametrization such as spectral norm)."""
    if parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations.weight.original
    return layer.weight


def _restart_spectral_norm(layer: nn.Module, generator: torch.Generator | None) -> None:
    """Redraw spectral norm's power-iteration vectors for the new weight, as on construction."""
    if not parametrize.is_parametrized(layer, "weight"):
        return
    weight = layer.parametrizations.weight.original
    for param in layer.parametrizations.weight:
        if isinstance(param, _SpectralNorm) and weight.ndim > 1:
            with torch.no_grad():
                for vector in (param._u, param._v):
                    _draw(vector, nn.init.normal_, generator)
                    vector.copy_(F.normalize(vector, dim=0, eps=param.eps))
                param._power_method(param._reshape_weight_to_matrix(weight), 15)


def init_weights(
    module: nn.Module,
    scheme: str = "normal",
    gain: float = 0.02,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Re-initialise every linear, convolution and batch/instance norm layer of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        Initialised in place, with all its submodules.
    scheme : {"normal", "default"}, default="normal"
        "normal" is the DCGAN/CycleGAN convention: weights ~ N(0, ``gain``),
        biases 0, affine norm scales ~ N(1, ``gain``) and shifts 0. "default" is
        PyTorch's own initialisation (Kaiming-uniform with ``a=sqrt(5)``, biases
        uniform in +-1/sqrt(fan_in), norm scales 1 and shifts 0), redrawn.
    gain : float, default=0.02
        Standard deviation for "normal"; ignored by "default".
    generator : torch.Generator or None, default=None
        Source of randomness (a CPU generator works for modules on any device);
        None uses torch's global generator. Spectral norm's power-iteration
        vectors are redrawn from it too.

    Returns
    -------
    torch.nn.Module
        ``module`` itself.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import init_weights
    >>> net = init_weights(torch.nn.Conv2d(3, 8, 3), generator=torch.Generator().manual_seed(0))
    >>> net.weight.shape, bool((net.bias == 0).all())
    (torch.Size([8, 3, 3, 3]), True)
    """
    if scheme not in _SCHEMES:
        raise ValueError(f"Unknown init scheme {scheme!r}; expected one of {sorted(_SCHEMES)}")
    for layer in module.modules():
        if isinstance(layer, _LAYERS):
            weight = _weight(layer)
            if scheme == "normal":
                _draw(weight, partial(nn.init.normal_, mean=0.0, std=gain), generator)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
            else:
                _draw(weight, partial(nn.init.kaiming_uniform_, a=math.sqrt(5)), generator)
                if layer.bias is not None:
                    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    _draw(layer.bias, partial(nn.init.uniform_, a=-bound, b=bound), generator)
            _restart_spectral_norm(layer, generator)
        elif isinstance(layer, _NORMS) and layer.affine:
            if scheme == "normal":
                _draw(layer.weight, partial(nn.init.normal_, mean=1.0, std=gain), generator)
            else:
                nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)
    return module
