"""Discriminators (mlp, patch, dcgan) and the ``build_discriminator`` factory.

Every discriminator returns raw logits, keeps its layers in ``self.blocks`` (an
ordered container of logical blocks, input side first) and offers
``features(x)``: the flattened activations of the penultimate block.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from .generators import _image_size

__all__ = [
    "DISCRIMINATORS",
    "DCGANDiscriminator",
    "MLPDiscriminator",
    "PatchDiscriminator",
    "ProjectionDiscriminator",
    "build_discriminator",
]


def _sn(layer: nn.Module, spectral_norm: bool) -> nn.Module:
    """``layer`` under spectral normalisation when asked."""
    return _spectral_norm(layer) if spectral_norm else layer


def _n_down(size: tuple[int, int], cap: int, min_size: int) -> int:
    """How many stride-2 4x4 convolutions (padding 1) keep both sides >= ``min_size``."""
    h, w, n = size[0], size[1], 0
    while n < cap and min(h, w) // 2 >= min_size:
        h, w, n = h // 2, w // 2, n + 1
    return n


class _Discriminator(nn.Module):
    """Runs ``self.blocks`` in order; ``features`` stops before the last block."""

    blocks: nn.Sequential

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened activations of the penultimate block.

        Parameters
        ----------
        x : torch.Tensor
            A batch of samples, as for ``forward``.

        Returns
        -------
        torch.Tensor
            Shape ``(N, D)``.
        """
        return self.blocks[:-1](x).flatten(1)

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and :meth:`features` from a single pass.

        Parameters
        ----------
        x : torch.Tensor
            A batch of samples, as for ``forward``.

        Returns
        -------
        logits : torch.Tensor
            As ``forward(x)``.
        features : torch.Tensor
            As ``features(x)``, shape ``(N, D)``.
        """
        h = self.blocks[:-1](x)
        return self.blocks[-1](h), h.flatten(1)


class MLPDiscriminator(_Discriminator):
    """Fully connected discriminator for tabular data, ``(N, 1)`` logits.

    ``n_layers`` hidden ``Linear`` + ``LeakyReLU(0.2)`` layers of width
    ``n_filters``, then a ``Linear`` to one logit.

    Parameters
    ----------
    in_features : int
        Number of input features.
    n_filters : int, default=64
        Width of the hidden layers.
    n_layers : int, default=3
        Number of hidden layers.
    spectral_norm : bool, default=False
        Put every linear layer under spectral normalisation.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        The hidden layers, then the output layer.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import MLPDiscriminator
    >>> d = MLPDiscriminator(5, n_filters=8)
    >>> d(torch.zeros(2, 5)).shape, d.features(torch.zeros(2, 5)).shape
    (torch.Size([2, 1]), torch.Size([2, 8]))
    """

    def __init__(self, in_features: int, n_filters: int = 64, n_layers: int = 3, spectral_norm: bool = False) -> None:
        super().__init__()
        if not isinstance(n_layers, int) or n_layers < 0:
            raise ValueError(f"n_layers must be an int >= 0; got {n_layers!r}")
        widths = [in_features] + [n_filters] * n_layers
        hidden = [
            nn.Sequential(_sn(nn.Linear(a, b), spectral_norm), nn.LeakyReLU(0.2, inplace=True))
            for a, b in zip(widths, widths[1:])
        ]
        self.blocks = nn.Sequential(*hidden, _sn(nn.Linear(widths[-1], 1), spectral_norm))


class PatchDiscriminator(_Discriminator):
    """PatchGAN discriminator (Isola et al., 2017): one logit per image patch.

    As in the reference: ``n_layers`` stride-2 4x4 convolutions (channels
    ``n_filters * (1, 2, 4, ...)``, at most ``8 * n_filters``), a stride-1 4x4
    convolution, all with LeakyReLU(0.2) and instance norm (none on the first
    layer, none at all under spectral norm), and a stride-1 4x4 convolution to
    ``(N, 1, h, w)`` logits. Images too small for ``n_layers`` down-samplings
    get fewer, so that the map stays at least 4x4 and the output at least 2x2.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    image_size : int or tuple of (int, int)
        ``(H, W)`` of the input images.
    n_filters : int, default=64
        Channels of the first convolution.
    n_layers : int, default=3
        Number of stride-2 convolutions (3 gives the 70x70 PatchGAN).
    spectral_norm : bool, default=False
        Put every convolution under spectral normalisation (and drop the norms).

    Attributes
    ----------
    blocks : torch.nn.Sequential
        ``[down1, ..., down_n, conv, head]``.
    n_down : int
        Number of stride-2 convolutions used.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import PatchDiscriminator
    >>> d = PatchDiscriminator(3, (32, 32), n_filters=4)
    >>> d(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 1, 2, 2])
    >>> d.features(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 288])
    """

    def __init__(
        self,
        in_channels: int,
        image_size: int | Sequence[int],
        n_filters: int = 64,
        n_layers: int = 3,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(n_layers, int) or n_layers < 0:
            raise ValueError(f"n_layers must be an int >= 0; got {n_layers!r}")
        self.n_down = _n_down(_image_size(image_size), cap=n_layers, min_size=4)
        chans = [in_channels] + [n_filters * min(2**i, 8) for i in range(self.n_down + 1)]

        def block(a: int, b: int, stride: int, norm: bool) -> nn.Sequential:
            conv = _sn(nn.Conv2d(a, b, 4, stride=stride, padding=1), spectral_norm)
            norm_layer = nn.InstanceNorm2d(b) if norm and not spectral_norm else nn.Identity()
            return nn.Sequential(conv, norm_layer, nn.LeakyReLU(0.2, inplace=True))

        blocks = [block(a, b, 2, i > 0) for i, (a, b) in enumerate(zip(chans[:-2], chans[1:-1]))]
        blocks.append(block(chans[-2], chans[-1], 1, self.n_down > 0))
        blocks.append(_sn(nn.Conv2d(chans[-1], 1, 4, stride=1, padding=1), spectral_norm))
        self.blocks = nn.Sequential(*blocks)


class DCGANDiscriminator(_Discriminator):
    """DCGAN-style discriminator: strided convolutions, then one logit per image.

    Stride-2 4x4 convolutions with LeakyReLU(0.2) (channels
    ``n_filters * (1, 2, 4, 8, 8, ...)``, at most 6 of them) while the map
    stays at least 3x3 (4x4 for powers of two, 3x3 for 28x28: three blocks,
    so that FreezeD's "first k blocks" has k = 1, 2, 3 to choose from), then
    flatten and a ``Linear`` to ``(N, 1)`` logits. No batch norm, so the critic is
    per-sample (as gradient penalties assume).

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    image_size : int or tuple of (int, int)
        ``(H, W)`` of the input images.
    n_filters : int, default=64
        Channels of the first convolution.
    spectral_norm : bool, default=False
        Put every convolution and the linear layer under spectral normalisation.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        ``[down1, ..., down_n, head]``.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import DCGANDiscriminator
    >>> d = DCGANDiscriminator(1, (28, 28), n_filters=4)
    >>> d(torch.zeros(2, 1, 28, 28)).shape, d.features(torch.zeros(2, 1, 28, 28)).shape
    (torch.Size([2, 1]), torch.Size([2, 144]))
    >>> len(d.blocks)  # three stride-2 blocks (28 -> 14 -> 7 -> 3), then the head
    4
    """

    def __init__(
        self,
        in_channels: int,
        image_size: int | Sequence[int],
        n_filters: int = 64,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        h, w = _image_size(image_size)
        n_down = _n_down((h, w), cap=6, min_size=3)
        chans = [in_channels] + [n_filters * min(2**i, 8) for i in range(n_down)]
        blocks = [
            nn.Sequential(_sn(nn.Conv2d(a, b, 4, stride=2, padding=1), spectral_norm),
                          nn.LeakyReLU(0.2, inplace=True))
            for a, b in zip(chans, chans[1:])
        ]
        h, w = h // 2**n_down, w // 2**n_down
        blocks.append(nn.Sequential(nn.Flatten(), _sn(nn.Linear(chans[-1] * h * w, 1), spectral_norm)))
        self.blocks = nn.Sequential(*blocks)


class ProjectionDiscriminator(_Discriminator):
    """Class-conditional discriminator by projection (Miyato and Koyama, 2018).

    ``D(x, y) = head(phi(x)) + <embed(y), phi(x)>``, where ``phi`` are the
    :meth:`features` of a wrapped unconditional discriminator (whose blocks it
    takes over, so parameter names and "the first k blocks" are unchanged) and
    ``head`` its last block. The class embedding starts at zero, so the
    conditional discriminator starts as the unconditional one. Without ``y``
    it is the unconditional discriminator.

    Parameters
    ----------
    discriminator : torch.nn.Module
        A discriminator with ``blocks`` whose last block reads the output of the
        others (every skgan discriminator).
    n_classes : int
        Number of classes.
    in_shape : tuple of int
        Per-sample input shape, to size the class embedding.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        The wrapped discriminator's blocks.
    embed : torch.nn.Embedding
        One projection vector per class.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import DCGANDiscriminator, ProjectionDiscriminator
    >>> d = ProjectionDiscriminator(DCGANDiscriminator(1, (8, 8), n_filters=4), 3, (1, 8, 8))
    >>> d(torch.zeros(2, 1, 8, 8), torch.tensor([0, 2])).shape
    torch.Size([2, 1])
    """

    def __init__(self, discriminator: nn.Module, n_classes: int, in_shape: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(n_classes, int) or n_classes < 1:
            raise ValueError(f"n_classes must be an int >= 1; got {n_classes!r}")
        self.blocks = discriminator.blocks
        was_training = self.training
        self.eval()  # no spectral-norm power iteration on the probe
        with torch.no_grad():
            n_features = self.features(torch.zeros(1, *in_shape)).shape[1]
        self.train(was_training)
        self.embed = nn.Embedding(n_classes, n_features)
        nn.init.zeros_(self.embed.weight)

    def _project(self, logits: torch.Tensor, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if y is None:
            return logits
        proj = (self.embed(y) * h).sum(1)
        return logits + proj.view(-1, *[1] * (logits.dim() - 1))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_with_features(x, y)[0]

    def forward_with_features(
        self, x: torch.Tensor, y: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Conditional logits and the features they project; see :class:`_Discriminator`."""
        h = self.blocks[:-1](x)
        features = h.flatten(1)
        return self._project(self.blocks[-1](h), features, y), features


DISCRIMINATORS: dict[str, type[nn.Module]] = {
    "mlp": MLPDiscriminator,
    "patch": PatchDiscriminator,
    "dcgan": DCGANDiscriminator,
}


def build_discriminator(
    name: str,
    *,
    in_shape: Sequence[int],
    n_filters: int = 64,
    n_layers: int = 3,
    spectral_norm: bool = False,
) -> nn.Module:
    """Build a discriminator from the per-sample shape it judges.

    Parameters
    ----------
    name : {"auto", "mlp", "patch", "dcgan"}
        ``"auto"`` is ``"mlp"`` for tabular ``(F,)`` and ``"patch"`` for images.
    in_shape : tuple of int
        ``(F,)`` for "mlp", ``(C, H, W)`` for "patch" and "dcgan".
    n_filters : int, default=64
        Width (hidden units or base channels).
    n_layers : int, default=3
        Hidden layers of "mlp", stride-2 convolutions of "patch"; ignored by "dcgan".
    spectral_norm : bool, default=False
        Put every convolution and linear layer under spectral normalisation.

    Returns
    -------
    torch.nn.Module
        The discriminator (raw logits), with ``blocks`` and ``features(x)``.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import build_discriminator
    >>> d = build_discriminator("auto", in_shape=(3, 16, 16), n_filters=4)
    >>> type(d).__name__, d(torch.zeros(2, 3, 16, 16)).shape
    ('PatchDiscriminator', torch.Size([2, 1, 2, 2]))
    """
    in_shape = tuple(in_shape)
    if name == "auto":
        name = "mlp" if len(in_shape) == 1 else "patch"
    if name not in DISCRIMINATORS:
        raise ValueError(f"Unknown discriminator {name!r}; expected one of {sorted(['auto', *DISCRIMINATORS])}")
    if name == "mlp":
        if len(in_shape) != 1:
            raise ValueError(
                f"The 'mlp' discriminator needs flat samples, in_shape of length 1; got in_shape={in_shape}. "
                "Flatten the images or use 'patch'/'dcgan'"
            )
        return MLPDiscriminator(in_shape[0], n_filters, n_layers, spectral_norm)
    if len(in_shape) != 3:
        raise ValueError(f"The {name!r} discriminator judges images: in_shape must be (C, H, W); got {in_shape}")
    if name == "patch":
        return PatchDiscriminator(in_shape[0], in_shape[1:], n_filters, n_layers, spectral_norm)
    return DCGANDiscriminator(in_shape[0], in_shape[1:], n_filters, spectral_norm)
