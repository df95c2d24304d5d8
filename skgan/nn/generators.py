"""Generators: mlp, resnet, unet, dcgan, and the ``build_generator`` factory."""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import n_halvings

__all__ = [
    "DCGANGenerator",
    "GENERATORS",
    "MLPGenerator",
    "ResnetGenerator",
    "UnetGenerator",
    "build_generator",
    "resolve_generator_name",
]


class MLPGenerator(nn.Module):
    """Fully connected generator for tabular data (no output activation).

    Parameters
    ----------
    in_features, out_features : int
    n_filters : int, default=64
        Width of the hidden layers.
    n_layers : int, default=3
        Number of hidden layers.
    residual : bool, default=False
        Output ``x + net(x)`` (needs ``in_features == out_features``): a
        translator that starts close to the identity.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import MLPGenerator
    >>> MLPGenerator(4, 4, n_filters=8, residual=True)(torch.zeros(2, 4)).shape
    torch.Size([2, 4])
    """

    def __init__(self, in_features, out_features, n_filters=64, n_layers=3, residual=False):
        super().__init__()
        if residual and in_features != out_features:
            raise ValueError(
                f"residual=True needs in_features == out_features; got {in_features} "
                f"and {out_features}."
            )
        self.residual = residual
        widths = [in_features] + [n_filters] * n_layers
        self.blocks = nn.Sequential(
            *[nn.Sequential(nn.Linear(a, b), nn.LeakyReLU(0.2)) for a, b in zip(widths, widths[1:])],
            nn.Linear(widths[-1], out_features),
        )

    def forward(self, x):
        out = self.blocks(x)
        return x + out if self.residual else out


def _pad(size, p):
    """Reflection padding where the map is large enough, zero padding otherwise."""
    return nn.ReflectionPad2d(p) if min(size) > p else nn.ZeroPad2d(p)


class _ResidualBlock(nn.Module):
    def __init__(self, channels, size):
        super().__init__()
        self.body = nn.Sequential(
            _pad(size, 1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(True),
            _pad(size, 1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )

    def forward(self, x):
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's ResNet generator: encoder, residual blocks, decoder, Tanh.

    Down-samples twice (fewer times when a side is odd or small), so any size
    from 8x8 up works and comes back exactly. Instance norm, no dropout.

    Parameters
    ----------
    in_channels, out_channels : int
    image_size : tuple (H, W)
    n_filters : int, default=64
    n_blocks : int, default=6

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import ResnetGenerator
    >>> g = ResnetGenerator(1, 3, (28, 28), n_filters=4, n_blocks=1)
    >>> g(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 3, 28, 28])
    """

    def __init__(self, in_channels, out_channels, image_size, n_filters=64, n_blocks=6):
        super().__init__()
        size = tuple(image_size)
        n_down = n_halvings(size, cap=2, min_size=4)
        blocks = [nn.Sequential(
            _pad(size, 3), nn.Conv2d(in_channels, n_filters, 7),
            nn.InstanceNorm2d(n_filters), nn.ReLU(True),
        )]
        ch = n_filters
        for _ in range(n_down):
            blocks.append(nn.Sequential(
                nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(ch * 2), nn.ReLU(True)
            ))
            ch, size = ch * 2, (size[0] // 2, size[1] // 2)
        blocks += [_ResidualBlock(ch, size) for _ in range(n_blocks)]
        for _ in range(n_down):
            blocks.append(nn.Sequential(
                nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=1),
                nn.InstanceNorm2d(ch // 2), nn.ReLU(True),
            ))
            ch = ch // 2
        blocks.append(nn.Sequential(_pad(image_size, 3), nn.Conv2d(ch, out_channels, 7), nn.Tanh()))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x):
        return self.blocks(x)


class UnetGenerator(nn.Module):
    """U-Net generator: strided-conv encoder, transposed-conv decoder, skip links.

    Parameters
    ----------
    in_channels, out_channels : int
    image_size : tuple (H, W)
    n_filters : int, default=64
    depth : int or None, default=None
        Number of down-samplings; None takes as many as the size allows (up to 5,
        keeping the bottleneck at least 2x2).

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import UnetGenerator
    >>> UnetGenerator(3, 1, (16, 16), n_filters=4)(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 1, 16, 16])
    """

    def __init__(self, in_channels, out_channels, image_size, n_filters=64, depth=None):
        super().__init__()
        possible = n_halvings(tuple(image_size), cap=5, min_size=2)
        depth = possible if depth is None else depth
        if depth > possible:
            raise ValueError(
                f"depth={depth} is too deep for {tuple(image_size)} images; at most {possible}."
            )
        self.depth = depth
        chans = [min(n_filters * 2**i, n_filters * 8) for i in range(depth + 1)]
        stem = nn.Sequential(nn.Conv2d(in_channels, chans[0], 3, padding=1), nn.LeakyReLU(0.2, True))
        downs = [
            nn.Sequential(nn.Conv2d(a, b, 4, stride=2, padding=1), nn.InstanceNorm2d(b), nn.LeakyReLU(0.2, True))
            for a, b in zip(chans, chans[1:])
        ]
        ups = []
        for i in reversed(range(depth)):
            in_ch = chans[i + 1] if i == depth - 1 else chans[i + 1] * 2
            ups.append(nn.Sequential(
                nn.ConvTranspose2d(in_ch, chans[i], 4, stride=2, padding=1),
                nn.InstanceNorm2d(chans[i]), nn.ReLU(True),
            ))
        head_in = chans[0] * 2 if depth else chans[0]
        head = nn.Sequential(nn.Conv2d(head_in, out_channels, 3, padding=1), nn.Tanh())
        self.blocks = nn.ModuleList([stem, *downs, *ups, head])

    def forward(self, x):
        stem, downs = self.blocks[0], self.blocks[1 : 1 + self.depth]
        ups, head = self.blocks[1 + self.depth : -1], self.blocks[-1]
        h = stem(x)
        skips = []
        for down in downs:
            skips.append(h)
            h = down(h)
        for up, skip in zip(ups, reversed(skips)):
            h = torch.cat([up(h), skip], dim=1)
        return head(h)


class DCGANGenerator(nn.Module):
    """DCGAN generator: noise ``(N, latent_dim)`` to images ``(N, C, H, W)``.

    A linear projection to a small map, then transposed-conv doublings with batch
    norm and ReLU, then a 3x3 conv and Tanh. The number of doublings comes from
    the size, so 28x28 starts from 7x7 and 64x64 from 4x4.

    Parameters
    ----------
    latent_dim : int
    out_shape : tuple (C, H, W)
    n_filters : int, default=64

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import DCGANGenerator
    >>> DCGANGenerator(16, (1, 28, 28), n_filters=4)(torch.zeros(2, 16)).shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(self, latent_dim, out_shape, n_filters=64):
        super().__init__()
        c, h, w = out_shape
        n_up = n_halvings((h, w), cap=6, min_size=4)
        h0, w0 = h // 2**n_up, w // 2**n_up
        ch = n_filters * 2 ** max(n_up - 1, 0)
        self.start = (ch, h0, w0)
        blocks = [nn.Sequential(
            nn.Linear(latent_dim, ch * h0 * w0), nn.Unflatten(1, self.start),
            nn.BatchNorm2d(ch), nn.ReLU(True),
        )]
        for _ in range(n_up):
            out_ch = max(ch // 2, n_filters)
            blocks.append(nn.Sequential(
                nn.ConvTranspose2d(ch, out_ch, 4, stride=2, padding=1),
                nn.BatchNorm2d(out_ch), nn.ReLU(True),
            ))
            ch = out_ch
        blocks.append(nn.Sequential(nn.Conv2d(ch, c, 3, padding=1), nn.Tanh()))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, z):
        return self.blocks(z)


