"""Adversarial losses and gradient penalties."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GANLoss", "LOSSES", "gradient_penalty"]

LOSSES = ("lsgan", "vanilla", "hinge", "wgan-gp")


class GANLoss(nn.Module):
    """Adversarial loss for discriminator and generator updates.

    Owns its real/fake target labels as buffers, so it follows the module's
    device. Discriminator outputs are raw logits of any shape.

    ========  ===========================================  =======================
    mode      discriminator loss                           generator loss
    ========  ===========================================  =======================
    lsgan     ``0.5 * (MSE(real, 1) + MSE(fake, 0))``      ``MSE(fake, 1)``
    vanilla   ``0.5 * (BCE(real, 1) + BCE(fake, 0))``      ``BCE(fake, 1)``
    hinge     ``relu(1 - real) + relu(1 + fake)``          ``-fake``
    wgan-gp   ``fake - real``                              ``-fake``
    ========  ===========================================  =======================

    "vanilla" uses logits (BCE with logits) and the non-saturating generator loss.
    "wgan-gp" is meant to be used with :func:`gradient_penalty`.

    Parameters
    ----------
    mode : {"lsgan", "vanilla", "hinge", "wgan-gp"}, default="lsgan"

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import GANLoss
    >>> loss = GANLoss("lsgan")
    >>> float(loss.discriminator_loss(torch.ones(4, 1), torch.zeros(4, 1)))
    0.0
    >>> float(loss.generator_loss(torch.ones(4, 1)))
    0.0
    """

    def __init__(self, mode="lsgan"):
        super().__init__()
        if mode not in LOSSES:
            raise ValueError(f"Unknown loss {mode!r}; expected one of {list(LOSSES)}.")
        self.mode = mode
        self.register_buffer("real_label", torch.tensor(1.0))
        self.register_buffer("fake_label", torch.tensor(0.0))

    def _to(self, pred, real):
        label = self.real_label if real else self.fake_label
        target = label.expand_as(pred)
        if self.mode == "lsgan":
            return F.mse_loss(pred, target)
        return F.binary_cross_entropy_with_logits(pred, target)

    def discriminator_loss(self, real_pred, fake_pred):
        """Loss for a discriminator update (lower when it tells real from fake)."""
        if self.mode in ("lsgan", "vanilla"):
            return 0.5 * (self._to(real_pred, True) + self._to(fake_pred, False))
        if self.mode == "hinge":
            return F.relu(1.0 - real_pred).mean() + F.relu(1.0 + fake_pred).mean()
        return fake_pred.mean() - real_pred.mean()

    def generator_loss(self, fake_pred):
        """Loss for a generator update (lower when fakes are judged real)."""
        if self.mode in ("lsgan", "vanilla"):
            return self._to(fake_pred, True)
        return -fake_pred.mean()

    def forward(self, pred, target_is_real):
        """``pred`` against all-real or all-fake labels (lsgan/vanilla style)."""
        if self.mode in ("lsgan", "vanilla"):
            return self._to(pred, target_is_real)
        return -pred.mean() if target_is_real else pred.mean()


def gradient_penalty(discriminator, real, fake=None, kind="wgan-gp", generator=None):
    """Gradient penalty on the discriminator.

    Parameters
    ----------
    discriminator : callable
        Maps a batch to logits of any shape (summed per sample).
    real : torch.Tensor
    fake : torch.Tensor or None
        Needed for "wgan-gp".
    kind : {"wgan-gp", "r1"}, default="wgan-gp"
        "wgan-gp" (Gulrajani et al., 2017): ``mean((||grad D(x_hat)|| - 1)^2)`` at
        random interpolates ``x_hat`` of real and fake. "r1" (Mescheder et al.,
        2018): ``0.5 * mean(||grad D(real)||^2)``.
    generator : torch.Generator or None
        Draws the interpolation weights (on CPU, then moved to ``real``'s device).

    Returns
    -------
    penalty : scalar tensor, differentiable w.r.t. the discriminator's parameters

    Examples
    --------
    >>> import torch
    >>> from skgan.nn import gradient_penalty
    >>> d = torch.nn.Linear(3, 1)
    >>> gradient_penalty(d, torch.randn(4, 3), kind="r1").shape
    torch.Size([])
    """
    if kind == "wgan-gp":
        if fake is None:
            raise ValueError("kind='wgan-gp' needs fake samples.")
        shape = (len(real),) + (1,) * (real.dim() - 1)
        alpha = torch.rand(shape, generator=generator).to(real.device, real.dtype)
        x = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    elif kind == "r1":
        x = real.detach().requires_grad_(True)
    else:
        raise ValueError(f"Unknown gradient penalty {kind!r}; expected 'wgan-gp' or 'r1'.")
    out = discriminator(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    if kind == "r1":
        return 0.5 * (norms**2).mean()
    return ((norms - 1.0) ** 2).mean()
