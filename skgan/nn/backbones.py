"""Classification networks (torchvision or your own) as discriminator feature extractors.

Weights always come from a local file: torchvision models are built with
``weights=None`` (no download) and a state dict is read with
``torch.load(..., weights_only=True)``, which executes no pickled code.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from .discriminators import _Discriminator
from .freezing import load_weights

__all__ = ["BackboneDiscriminator", "BackboneFeatures", "backbone_blocks", "load_backbone", "load_tensors", "read_state_dict"]

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def load_tensors(path: str | Path):
    """``torch.load`` of ``path`` on CPU that never executes pickled code.

    Raises
    ------
    pickle.UnpicklingError
        When the file holds anything but tensors and plain containers; the
        message names the file and why it is refused.

    Examples
    --------
    >>> import tempfile, torch
    >>> from skgan.nn.backbones import load_tensors
    >>> path = tempfile.mkdtemp() + "/w.pt"
    >>> torch.save({"w": torch.ones(2)}, path)
    >>> load_tensors(path)["w"].tolist()
    [1.0, 1.0]
    """
    try:
        return torch.load(Path(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(
            f"Refusing to load {path}: it holds pickled objects other than tensors and plain "
            f"containers, and unpickling them could run code. ({exc})"
        ) from None


def read_state_dict(path: str | Path) -> dict:
    """Read a state dict from ``path`` without executing pickled code.

    Accepts a bare state dict or a dict holding one under ``"state_dict"`` or
    ``"model"`` (common checkpoint layouts).

    Raises
    ------
    pickle.UnpicklingError
        When the file holds anything but tensors and plain containers.
    """
    state = load_tensors(path)
    if isinstance(state, dict):
        for key in ("state_dict", "model"):
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state dict (names mapped to tensors).")
    return state


def load_backbone(backbone: str | nn.Module, weights: str | Path | None = None) -> nn.Module:
    """A classification network with weights from a local file; nothing is downloaded.

    Parameters
    ----------
    backbone : str or torch.nn.Module
        A torchvision model name (e.g. ``"resnet18"``), built with
        ``weights=None``, or a module (deep-copied, never modified).
    weights : str, pathlib.Path or None, default=None
        A local state-dict file for the network (e.g. torchvision's
        ``resnet18-f37072fd.pth`` downloaded once by hand). None keeps the
        network's own weights (random for a torchvision name).

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from skgan.nn import load_backbone
    >>> type(load_backbone("resnet18")).__name__
    'ResNet'
    """
    if isinstance(backbone, str):
        from torchvision import models

        names = models.list_models(module=models)
        if backbone not in names:
            raise ValueError(
                f"Unknown torchvision classification model {backbone!r}; expected one of "
                f"torchvision.models.list_models(), e.g. 'resnet18'."
            )
        model = models.get_model(backbone, weights=None)
    elif isinstance(backbone, nn.Module):
        model = copy.deepcopy(backbone)
    else:
        raise TypeError(f"backbone must be a torchvision model name or a torch module; got {backbone!r}.")
    if weights is not None:
        load_weights(model, read_state_dict(weights), name="backbone")
    return model


def backbone_blocks(model: nn.Module) -> list[nn.Module]:
    """Split a classification network's body into blocks, input side first.

    The classifier layer is dropped; the last block ends in global pooling
    and ``Flatten``, so the blocks map images to feature vectors.

    * ResNet-like (``conv1 bn1 relu maxpool layer1..layer4``): the stem, then
      one block per stage;
    * ``features`` + ``avgpool`` (VGG, MobileNet, EfficientNet, ...): each
      child of ``features``, then pooling;
    * a module with ``blocks`` (e.g. a skgan network) or an ``nn.Sequential``:
      its entries, then global average pooling where outputs are maps.

    Examples
    --------
    >>> from skgan.nn import backbone_blocks, load_backbone
    >>> len(backbone_blocks(load_backbone("resnet18")))
    5
    """
    names = dict(model.named_children())
    stem = ("conv1", "bn1", "relu", "maxpool", "layer1")
    if all(n in names for n in stem):
        stages = [names[f"layer{i}"] for i in range(1, 10) if f"layer{i}" in names]
        pool = names.get("avgpool", nn.AdaptiveAvgPool2d(1))
        blocks = [nn.Sequential(names["conv1"], names["bn1"], names["relu"], names["maxpool"]), *stages]
        blocks[-1] = nn.Sequential(blocks[-1], pool, nn.Flatten())
        return blocks
    if isinstance(names.get("features"), nn.Sequential):
        body = list(names["features"].children())
        pool = names.get("avgpool", nn.AdaptiveAvgPool2d(1))
        body[-1] = nn.Sequential(body[-1], pool, nn.Flatten())
        return body
    inner = getattr(model, "blocks", None)
    if isinstance(inner, (nn.Sequential, nn.ModuleList)) or isinstance(model, nn.Sequential):
        body = list(inner if inner is not None else model)
        body[-1] = nn.Sequential(body[-1], _GlobalPool())
        return body
    raise TypeError(
        f"Cannot split {type(model).__name__} into blocks: expected a ResNet-like network, one "
        "with `features` and `avgpool`, one with `blocks`, or an nn.Sequential."
    )


class _GlobalPool(nn.Module):
    """Average over spatial dimensions when there are any, then flatten."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=tuple(range(2, x.dim()))) if x.dim() > 2 else x


