"""Generators (mlp, resnet, unet, dcgan) and the ``build_generator`` factory.

Every generator keeps its layers in ``self.blocks``, an ordered container of
logical blocks (input side first), so that "the first k blocks" can be frozen.
Image generators end in ``Tanh`` (images live in [-1, 1]) and return exactly the
requested spatial size for any ``H, W`` (square or not, odd or even).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._blocks import UpConv2d

__all__ = [
    "GENERATORS",
    "DCGANGenerator",
    "MLPGenerator",
    "ResnetGenerator",
    "UnetGenerator",
    "build_generator",
    "resolve_generator_name",
]


def _image_size(image_size: int | Sequence[int]) -> tuple[int, int]:
    """``(H, W)`` from an int or a pair of positive ints."""
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if len(size) != 2 or any(int(s) != s or s < 1 for s in size):
        raise ValueError(f"image_size must be an int or a pair (H, W) of positive ints; got {image_size!r}")
    return int(size[0]), int(size[1])


def _halved_sizes(size: tuple[int, int], cap: int, min_size: int, ceil: bool = False) -> list[tuple[int, int]]:
    """Sizes ``[size, size/2, ...]`` while both sides stay >= ``min_size`` (at most ``cap`` halvings).

    Halving rounds down (a 4x4 stride-2 convolution with padding 1), or up with
    ``ceil=True`` (a 3x3 stride-2 convolution with padding 1). The decoder gets
    each size back exactly with ``_output_padding``.
    """
    sizes = [size]
    while len(sizes) <= cap:
        h, w = sizes[-1]
        half = ((h + 1) // 2, (w + 1) // 2) if ceil else (h // 2, w // 2)
        if min(half) < min_size:
            break
        sizes.append(half)
    return sizes


def _output_padding(big: tuple[int, int], small: tuple[int, int], base: int) -> tuple[int, int]:
    """Output padding that makes a stride-2 transposed conv map ``small`` back to ``big``.

    ``base`` is the size a transposed conv gives without output padding minus
    ``2 * small`` (0 for kernel 4 / padding 1, -1 for kernel 3 / padding 1).
    """
    return (big[0] - 2 * small[0] - base, big[1] - 2 * small[1] - base)


def _pad(size: tuple[int, int], padding: int) -> nn.Module:
    """Reflection padding, or zero padding where the map is too small to reflect."""
    return nn.ReflectionPad2d(padding) if min(size) > padding else nn.ZeroPad2d(padding)


def _check_count(value: int, name: str, minimum: int) -> None:
    if not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")


class MLPGenerator(nn.Module):
    """Fully connected generator for tabular (standardised) data.

    ``n_layers`` hidden ``Linear`` + ``LeakyReLU(0.2)`` layers of width
    ``n_filters``, then a final ``Linear`` with no output activation.

    Parameters
    ----------
    in_features : int
        Number of input features (or latent dimension).
    out_features : int
        Number of output features.
    n_filters : int, default=64
        Width of the hidden layers.
    n_layers : int, default=3
        Number of hidden layers.
    residual : bool, default=False
        Return ``x[:, :out_features] + net(x)``, a translator that starts near the
        identity when the last layer is small; inputs past ``out_features`` (e.g.
        appended noise) only condition the update. Needs ``in_features >=
        out_features``.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        The hidden layers, then the output layer.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import MLPGenerator
    >>> g = MLPGenerator(4, 6, n_filters=8)
    >>> g(torch.zeros(2, 4)).shape
    torch.Size([2, 6])
    >>> len(g.blocks)
    4
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        n_filters: int = 64,
        n_layers: int = 3,
        residual: bool = False,
    ) -> None:
        super().__init__()
        _check_count(n_layers, "n_layers", 0)
        if residual and in_features < out_features:
            raise ValueError(
                f"residual=True needs in_features >= out_features; got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.residual = residual
        self.out_features = out_features
        widths = [in_features] + [n_filters] * n_layers
        hidden = [nn.Sequential(nn.Linear(a, b), nn.LeakyReLU(0.2, inplace=True))
                  for a, b in zip(widths, widths[1:])]
        self.blocks = nn.Sequential(*hidden, nn.Linear(widths[-1], out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.blocks(x)
        return x[:, : self.out_features] + out if self.residual else out


class _ResidualBlock(nn.Module):
    """Two reflection-padded 3x3 convolutions with instance norm, plus the input."""

    def __init__(self, channels: int, size: tuple[int, int]) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _pad(size, 1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(inplace=True),
            _pad(size, 1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's ResNet generator (Zhu et al., 2017): image to image.

    Reflection pad + 7x7 conv stem, two stride-2 3x3 down-samplings, ``n_blocks``
    residual blocks, two stride-2 transposed-conv up-samplings, 7x7 head and
    ``Tanh``; instance norm (no affine) and ReLU, no dropout. Images too small
    for two down-samplings (the map must stay at least 2x2) get fewer; odd sides
    are restored exactly through the transposed convs' output padding (which is
    1, as in the reference, for even sides).

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    out_channels : int
        Channels of the output images (may differ, e.g. grey to colour).
    image_size : int or tuple of (int, int)
        ``(H, W)`` of input and output images.
    n_filters : int, default=64
        Channels after the stem; doubled at each down-sampling.
    n_blocks : int, default=6
        Number of residual blocks (9 in the reference for 256x256 images).

    Attributes
    ----------
    blocks : torch.nn.Sequential
        ``[stem, down1, down2, res1, ..., resN, up1, up2, head]``.
    n_down : int
        Number of down-samplings used.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import ResnetGenerator
    >>> g = ResnetGenerator(1, 3, (28, 28), n_filters=4, n_blocks=2)
    >>> g(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 3, 28, 28])
    >>> len(g.blocks)
    8
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        image_size: int | Sequence[int],
        n_filters: int = 64,
        n_blocks: int = 6,
    ) -> None:
        super().__init__()
        _check_count(n_blocks, "n_blocks", 0)
        size = _image_size(image_size)
        sizes = _halved_sizes(size, cap=2, min_size=2, ceil=True)
        self.n_down = len(sizes) - 1
        blocks = [nn.Sequential(
            _pad(size, 3), nn.Conv2d(in_channels, n_filters, 7), nn.InstanceNorm2d(n_filters), nn.ReLU(inplace=True),
        )]
        ch = n_filters
        for _ in range(self.n_down):
            blocks.append(nn.Sequential(
                nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * ch), nn.ReLU(inplace=True),
            ))
            ch *= 2
        blocks += [_ResidualBlock(ch, sizes[-1]) for _ in range(n_blocks)]
        for big, small in zip(sizes[-2::-1], sizes[:0:-1]):
            pad = _output_padding(big, small, base=-1)
            blocks.append(nn.Sequential(
                nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=pad),
                nn.InstanceNorm2d(ch // 2), nn.ReLU(inplace=True),
            ))
            ch //= 2
        blocks.append(nn.Sequential(_pad(size, 3), nn.Conv2d(ch, out_channels, 7), nn.Tanh()))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class UnetGenerator(nn.Module):
    """U-Net generator (Ronneberger et al., 2015; pix2pix): image to image with skips.

    A 3x3 stem at full resolution, ``depth`` stride-2 4x4 convolutions, as many
    stride-2 4x4 transposed convolutions, and a 3x3 head with ``Tanh``; every
    up-sampling (and the head) also sees the encoder map of the same size,
    concatenated. Instance norm (no affine) and LeakyReLU(0.2) going down, ReLU
    going up; channels ``n_filters * (1, 2, 4, 8, 8, ...)``; no dropout. The
    full-resolution skip keeps fine detail even for 8x8 images, and odd sides
    come back exactly through output padding.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    out_channels : int
        Channels of the output images.
    image_size : int or tuple of (int, int)
        ``(H, W)`` of input and output images.
    n_filters : int, default=64
        Channels of the stem.
    depth : int or None, default=None
        Number of down-samplings. None takes as many as the size allows, up to
        5, keeping the bottleneck at least 2x2.

    Attributes
    ----------
    blocks : torch.nn.ModuleList
        ``[stem, down1, ..., down_depth, up_depth, ..., up1, head]``.
    depth : int
        Number of down-samplings used.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import UnetGenerator
    >>> g = UnetGenerator(3, 1, (16, 16), n_filters=4)
    >>> g(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 1, 16, 16])
    >>> g.depth, len(g.blocks)
    (3, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        image_size: int | Sequence[int],
        n_filters: int = 64,
        depth: int | None = None,
    ) -> None:
        super().__init__()
        size = _image_size(image_size)
        sizes = _halved_sizes(size, cap=5 if depth is None else depth, min_size=2)
        possible = len(sizes) - 1
        if depth is None:
            depth = possible
        _check_count(depth, "depth", 0)
        if depth > possible:
            raise ValueError(f"depth={depth} is too deep for {size} images; expected at most {possible}")
        self.depth = depth
        chans = [n_filters * min(2**i, 8) for i in range(depth + 1)]
        stem = nn.Sequential(nn.Conv2d(in_channels, chans[0], 3, padding=1), nn.LeakyReLU(0.2, inplace=True))
        downs = [
            nn.Sequential(nn.Conv2d(a, b, 4, stride=2, padding=1), nn.InstanceNorm2d(b),
                          nn.LeakyReLU(0.2, inplace=True))
            for a, b in zip(chans, chans[1:])
        ]
        ups = []
        for i in reversed(range(depth)):
            in_ch = chans[i + 1] if i == depth - 1 else 2 * chans[i + 1]
            pad = _output_padding(sizes[i], sizes[i + 1], base=0)
            ups.append(nn.Sequential(
                UpConv2d(in_ch, chans[i], 4, stride=2, padding=1, output_padding=pad),
                nn.InstanceNorm2d(chans[i]), nn.ReLU(inplace=True),
            ))
        head_in = 2 * chans[0] if depth else chans[0]
        head = nn.Sequential(nn.Conv2d(head_in, out_channels, 3, padding=1), nn.Tanh())
        self.blocks = nn.ModuleList([stem, *downs, *ups, head])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.blocks[: self.depth + 1]:  # stem and down-samplings
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottleneck
        for block in self.blocks[self.depth + 1 : -1]:  # up-samplings
            x = torch.cat([skips.pop(), block(x)], dim=1)
        return self.blocks[-1](x)


class DCGANGenerator(nn.Module):
    """DCGAN generator (Radford et al., 2016): noise ``(N, latent_dim)`` to images.

    A bias-free linear projection to a small map (4x4 to 7x7; 4x4 for powers of
    two) with batch norm and ReLU, then stride-2 4x4 transposed convolutions
    with batch norm and ReLU halving the channels (from at most
    ``8 * n_filters`` down to ``n_filters``), the last one giving the image
    through ``Tanh``. Output padding makes any ``(H, W)`` come out exactly.

    Parameters
    ----------
    latent_dim : int
        Size of the noise vectors; ``(N, latent_dim, 1, 1)`` input works too.
    out_shape : tuple of (int, int, int)
        ``(C, H, W)`` of the generated images.
    n_filters : int, default=64
        Channels before the last up-sampling.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        ``[project, up1, ..., head]``.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import DCGANGenerator
    >>> g = DCGANGenerator(16, (1, 28, 28), n_filters=4)
    >>> g(torch.zeros(2, 16)).shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(self, latent_dim: int, out_shape: Sequence[int], n_filters: int = 64) -> None:
        super().__init__()
        if len(out_shape) != 3:
            raise ValueError(f"out_shape must be (C, H, W); got {tuple(out_shape)}")
        c = out_shape[0]
        sizes = _halved_sizes(_image_size(out_shape[1:]), cap=6, min_size=4)
        n_up = len(sizes) - 1
        chans = [n_filters * min(2**i, 8) for i in reversed(range(n_up))] or [n_filters]
        h0, w0 = sizes[-1]
        blocks = [nn.Sequential(
            nn.Flatten(), nn.Linear(latent_dim, chans[0] * h0 * w0, bias=False),
            nn.Unflatten(1, (chans[0], h0, w0)), nn.BatchNorm2d(chans[0]), nn.ReLU(inplace=True),
        )]
        steps = list(zip(sizes[-2::-1], sizes[:0:-1]))
        for (big, small), a, b in zip(steps, chans, chans[1:]):
            blocks.append(nn.Sequential(
                UpConv2d(a, b, 4, 2, 1, output_padding=_output_padding(big, small, 0), bias=False),
                nn.BatchNorm2d(b), nn.ReLU(inplace=True),
            ))
        if steps:
            big, small = steps[-1]
            pad = _output_padding(big, small, 0)
            head = UpConv2d(chans[-1], c, 4, 2, 1, output_padding=pad, bias=False)
        else:  # smaller than 8x8: no up-sampling
            head = nn.Conv2d(chans[-1], c, 3, padding=1, bias=False)
        blocks.append(nn.Sequential(head, nn.Tanh()))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.blocks(z)


GENERATORS: dict[str, type[nn.Module]] = {
    "mlp": MLPGenerator,
    "resnet": ResnetGenerator,
    "unet": UnetGenerator,
    "dcgan": DCGANGenerator,
}


def resolve_generator_name(name: str, out_shape: Sequence[int]) -> str:
    """Resolve a generator name, turning ``"auto"`` into a concrete one.

    Parameters
    ----------
    name : str
        ``"auto"`` or a key of :data:`GENERATORS`.
    out_shape : tuple of int
        Per-sample output shape: ``"auto"`` is ``"mlp"`` for ``(F,)`` and
        ``"resnet"`` for images ``(C, H, W)``.

    Returns
    -------
    str
        A key of :data:`GENERATORS`.

    Examples
    --------
    >>> from skgan.nn import resolve_generator_name
    >>> resolve_generator_name("auto", (5,)), resolve_generator_name("auto", (3, 32, 32))
    ('mlp', 'resnet')
    """
    if name == "auto":
        return "mlp" if len(out_shape) == 1 else "resnet"
    if name not in GENERATORS:
        raise ValueError(f"Unknown generator {name!r}; expected one of {sorted(['auto', *GENERATORS])}")
    return name


def build_generator(
    name: str,
    *,
    in_shape: Sequence[int],
    out_shape: Sequence[int],
    n_filters: int = 64,
    n_blocks: int | None = None,
    n_layers: int | None = None,
    residual: bool = False,
) -> nn.Module:
    """Build a generator from per-sample shapes.

    Parameters
    ----------
    name : {"auto", "mlp", "resnet", "unet", "dcgan"}
        ``"auto"`` is ``"mlp"`` for tabular ``out_shape`` and ``"resnet"`` for images.
    in_shape : tuple of int
        ``(F,)`` for "mlp", ``(C, H, W)`` for "resnet"/"unet", ``(latent_dim,)``
        for "dcgan".
    out_shape : tuple of int
        ``(F,)`` for "mlp", ``(C, H, W)`` otherwise ("resnet"/"unet": same
        ``H, W`` as ``in_shape``).
    n_filters : int, default=64
        Width (hidden units or base channels).
    n_blocks : int or None, default=None
        Residual blocks of "resnet" (None: 6). Ignored by the others.
    n_layers : int or None, default=None
        Hidden layers of "mlp" (None: 3). Ignored by the others.
    residual : bool, default=False
        "mlp" only: output ``x + net(x)``.

    Returns
    -------
    torch.nn.Module
        The generator, with PyTorch's default initialisation (see
        :func:`skgan.nn.init_weights`).

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import build_generator
    >>> g = build_generator("auto", in_shape=(1, 8, 8), out_shape=(3, 8, 8), n_filters=4)
    >>> type(g).__name__, g(torch.zeros(2, 1, 8, 8)).shape
    ('ResnetGenerator', torch.Size([2, 3, 8, 8]))
    >>> build_generator("dcgan", in_shape=(8,), out_shape=(1, 12, 12), n_filters=4)(torch.zeros(2, 8)).shape
    torch.Size([2, 1, 12, 12])
    """
    name = resolve_generator_name(name, out_shape)
    in_shape, out_shape = tuple(in_shape), tuple(out_shape)
    if name == "mlp":
        if len(in_shape) != 1 or len(out_shape) != 1:
            raise ValueError(
                f"The 'mlp' generator needs flat samples, in_shape and out_shape of length 1; got "
                f"in_shape={in_shape}, out_shape={out_shape}. Flatten the images or use 'resnet'/'unet'"
            )
        return MLPGenerator(in_shape[0], out_shape[0], n_filters, 3 if n_layers is None else n_layers, residual)
    if name == "dcgan":
        if len(in_shape) != 1 or len(out_shape) != 3:
            raise ValueError(
                f"The 'dcgan' generator maps noise to images: in_shape must be (latent_dim,) and out_shape "
                f"(C, H, W); got in_shape={in_shape}, out_shape={out_shape}"
            )
    elif len(in_shape) != 3 or len(out_shape) != 3 or in_shape[1:] != out_shape[1:]:
        raise ValueError(
            f"The {name!r} generator translates images of one spatial size: in_shape and out_shape must be "
            f"(C, H, W) with the same H, W; got in_shape={in_shape}, out_shape={out_shape}"
        )
    if residual:
        raise ValueError(f"residual=True is only supported by the 'mlp' generator; got {name!r}")
    if name == "dcgan":
        return DCGANGenerator(in_shape[0], out_shape, n_filters)
    if name == "resnet":
        return ResnetGenerator(in_shape[0], out_shape[0], in_shape[1:], n_filters, 6 if n_blocks is None else n_blocks)
    return UnetGenerator(in_shape[0], out_shape[0], in_shape[1:], n_filters)
