"""Adversarial losses (``GANLoss``) and gradient penalties."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LOSSES", "GANLoss", "gradient_penalty", "structure_loss"]

LOSSES: tuple[str, ...] = ("lsgan", "vanilla", "hinge", "wgan-gp")
_PENALTIES = ("r1", "wgan-gp")


class GANLoss(nn.Module):
    """Adversarial loss for discriminator and generator updates.

    Predictions are raw discriminator logits of any shape (``(N, 1)`` or
    PatchGAN's ``(N, 1, h, w)``), averaged over all elements. The real and fake
    targets are buffers, so the loss follows ``.to(device)``.

    =======  =================================================  ========================
    mode     ``discriminator_loss(real, fake)``                 ``generator_loss(fake)``
    =======  =================================================  ========================
    lsgan    ``0.5 * (MSE(real, 1) + MSE(fake, 0))``            ``MSE(fake, 1)``
    vanilla  ``0.5 * (BCE(real, 1) + BCE(fake, 0))``            ``BCE(fake, 1)``
    hinge    ``relu(1 - real).mean() + relu(1 + fake).mean()``  ``-fake.mean()``
    wgan-gp  ``fake.mean() - real.mean()``                      ``-fake.mean()``
    =======  =================================================  ========================

    "vanilla" is binary cross-entropy on logits with the non-saturating
    generator loss; "wgan-gp" is meant to be used with :func:`gradient_penalty`.
    The 0.5 factors follow the CycleGAN reference implementation.

    Parameters
    ----------
    mode : {"lsgan", "vanilla", "hinge", "wgan-gp"}, default="lsgan"
        The loss.
    real_label : float, default=1.0
        Target for real samples in "lsgan" and "vanilla" (e.g. 0.9 to smooth).
    fake_label : float, default=0.0
        Target for fake samples in "lsgan" and "vanilla".

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import GANLoss
    >>> loss = GANLoss("lsgan")
    >>> loss.discriminator_loss(torch.ones(4, 1), torch.zeros(4, 1)).shape
    torch.Size([])
    >>> float(loss.discriminator_loss(torch.ones(4, 1), torch.zeros(4, 1)))
    0.0
    >>> float(GANLoss("hinge").generator_loss(torch.full((2, 1, 3, 3), 2.0)))
    -2.0
    """

    real_label: torch.Tensor
    fake_label: torch.Tensor

    def __init__(self, mode: str = "lsgan", real_label: float = 1.0, fake_label: float = 0.0) -> None:
        super().__init__()
        if mode not in LOSSES:
            raise ValueError(f"Unknown loss {mode!r}; expected one of {sorted(LOSSES)}")
        self.mode = mode
        self.register_buffer("real_label", torch.tensor(float(real_label)))
        self.register_buffer("fake_label", torch.tensor(float(fake_label)))

    def _against(self, pred: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        """lsgan/vanilla loss of ``pred`` against all-real or all-fake targets."""
        label = self.real_label if target_is_real else self.fake_label
        target = label.to(pred.dtype).expand_as(pred)
        if self.mode == "lsgan":
            return F.mse_loss(pred, target)
        return F.binary_cross_entropy_with_logits(pred, target)

    def discriminator_loss(self, real_pred: torch.Tensor, fake_pred: torch.Tensor) -> torch.Tensor:
        """Loss for a discriminator update, lower when it tells real from fake.

        Parameters
        ----------
        real_pred : torch.Tensor
            Logits on real samples.
        fake_pred : torch.Tensor
            Logits on generated samples (detach them from the generator).

        Returns
        -------
        torch.Tensor
            A scalar.
        """
        if self.mode in ("lsgan", "vanilla"):
            return 0.5 * (self._against(real_pred, True) + self._against(fake_pred, False))
        if self.mode == "hinge":
            return F.relu(1.0 - real_pred).mean() + F.relu(1.0 + fake_pred).mean()
        return fake_pred.mean() - real_pred.mean()

    def generator_loss(self, fake_pred: torch.Tensor) -> torch.Tensor:
        """Loss for a generator update, lower when its samples are judged real.

        Parameters
        ----------
        fake_pred : torch.Tensor
            Logits on generated samples.

        Returns
        -------
        torch.Tensor
            A scalar.
        """
        if self.mode in ("lsgan", "vanilla"):
            return self._against(fake_pred, True)
        return -fake_pred.mean()

    def forward(self, pred: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        """Loss of ``pred`` against all-real or all-fake targets (CycleGAN's ``GANLoss``).

        Parameters
        ----------
        pred : torch.Tensor
            Discriminator logits.
        target_is_real : bool
            Whether the target is "real".

        Returns
        -------
        torch.Tensor
            A scalar. For "hinge" and "wgan-gp" this is ``-pred.mean()`` for a
            real target and ``pred.mean()`` for a fake one.
        """
        if self.mode in ("lsgan", "vanilla"):
            return self._against(pred, target_is_real)
        return -pred.mean() if target_is_real else pred.mean()


def _uniform(shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """U(0, 1) draws on ``like``'s device and dtype, from ``generator``'s device."""
    device = like.device if generator is None else generator.device
    return torch.rand(shape, generator=generator, device=device, dtype=like.dtype).to(like.device)


def gradient_penalty(
    discriminator: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor | None = None,
    kind: str = "wgan-gp",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Gradient penalty on a discriminator, differentiable w.r.t. its parameters.

    Parameters
    ----------
    discriminator : callable
        Maps a batch to logits of any shape; a sample's outputs are summed.
    real : torch.Tensor
        Real samples ``(N, ...)``.
    fake : torch.Tensor or None, default=None
        Generated samples of the same shape; needed for "wgan-gp".
    kind : {"wgan-gp", "r1"}, default="wgan-gp"
        "wgan-gp" (Gulrajani et al., 2017): ``mean((||grad D(x)||_2 - 1)^2)`` at
        ``x = alpha * real + (1 - alpha) * fake``, ``alpha ~ U(0, 1)`` per sample.
        "r1" (Mescheder et al., 2018): ``0.5 * mean(||grad D(real)||_2^2)``.
    generator : torch.Generator or None, default=None
        Draws ``alpha`` (on the generator's device, then moved to ``real``'s);
        None uses torch's global generator.

    Returns
    -------
    torch.Tensor
        A scalar, to be weighted and added to the discriminator loss.

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import gradient_penalty
    >>> d = torch.nn.Linear(3, 1)
    >>> real, fake = torch.randn(4, 3), torch.randn(4, 3)
    >>> gradient_penalty(d, real, fake, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([])
    >>> torch.allclose(gradient_penalty(d, real, kind="r1"), 0.5 * d.weight.pow(2).sum())
    True
    """
    if kind not in _PENALTIES:
        raise ValueError(f"Unknown gradient penalty kind {kind!r}; expected one of {sorted(_PENALTIES)}")
    if kind == "wgan-gp":
        if fake is None or fake.shape != real.shape:
            shape = None if fake is None else tuple(fake.shape)
            raise ValueError(f"kind='wgan-gp' needs fake of the same shape as real {tuple(real.shape)}; got {shape}")
        alpha = _uniform((len(real),) + (1,) * (real.dim() - 1), real, generator)
        x = alpha * real.detach() + (1 - alpha) * fake.detach()
    else:
        x = real.detach()
    with torch.enable_grad():
        x.requires_grad_(True)
        (grad,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    if kind == "r1":
        return 0.5 * norms.pow(2).mean()
    return (norms - 1.0).pow(2).mean()


def structure_loss(output: torch.Tensor, source: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """How much of a source image's layout an image-to-image rendering lost.

    ``1 - r**2`` per sample and output channel, averaged, where ``r`` is the
    Pearson correlation over pixels between that channel of ``output`` and the
    grey level of ``source`` (its channel mean). 0 when every output channel
    is an affine function of the source's grey level, so the term ignores any
    change of brightness, contrast, sign (inverted images) or tint, and
    penalises moving, dropping or inventing strokes. A content term for pixel-
    level domain adaptation in the spirit of PixelDA's PMSE, which ignores only
    a constant shift. ``eps`` keeps it finite (and near 1) on constant images.

    Parameters
    ----------
    output : torch.Tensor of shape (N, C_out, H, W)
    source : torch.Tensor of shape (N, C_in, H, W)
        Same ``N``, ``H``, ``W``; channel counts may differ.
    eps : float, default=1e-6
        Added to the product of the two variances (images in [-1, 1]).

    Returns
    -------
    loss : torch.Tensor, scalar in [0, 1]

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import structure_loss
    >>> x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    >>> inverted_and_tinted = torch.cat([-x, -0.5 * x + 0.2, 0.3 * x], dim=1)
    >>> round(float(structure_loss(inverted_and_tinted, x)), 2)
    0.0
    >>> bool(structure_loss(x.flip(0), x) > 0.5)   # other images' layouts
    True
    """
    if output.dim() != 4 or source.dim() != 4:
        raise ValueError(
            f"structure_loss takes (N, C, H, W) images; got shapes {tuple(output.shape)} and "
            f"{tuple(source.shape)}"
        )
    grey = source.mean(1, keepdim=True).flatten(2)
    out = output.flatten(2)
    grey = grey - grey.mean(2, keepdim=True)
    out = out - out.mean(2, keepdim=True)
    cov = (out * grey).mean(2)
    r2 = cov.pow(2) / (out.pow(2).mean(2) * grey.pow(2).mean(2) + eps)
    return (1.0 - r2).mean()