class _ImageNetInput(nn.Module):
    """[-1, 1] images -> a torchvision network's input: 3 channels, ImageNet scale."""

    def __init__(self, channels: int = 3, normalize: bool = True) -> None:
        super().__init__()
        self.channels, self.normalize = channels, normalize
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1 and self.channels == 3:
            x = x.expand(-1, 3, -1, -1)
        if self.normalize and x.shape[1] == 3:
            x = ((x + 1) / 2 - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        return x


class BackboneFeatures(nn.Sequential):
    """A classification network's body: images in [-1, 1] to feature vectors.

    Grey images are repeated to the three channels a torchvision network
    reads, and ImageNet normalisation is applied (``normalize=True``); then the
    network's blocks (:func:`backbone_blocks`) run, ending in global pooling.
    Use it as the feature extractor of :func:`skgan.metrics.frechet_distance`
    or as a discriminator's body.

    Parameters
    ----------
    backbone : str or torch.nn.Module
        See :func:`load_backbone`.
    weights : str, pathlib.Path or None, default=None
        Local state-dict file for the backbone.
    normalize : bool, default=True
        Apply ImageNet normalisation.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import BackboneFeatures
    >>> BackboneFeatures("resnet18").eval()(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 512])
    """

    def __init__(self, backbone: str | nn.Module, weights: str | Path | None = None,
                 normalize: bool = True) -> None:
        model = load_backbone(backbone, weights)
        blocks = backbone_blocks(model)
        channels = _first_conv_channels(model) or 3
        blocks[0] = nn.Sequential(_ImageNetInput(channels, normalize), blocks[0])
        super().__init__(*blocks)
        self.channels = channels


def _first_conv_channels(model: nn.Module) -> int | None:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            return m.in_channels
    return None


class BackboneDiscriminator(_Discriminator):
    """A classification network's body as feature extractor, plus a new linear head.

    Images in [-1, 1] are mapped to the backbone's input (grey repeated to
    three channels, ImageNet normalisation for three-channel networks), go
    through the backbone's blocks to a feature vector, and a ``Linear`` head
    gives ``(N, 1)`` logits. Freeze "the first k blocks" to keep the lower
    backbone stages fixed (FreezeD with an off-the-shelf feature network).

    Parameters
    ----------
    backbone : str or torch.nn.Module
        See :func:`load_backbone`.
    in_shape : tuple (C, H, W)
        Per-sample shape of the images it judges.
    weights : str, pathlib.Path or None, default=None
        Local state-dict file for the backbone.
    normalize : bool, default=True
        Apply ImageNet normalisation (for torchvision weights).

    Attributes
    ----------
    blocks : torch.nn.Sequential
        ``[stem, stage1, ..., stageN (pooled and flattened), head]``; the
        input mapping is part of the stem.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import BackboneDiscriminator
    >>> d = BackboneDiscriminator("resnet18", (1, 28, 28))
    >>> d(torch.zeros(2, 1, 28, 28)).shape, d.features(torch.zeros(2, 1, 28, 28)).shape
    (torch.Size([2, 1]), torch.Size([2, 512]))
    """

    def __init__(
        self,
        backbone: str | nn.Module,
        in_shape: Sequence[int],
        weights: str | Path | None = None,
        normalize: bool = True,
    ) -> None:
        super().__init__()
        in_shape = tuple(int(s) for s in in_shape)
        if len(in_shape) != 3:
            raise ValueError(f"A backbone discriminator judges images: in_shape must be (C, H, W); got {in_shape}")
        body = BackboneFeatures(backbone, weights, normalize)
        if in_shape[0] not in (body.channels, 1):
            raise ValueError(
                f"The backbone reads {body.channels}-channel images but the data have "
                f"{in_shape[0]} channels."
            )
        body.eval()
        try:
            with torch.no_grad():
                n_features = body(torch.zeros(2, *in_shape)).flatten(1).shape[1]
        except RuntimeError as exc:
            raise ValueError(f"The backbone cannot process images of shape {in_shape}: {exc}") from None
        body.train()
        self.blocks = nn.Sequential(*body, nn.Linear(n_features, 1))