GENERATORS = {
    "mlp": MLPGenerator,
    "resnet": ResnetGenerator,
    "unet": UnetGenerator,
    "dcgan": DCGANGenerator,
}


def resolve_generator_name(name, out_shape):
    """``"auto"`` -> ``"mlp"`` for 1-D samples, ``"resnet"`` for images."""
    if name == "auto":
        return "mlp" if len(out_shape) == 1 else "resnet"
    if name not in GENERATORS:
        raise ValueError(
            f"Unknown generator {name!r}; expected one of {sorted(['auto', *GENERATORS])}."
        )
    return name


def build_generator(name, *, in_shape, out_shape, n_filters=64, n_blocks=None, n_layers=None,
                    residual=False):
    """Build a generator by name.

    Parameters
    ----------
    name : {"auto", "mlp", "resnet", "unet", "dcgan"}
    in_shape : tuple
        ``(n_features,)``, ``(C, H, W)``, or ``(latent_dim,)`` for "dcgan".
    out_shape : tuple
        ``(n_features,)`` or ``(C, H, W)``.
    n_filters : int, default=64
    n_blocks : int or None
        Residual blocks of "resnet" (default 6).
    n_layers : int or None
        Hidden layers of "mlp" (default 3).
    residual : bool, default=False
        "mlp" only: add the input to the output.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from skgan.nn import build_generator
    >>> g = build_generator("auto", in_shape=(1, 8, 8), out_shape=(3, 8, 8), n_filters=4)
    >>> type(g).__name__
    'ResnetGenerator'
    """
    name = resolve_generator_name(name, out_shape)
    in_shape, out_shape = tuple(in_shape), tuple(out_shape)
    if name == "mlp":
        if len(in_shape) != 1 or len(out_shape) != 1:
            raise ValueError(
                f"The 'mlp' generator takes flat samples; got in_shape={in_shape}, "
                f"out_shape={out_shape}. Flatten the images or use 'resnet'/'unet'."
            )
        return MLPGenerator(in_shape[0], out_shape[0], n_filters, n_layers or 3, residual)
    if name == "dcgan":
        if len(in_shape) != 1 or len(out_shape) != 3:
            raise ValueError(
                f"The 'dcgan' generator maps noise (latent_dim,) to images (C, H, W); got "
                f"in_shape={in_shape}, out_shape={out_shape}."
            )
        return DCGANGenerator(in_shape[0], out_shape, n_filters)
    if len(in_shape) != 3 or len(out_shape) != 3 or in_shape[1:] != out_shape[1:]:
        raise ValueError(
            f"The {name!r} generator translates images of one spatial size; got "
            f"in_shape={in_shape}, out_shape={out_shape}."
        )
    if name == "resnet":
        return ResnetGenerator(in_shape[0], out_shape[0], in_shape[1:], n_filters,
                               6 if n_blocks is None else n_blocks)
    return UnetGenerator(in_shape[0], out_shape[0], in_shape[1:], n_filters)
