"""What noise-to-sample GANs share: labels, networks, loss terms and sampling.

:class:`~skgan.GAN` and :class:`~skgan.PretrainedGANFineTuner` both map Gaussian
noise (with a one-hot label when class-conditional) to samples. This module
holds what they do alike, so that neither estimator module imports the other:

* :func:`fit_labels` (fit time: ``y`` to ``classes_``, class indices and
  ``class_prior_``) and :func:`encode_labels` (sample time: labels to indices);
* :func:`build_gan_networks`, the generator and discriminator for a sample shape;
* :class:`GANObjective`, the loss terms, and :func:`gan_objective`, which makes
  one from an estimator's parameters;
* :func:`draw_samples`, the shared ``sample``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .nn import (
    ProjectionDiscriminator,
    build_discriminator,
    build_generator,
    gradient_penalty,
    init_weights,
)
from .nn.augment import diff_augment, parse_augment
from .training import AdversarialObjective

__all__ = [
    "PENALTIES",
    "GANObjective",
    "FittedLabels",
    "build_gan_networks",
    "draw_samples",
    "encode_labels",
    "fit_labels",
    "forget_classes",
    "gan_objective",
    "latent_input",
    "resolve_penalty",
]

PENALTIES = ("r1", "wgan-gp")


# ------------------------------------------------------------------- labels
@dataclass(frozen=True)
class FittedLabels:
    """Labels of the samples passed to ``fit``, as indices into ``classes``.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        Sorted labels the model conditions on (its ``classes_``).
    index : ndarray of shape (n_samples,), int64
        Each sample's class, as an index into ``classes``.
    """

    classes: np.ndarray
    index: np.ndarray

    @property
    def prior(self):
        """Class frequencies, one per entry of ``classes`` (the ``class_prior_``)."""
        return np.bincount(self.index, minlength=len(self.classes)) / len(self.index)

    def tensor(self):
        """The indices as an int64 tensor, as the training engine takes them."""
        return torch.from_numpy(self.index)

    def fitted_attributes(self):
        """``{"classes_": ..., "class_prior_": ...}`` for the estimator."""
        return {"classes_": np.asarray(self.classes), "class_prior_": self.prior}


def fit_labels(y, n_samples, *, classes=None):
    """Validate the labels ``y`` passed to ``fit`` (one per sample) and encode them.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    n_samples : int
        Number of samples ``y`` labels.
    classes : array-like or None, default=None
        Classes the model already conditions on (a pretrained model's); labels
        outside them raise. None takes the classes seen in ``y``.

    Returns
    -------
    labels : FittedLabels

    Examples
    --------
    >>> from skgan._gan_family import fit_labels
    >>> labels = fit_labels(["b", "a", "b", "b"], 4)
    >>> labels.classes.tolist(), labels.index.tolist(), labels.prior.tolist()
    (['a', 'b'], [1, 0, 1, 1], [0.25, 0.75])
    """
    y = column_or_1d(y, warn=True)
    if len(y) != n_samples:
        raise ValueError(f"y has {len(y)} labels but X has {n_samples} samples.")
    check_classification_targets(y)
    if classes is None:
        encoder = LabelEncoder().fit(y)
        return FittedLabels(encoder.classes_, encoder.transform(y).astype(np.int64))
    classes = np.asarray(classes)
    return FittedLabels(classes, encode_labels(y, classes, n_samples).astype(np.int64))


def encode_labels(y, classes, n_samples, *, input_name="y"):
    """Indices into ``classes`` of labels ``y`` (one label, or one per sample).

    Used at sample time, where one label may stand for all ``n_samples``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan._gan_family import encode_labels
    >>> encode_labels("b", np.array(["a", "b"]), 3).tolist()
    [1, 1, 1]
    """
    y = np.asarray(y)
    if y.ndim == 0:
        y = np.repeat(y, n_samples)
    y = column_or_1d(y)
    if len(y) != n_samples:
        raise ValueError(
            f"{input_name} has {len(y)} labels but n_samples={n_samples}; pass one label per "
            "sample, or a single label for all of them."
        )
    unknown = sorted(set(np.unique(y).tolist()) - set(np.asarray(classes).tolist()))
    if unknown:
        raise ValueError(
            f"{input_name} has labels {unknown} that are not among the fitted classes "
            f"{np.asarray(classes).tolist()}."
        )
    return np.searchsorted(classes, y)


def forget_classes(estimator):
    """Remove ``classes_`` and ``class_prior_`` left by an earlier conditional fit."""
    for name in ("classes_", "class_prior_"):
        estimator.__dict__.pop(name, None)


# ----------------------------------------------------------------- networks
def latent_input(z, y, n_classes):
    """Generator input: noise ``z``, with one-hot labels ``y`` appended when conditional."""
    if not n_classes:
        return z
    return torch.cat([z, F.one_hot(y, n_classes).to(z.dtype)], dim=1)


def build_gan_networks(shape, *, generator="auto", discriminator="auto", n_filters=32,
                       latent_dim=64, spectral_norm=False, n_classes=0):
    """The generator and discriminator groups of a GAN for samples of ``shape``.

    "auto" picks "dcgan" for images ``(C, H, W)`` and "mlp" for tabular
    ``(n_features,)``. The generator reads ``latent_dim`` noise values (plus a
    one-hot label when ``n_classes > 0``); the discriminator is wrapped in a
    :class:`~skgan.nn.ProjectionDiscriminator` when ``n_classes > 0``.

    Returns
    -------
    generators, discriminators : torch.nn.ModuleDict
        ``{"g": generator}`` and ``{"d": discriminator}``.

    Examples
    --------
    >>> from skgan._gan_family import build_gan_networks
    >>> generators, discriminators = build_gan_networks((3,), n_filters=8, latent_dim=4)
    >>> type(generators["g"]).__name__, type(discriminators["d"]).__name__
    ('MLPGenerator', 'MLPDiscriminator')
    """
    shape = tuple(int(s) for s in shape)
    image = len(shape) == 3
    g_name = ("dcgan" if image else "mlp") if generator == "auto" else generator
    d_name = ("dcgan" if image else "mlp") if discriminator == "auto" else discriminator
    if g_name == "mlp" and image:
        raise ValueError(
            f"generator='mlp' makes flat samples but X holds images of shape {shape}; use "
            "generator='dcgan', or pass the images flattened without image_shape."
        )
    if g_name not in ("mlp", "dcgan"):
        raise ValueError(f"GAN generators map noise to samples: 'dcgan' or 'mlp'; got {g_name!r}.")
    if g_name == "dcgan" and not image:
        raise ValueError(
            f"generator='dcgan' makes images but X holds tabular samples of shape {shape}; pass "
            "images as (n, H, W), (n, C, H, W), or flattened with image_shape=(C, H, W)."
        )
    scheme = "normal" if image else "default"
    g = build_generator(g_name, in_shape=(latent_dim + n_classes,), out_shape=shape,
                        n_filters=n_filters)
    d = build_discriminator(d_name, in_shape=shape, n_filters=n_filters,
                            spectral_norm=spectral_norm)
    g, d = init_weights(g, scheme=scheme), init_weights(d, scheme=scheme)
    if n_classes:
        d = ProjectionDiscriminator(d, n_classes, shape)
    return nn.ModuleDict({"g": g}), nn.ModuleDict({"d": d})


# --------------------------------------------------------------- objective
def resolve_penalty(gradient_penalty, loss):
    """``gradient_penalty`` with "auto" resolved: WGAN-GP's penalty for its loss, else none."""
    if gradient_penalty == "auto":
        return "wgan-gp" if loss == "wgan-gp" else None
    return gradient_penalty


def _judge(d, x, y=None, *, features=False):
    """Discriminator logits on ``x`` (conditioned on ``y`` when given), with features if asked."""
    args = (x,) if y is None else (x, y)
    return d.forward_with_features(*args) if features else d(*args)


class GANObjective(AdversarialObjective):
    """Loss terms of a (conditional) GAN with optional penalties and feature matching.

    * ``g_adv``: the generator's adversarial loss on ``G(z[, y])``;
    * ``feature_matching``: ``weight * MSE(mean f(fake), mean f(real))`` with
      ``f`` the discriminator's features (Salimans et al., 2016);
    * ``d_adv``: the discriminator's adversarial loss;
    * ``gradient_penalty``: ``lambda_gp`` times R1 or WGAN-GP.

    In a conditional GAN, fakes are generated with the real batch's labels.
    With ``augment`` policies (see :mod:`skgan.nn.augment`), every batch the
    discriminator sees, real or generated, in either step, is augmented first
    (DiffAugment); the penalties are taken on the augmented batches.
    """

    generator_terms = ("g_adv", "feature_matching")
    discriminator_terms = ("d_adv", "gradient_penalty")

    def __init__(self, *, latent_dim, n_classes=0, penalty=None, lambda_gp=10.0,
                 feature_matching=0.0, augment=()):
        self.latent_dim = latent_dim
        self.augment = tuple(augment)
        self.n_classes = n_classes
        self.penalty = penalty
        self.lambda_gp = lambda_gp
        self.feature_matching = feature_matching

    def generator_losses(self, net, real, target, y, y_target=None):
        g, d, gan = net.module_["g"], net.discriminator_["d"], net.criterion_
        labels = y if self.n_classes else None
        fake = g(latent_input(net.randn(len(real), self.latent_dim), labels, self.n_classes))
        fakes = {"x": fake} if labels is None else {"x": fake, "y": labels}
        seen = self._augmented(net, fake)
        if self.feature_matching > 0:
            logits, h_fake = _judge(d, seen, labels, features=True)
            with torch.no_grad():
                h_real = _judge(d, self._augmented(net, real), labels, features=True)[1]
            terms = {
                "g_adv": gan.generator_loss(logits),
                "feature_matching": self.feature_matching
                * F.mse_loss(h_fake.mean(0), h_real.mean(0)),
            }
        else:
            terms = {"g_adv": gan.generator_loss(_judge(d, seen, labels))}
        return terms, fakes

    def discriminator_losses(self, net, real, target, fakes, y_target=None):
        d, gan = net.discriminator_["d"], net.criterion_
        fake, labels = self._augmented(net, fakes["x"]), fakes.get("y")
        real = self._augmented(net, real)
        both = [x if labels is None else (x, labels) for x in (real, fake)]
        terms = {"d_adv": gan.discriminator_loss(*net.forward_batched(d, *both))}
        if self.penalty:
            terms["gradient_penalty"] = self.lambda_gp * gradient_penalty(
                lambda x: _judge(d, x, labels), real, fake, kind=self.penalty,
                generator=net.local_rng,
            )
        return terms

    def _augmented(self, net, x):
        return diff_augment(x, self.augment, net.local_rng) if self.augment else x


def gan_objective(estimator, fitted, loss):
    """The :class:`GANObjective` of a GAN-family estimator's parameters.

    ``fitted`` holds the fit's ``latent_dim_`` and ``n_classes_``; ``loss`` is
    the adversarial loss in use (it resolves ``gradient_penalty="auto"``).
    """
    return GANObjective(
        latent_dim=fitted["latent_dim_"], n_classes=fitted["n_classes_"],
        penalty=resolve_penalty(estimator.gradient_penalty, loss),
        lambda_gp=estimator.lambda_gp, feature_matching=estimator.feature_matching,
        augment=parse_augment(estimator.augment),
    )


# ----------------------------------------------------------------- sampling
def draw_samples(estimator, n_samples, random_state, y):
    """The ``sample`` of a fitted GAN-family estimator (see :meth:`skgan.GAN.sample`)."""
    check_is_fitted(estimator)
    if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    rng = check_random_state(random_state)
    n_classes = estimator.n_classes_
    labels = None
    if n_classes:
        if y is None:
            index = rng.choice(n_classes, size=n_samples, p=estimator.class_prior_)
        else:
            index = encode_labels(y, estimator.classes_, n_samples)
        labels = torch.from_numpy(np.asarray(index, dtype=np.int64))
    elif y is not None:
        raise ValueError(
            f"y was given but this {type(estimator).__name__} was fitted without labels, so it "
            "cannot condition on them; fit with y to get a class-conditional model."
        )
    noise = torch.Generator().manual_seed(int(rng.randint(0, 2**31 - 1)))
    z = torch.randn(n_samples, estimator.latent_dim_, generator=noise)
    out = estimator._generate("g", latent_input(z, labels, n_classes))
    X = estimator.source_spec_.decode(out, estimator.input_ndim_)
    return (X, estimator.classes_[index]) if n_classes else X
