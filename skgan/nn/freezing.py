"""Layer freezing by parameter-name prefix, and weight loading that names mismatches.

A *prefix* selects the parameters (and buffers) whose dotted name equals it or
continues it after a dot: ``"blocks.1"`` selects ``blocks.1.0.weight`` but not
``blocks.10.weight``; a prefix ending in a dot (``"blocks."``) matches as a plain
string prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral

import torch
from torch import nn

__all__ = ["block_prefixes", "frozen_modules", "load_weights", "matches_prefix", "resolve_freeze"]


def matches_prefix(name: str, prefixes: Iterable[str]) -> bool:
    """Whether the dotted ``name`` is selected by one of ``prefixes``.

    Examples
    --------
    >>> from skgan.nn.freezing import matches_prefix
    >>> matches_prefix("blocks.1.0.weight", ["blocks.1"]), matches_prefix("blocks.10.bias", ["blocks.1"])
    (True, False)
    """
    for p in prefixes:
        if name == p or name.startswith(p if p.endswith(".") else p + "."):
            return True
    return False


def block_prefixes(module: nn.Module, k: int, *, name: str = "module") -> list[str]:
    """Prefixes ``["blocks.0", ..., "blocks.{k-1}"]`` of the first ``k`` blocks of ``module``.

    Raises ``ValueError`` when ``module`` has no ``blocks`` or fewer than ``k``.

    Examples
    --------
    >>> from skgan.nn import DCGANDiscriminator
    >>> from skgan.nn.freezing import block_prefixes
    >>> block_prefixes(DCGANDiscriminator(1, (28, 28), n_filters=4), 2)
    ['blocks.0', 'blocks.1']
    """
    blocks = getattr(module, "blocks", None)
    if not isinstance(blocks, (nn.Sequential, nn.ModuleList)):
        raise ValueError(
            f"Freezing the first {k} blocks of the {name} needs a network with a `blocks` "
            f"container; {type(module).__name__} has none. Pass a list of parameter-name "
            "prefixes instead."
        )
    if k > len(blocks):
        raise ValueError(
            f"Cannot freeze the first {k} blocks of the {name}: {type(module).__name__} has "
            f"{len(blocks)} blocks."
        )
    return [f"blocks.{i}" for i in range(k)]


def resolve_freeze(module: nn.Module, freeze: int | Sequence[str] | None, *, name: str = "module") -> list[str]:
    """Turn a freeze specification into validated parameter-name prefixes.

    Parameters
    ----------
    module : torch.nn.Module
        The network the names refer to.
    freeze : int, list of str or None
        ``k``: the first ``k`` entries of ``module.blocks``; a list: prefixes of
        parameter names of ``module`` (each must select at least one
        parameter); None or 0: nothing.
    name : str, default="module"
        What to call the network in error messages.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from skgan.nn import MLPDiscriminator
    >>> from skgan.nn.freezing import resolve_freeze
    >>> d = MLPDiscriminator(3, n_filters=4)
    >>> resolve_freeze(d, 1), resolve_freeze(d, ["blocks.3.bias"])
    (['blocks.0'], ['blocks.3.bias'])
    """
    if freeze is None:
        return []
    if isinstance(freeze, Integral) and not isinstance(freeze, bool):
        if freeze < 0:
            raise ValueError(f"The number of {name} blocks to freeze must be >= 0; got {freeze}.")
        return block_prefixes(module, int(freeze), name=name) if freeze else []
    if isinstance(freeze, str) or not all(isinstance(p, str) for p in freeze):
        raise ValueError(
            f"Freezing the {name} takes an int (the first k blocks) or a list of parameter-name "
            f"prefixes; got {freeze!r}."
        )
    names = [n for n, _ in module.named_parameters()]
    for p in freeze:
        if not any(matches_prefix(n, [p]) for n in names):
            shown = sorted({n.rsplit(".", 1)[0] for n in names})[:8]
            raise ValueError(
                f"The {name} has no parameter named {p!r} or starting with {p + '.'!r}; "
                f"its layers include {shown}."
            )
    return list(freeze)


def frozen_modules(module: nn.Module, prefixes: Sequence[str]) -> list[nn.Module]:
    """Submodules whose own parameters and buffers are all selected by ``prefixes``.

    These are kept in eval mode while the rest trains, so that frozen batch
    norm statistics and spectral-norm power-iteration vectors stay exactly as
    they were (only modules holding buffers are returned; eval mode changes
    nothing else for them).

    Examples
    --------
    >>> from skgan.nn import DCGANGenerator
    >>> from skgan.nn.freezing import frozen_modules
    >>> [type(m).__name__ for m in frozen_modules(DCGANGenerator(8, (1, 8, 8), 4), ["blocks.0"])]
    ['BatchNorm2d']
    """
    if not prefixes:
        return []
    out = []
    for mod_name, sub in module.named_modules():
        own_buffers = [n for n, _ in sub.named_buffers(recurse=False)]
        if not own_buffers:
            continue
        own = own_buffers + [n for n, _ in sub.named_parameters(recurse=False)]
        full = [f"{mod_name}.{n}" if mod_name else n for n in own]
        if all(matches_prefix(n, prefixes) for n in full):
            out.append(sub)
    return out


def _layer(key: str) -> str:
    """The layer an entry belongs to: ``blocks.0.0`` for ``blocks.0.0.weight`` (and for a
    spectral-normalised ``blocks.0.0.parametrizations.weight.original``)."""
    if ".parametrizations." in key:
        return key.split(".parametrizations.")[0]
    return key.rsplit(".", 1)[0] if "." in key else key


def load_weights(module: nn.Module, state_dict: Mapping[str, torch.Tensor], *, name: str = "network") -> nn.Module:
    """Load ``state_dict`` into ``module``, naming the first layer that does not fit.

    Parameters
    ----------
    module : torch.nn.Module
        Loaded in place.
    state_dict : mapping of str to torch.Tensor
        Weights, as ``module.state_dict()`` would hold them.
    name : str, default="network"
        What to call the network in the error message.

    Returns
    -------
    torch.nn.Module
        ``module``.

    Raises
    ------
    ValueError
        When a key is missing, unexpected, or of another shape; the message
        names the first such layer in the network's order.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.freezing import load_weights
    >>> load_weights(torch.nn.Linear(3, 2), {"weight": torch.zeros(2, 3), "bias": torch.zeros(2)})
    Linear(in_features=3, out_features=2, bias=True)
    >>> load_weights(torch.nn.Linear(3, 2), {"weight": torch.zeros(4, 3), "bias": torch.zeros(4)})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The network weights do not fit ...: first mismatched layer 'weight' (entry 'weight') ...
    """
    if not isinstance(state_dict, Mapping):
        raise ValueError(f"The {name} weights must be a state dict (a mapping of names to tensors).")
    expected = module.state_dict()
    problem = None
    for key, value in expected.items():
        if key not in state_dict:
            problem = (key, f"missing from the weights (the network expects shape {tuple(value.shape)})")
        elif not isinstance(state_dict[key], torch.Tensor):
            problem = (key, "is not a tensor in the weights")
        elif tuple(state_dict[key].shape) != tuple(value.shape):
            problem = (key, f"has shape {tuple(state_dict[key].shape)} in the weights but the network "
                            f"expects {tuple(value.shape)}")
        if problem:
            break
    if problem is None:
        extra = [k for k in state_dict if k not in expected]
        if extra:
            problem = (extra[0], "is in the weights but not in the network")
    if problem:
        key, why = problem
        raise ValueError(
            f"The {name} weights do not fit the {name}'s architecture: first mismatched layer "
            f"{_layer(key)!r} (entry {key!r}) {why}. Build the {name} with the architecture "
            "parameters the weights were trained with."
        )
    module.load_state_dict(dict(state_dict))
    return module
