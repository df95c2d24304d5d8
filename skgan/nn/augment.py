"""Differentiable augmentation of image batches for data-efficient GAN training.

The discriminator of a GAN trained on a few images memorises them and its
feedback to the generator degrades. Differentiable augmentation (Zhao et al.,
2020) applies the same random, differentiable transformations to every batch
the discriminator sees, real and generated, in both the generator's and the
discriminator's step; gradients flow through the transformation to the
generator. The policies here follow that paper: ``"color"`` (brightness,
saturation, contrast), ``"translation"`` (shift by up to 1/8 of the image,
zero padding) and ``"cutout"`` (a zeroed square of half the image's size).

Randomness comes from an explicit CPU :class:`torch.Generator`, so training
stays reproducible; the random draws are moved to the batch's device.

References
----------
Zhao, Liu, Lin, Zhu and Han, "Differentiable Augmentation for Data-Efficient
GAN Training", NeurIPS 2020.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["AUGMENT_POLICIES", "diff_augment", "parse_augment"]

AUGMENT_POLICIES = ("color", "translation", "cutout")


def parse_augment(augment, *, name="augment", shape=None):
    """The tuple of policies named by ``augment``.

    Parameters
    ----------
    augment : str, list of str or None
        Comma-separated policy names (``"translation,cutout"``) or a list of
        them; None or ``""`` means no augmentation.
    name : str, default="augment"
        Parameter name used in error messages.
    shape : tuple or None, default=None
        Shape of one sample of the data to augment; policies need images
        (``(C, H, W)``), so any other shape raises. None: not checked.

    Returns
    -------
    policies : tuple of str
        In the order given, without duplicates; empty for no augmentation.

    Examples
    --------
    >>> from skgan.nn.augment import parse_augment
    >>> parse_augment("translation, cutout")
    ('translation', 'cutout')
    >>> parse_augment(None)
    ()
    """
    if augment is None:
        return ()
    names = augment.split(",") if isinstance(augment, str) else list(augment)
    policies = []
    for policy in names:
        if not isinstance(policy, str):
            raise ValueError(f"{name} must name policies as strings; got {policy!r}.")
        policy = policy.strip().lower()
        if not policy:
            continue
        if policy not in AUGMENT_POLICIES:
            raise ValueError(
                f"{name}={augment!r}: unknown policy {policy!r}; expected a comma-separated "
                f"subset of {', '.join(AUGMENT_POLICIES)}."
            )
        if policy not in policies:
            policies.append(policy)
    if policies and shape is not None and len(shape) != 3:
        raise ValueError(
            f"{name}={augment!r} needs image data (samples of shape (C, H, W)); got samples "
            f"of shape {tuple(shape)}. Use {name}=None for tabular data, or pass image_shape."
        )
    return tuple(policies)


def _uniform(generator, *shape, device):
    return torch.rand(shape, generator=generator).to(device)


def _color(x, generator, fill=None):
    n = len(x)
    x = x + (_uniform(generator, n, 1, 1, 1, device=x.device) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_uniform(generator, n, 1, 1, 1, device=x.device) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(generator, n, 1, 1, 1, device=x.device) + 0.5) + mean


def _border_mean(x):
    """Mean of each image's outermost pixels, per channel: shape (N, C, 1, 1)."""
    border = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, 1:-1, 0], x[:, :, 1:-1, -1]], dim=2)
    return border.mean(dim=2)[:, :, None, None]


def _fill_value(x, fill):
    return _border_mean(x) if isinstance(fill, str) else fill


def _translation(x, generator, ratio=0.125, fill=0.0):
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = torch.randint(-sh, sh + 1, (n, 1, 1), generator=generator).to(x.device)
    tx = torch.randint(-sw, sw + 1, (n, 1, 1), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) + ty + sh
    cols = torch.arange(w, device=x.device).view(1, 1, w) + tx + sw
    value = _fill_value(x, fill)
    padded = F.pad(x - value, [sw, sw, sh, sh]) + value  # the margin takes the fill value
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    # advanced indices around a slice put their dimensions first: (n, h, w, c)
    return padded[batch, :, rows, cols].permute(0, 3, 1, 2)


def _cutout(x, generator, ratio=0.5, fill=0.0):
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=generator).to(x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    top, left = cy - ch // 2, cx - cw // 2  # squares may reach past the border
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    value = _fill_value(x, fill)
    return (x - value) * (~inside).unsqueeze(1).to(x.dtype) + value


_OPS = {"color": _color, "translation": _translation, "cutout": _cutout}


def diff_augment(x, policies, generator=None, *, fill=0.0):
    """Apply the policies, in order, to a batch of images; differentiable in ``x``.

    Parameters
    ----------
    x : torch.Tensor of shape (N, C, H, W)
        Images in the networks' scale ([-1, 1]).
    policies : tuple of str
        From :func:`parse_augment`; empty returns ``x`` itself.
    generator : torch.Generator or None, default=None
        CPU generator for the random draws (each sample gets its own).
    fill : float or "border", default=0.0
        Value of the pixels that ``"translation"`` uncovers and ``"cutout"``
        blanks: a constant (0, mid-grey, as DiffAugment), or ``"border"``, each
        image's mean border colour, so a dark or light background stays one.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device as ``x``.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn.augment import diff_augment
    >>> x = torch.zeros(4, 1, 8, 8, requires_grad=True)
    >>> out = diff_augment(x, ("translation", "cutout"), torch.Generator().manual_seed(0))
    >>> out.shape, out.requires_grad
    (torch.Size([4, 1, 8, 8]), True)
    """
    if not policies:
        return x
    if x.ndim != 4:
        raise ValueError(f"diff_augment needs image batches (N, C, H, W); got shape {tuple(x.shape)}.")
    if isinstance(fill, str) and fill != "border":
        raise ValueError(f"fill must be a number or 'border'; got {fill!r}.")
    for policy in policies:
        x = _OPS[policy](x, generator, fill=fill)
    return x
