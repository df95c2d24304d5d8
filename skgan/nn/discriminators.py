"""Discriminators: mlp, patch (PatchGAN), dcgan, and ``build_discriminator``."""

from __future__ import annotations

from torch import nn

from ._blocks import maybe_sn

__all__ = [
    "DCGANDiscriminator",
    "DISCRIMINATORS",
    "MLPDiscriminator",
    "PatchDiscriminator",
    "build_discriminator",
]


class _Discriminator(nn.Module):
    """``blocks`` run in order; ``features`` stops before the last one."""

    def forward(self, x):
        return self.blocks(x)

    def features(self, x):
        """Flattened activations of the penultimate block, ``(N, D)``."""
        for block in self.blocks[:-1]:
            x = block(x)
        return x.flatten(1)


class MLPDiscriminator(_Discriminator):
    """Fully connected discriminator for tabular data; ``(N, 1)`` logits.

    Parameters
    ----------
    in_features : int
    n_filters : int, default=64
    n_layers : int, default=3
    spectral_norm : bool, default=False

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import MLPDiscriminator
    >>> MLPDiscriminator(5, n_filters=8)(torch.zeros(2, 5)).shape
    torch.Size([2, 1])
    """

    def __init__(self, in_features, n_filters=64, n_layers=3, spectral_norm=False):
        super().__init__()
        widths = [in_features] + [n_filters] * n_layers
        self.blocks = nn.Sequential(
            *[nn.Sequential(maybe_sn(nn.Linear(a, b), spectral_norm), nn.LeakyReLU(0.2))
              for a, b in zip(widths, widths[1:])],
            maybe_sn(nn.Linear(widths[-1], 1), spectral_norm),
        )


class PatchDiscriminator(_Discriminator):
    """PatchGAN discriminator: one real/fake logit per overlapping image patch.

    4x4 convolutions with stride 2 (``n_layers`` of them, fewer when the image is
    too small to keep a 4x4 map), then two stride-1 4x4 convolutions, the last
    giving ``(N, 1, h, w)`` logits. Instance norm, or none with spectral norm.

    Parameters
    ----------
    in_channels : int
    image_size : tuple (H, W)
    n_filters : int, default=64
    n_layers : int, default=3
    spectral_norm : bool, default=False

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import PatchDiscriminator
    >>> PatchDiscriminator(3, (8, 8), n_filters=4)(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 1, 2, 2])
    """

    def __init__(self, in_channels, image_size, n_filters=64, n_layers=3, spectral_norm=False):
        super().__init__()
        h, w = image_size
        n_down = 0
        while n_down < n_layers and min(h, w) // 2 >= 4:
            h, w, n_down = h // 2, w // 2, n_down + 1

        def norm(ch):
            return nn.Identity() if spectral_norm else nn.InstanceNorm2d(ch)

        def conv(a, b, stride):
            return maybe_sn(nn.Conv2d(a, b, 4, stride=stride, padding=1), spectral_norm)

        chans = [in_channels] + [min(n_filters * 2**i, n_filters * 8) for i in range(n_down + 1)]
        blocks = []
        for i, (a, b) in enumerate(zip(chans[:-1], chans[1:-1])):
            blocks.append(nn.Sequential(conv(a, b, 2), norm(b) if i else nn.Identity(),
                                        nn.LeakyReLU(0.2, True)))
        a, b = chans[-2], chans[-1]
        blocks.append(nn.Sequential(conv(a, b, 1), norm(b) if n_down else nn.Identity(),
                                    nn.LeakyReLU(0.2, True)))
        blocks.append(conv(b, 1, 1))
        self.blocks = nn.Sequential(*blocks)


class DCGANDiscriminator(_Discriminator):
    """DCGAN-style discriminator: strided convs to a small map, then one logit.

    Parameters
    ----------
    in_channels : int
    image_size : tuple (H, W)
    n_filters : int, default=64
    spectral_norm : bool, default=False

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import DCGANDiscriminator
    >>> DCGANDiscriminator(1, (28, 28), n_filters=4)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 1])
    """

    def __init__(self, in_channels, image_size, n_filters=64, spectral_norm=False):
        super().__init__()
        h, w = image_size
        blocks, ch, i = [], in_channels, 0
        while i < 5 and min(h, w) // 2 >= 3:
            out = min(n_filters * 2**i, n_filters * 8)
            blocks.append(nn.Sequential(
                maybe_sn(nn.Conv2d(ch, out, 4, stride=2, padding=1), spectral_norm),
                nn.LeakyReLU(0.2, True),
            ))
            ch, h, w, i = out, h // 2, w // 2, i + 1
        blocks.append(nn.Sequential(nn.Flatten(), maybe_sn(nn.Linear(ch * h * w, 1), spectral_norm)))
        self.blocks = nn.Sequential(*blocks)


DISCRIMINATORS = {
    "mlp": MLPDiscriminator,
    "patch": PatchDiscriminator,
    "dcgan": DCGANDiscriminator,
}


def build_discriminator(name, *, in_shape, n_filters=64, n_layers=3, spectral_norm=False):
    """Build a discriminator by name.

    Parameters
    ----------
    name : {"auto", "mlp", "patch", "dcgan"}
        "auto" is "mlp" for flat samples and "patch" for images.
    in_shape : tuple
        ``(n_features,)`` or ``(C, H, W)``.
    n_filters : int, default=64
    n_layers : int, default=3
        Hidden layers of "mlp", stride-2 layers of "patch".
    spectral_norm : bool, default=False

    Returns
    -------
    torch.nn.Module
        With ``features(x) -> (N, D)``.

    Examples
    --------
    >>> from skgan.nn import build_discriminator
    >>> type(build_discriminator("auto", in_shape=(3, 32, 32))).__name__
    'PatchDiscriminator'
    """
    in_shape = tuple(in_shape)
    if name == "auto":
        name = "mlp" if len(in_shape) == 1 else "patch"
    if name not in DISCRIMINATORS:
        raise ValueError(
            f"Unknown discriminator {name!r}; expected one of {sorted(['auto', *DISCRIMINATORS])}."
        )
    if name == "mlp":
        if len(in_shape) != 1:
            raise ValueError(
                f"The 'mlp' discriminator takes flat samples; got in_shape={in_shape}."
            )
        return MLPDiscriminator(in_shape[0], n_filters, n_layers, spectral_norm)
    if len(in_shape) != 3:
        raise ValueError(f"The {name!r} discriminator takes images (C, H, W); got {in_shape}.")
    if name == "patch":
        return PatchDiscriminator(in_shape[0], in_shape[1:], n_filters, n_layers, spectral_norm)
    return DCGANDiscriminator(in_shape[0], in_shape[1:], n_filters, spectral_norm)
