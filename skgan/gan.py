"""GAN: an unconditional or class-conditional generative model of X."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .base import BaseGAN
from .nn import (
    ProjectionDiscriminator,
    build_discriminator,
    build_generator,
    gradient_penalty,
    init_weights,
)
from .nn.augment import diff_augment, parse_augment
from .training import AdversarialObjective

__all__ = ["GAN"]

_PENALTIES = ("r1", "wgan-gp")


def _latent_input(z, y, n_classes):
    """Generator input: noise ``z``, with one-hot labels ``y`` appended when conditional."""
    if not n_classes:
        return z
    return torch.cat([z, F.one_hot(y, n_classes).to(z.dtype)], dim=1)


def _resolve_penalty(gradient_penalty, loss):
    """``gradient_penalty`` with "auto" resolved: WGAN-GP's penalty for its loss, else none."""
    if gradient_penalty == "auto":
        return "wgan-gp" if loss == "wgan-gp" else None
    return gradient_penalty


def _build_gan_networks(shape, *, generator="auto", discriminator="auto", n_filters=32,
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
    g = build_generator(g_name, in_shape=(latent_dim + n_classes,), out_shape=shape, n_filters=n_filters)
    d = build_discriminator(d_name, in_shape=shape, n_filters=n_filters, spectral_norm=spectral_norm)
    g, d = init_weights(g, scheme=scheme), init_weights(d, scheme=scheme)
    if n_classes:
        d = ProjectionDiscriminator(d, n_classes, shape)
    return nn.ModuleDict({"g": g}), nn.ModuleDict({"d": d})


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
        fake = g(_latent_input(net.randn(len(real), self.latent_dim), labels, self.n_classes))
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
        terms = {"d_adv": gan.discriminator_loss(_judge(d, real, labels), _judge(d, fake, labels))}
        if self.penalty:
            terms["gradient_penalty"] = self.lambda_gp * gradient_penalty(
                lambda x: _judge(d, x, labels), real, fake, kind=self.penalty,
                generator=net.rng_,
            )
        return terms


    def _augmented(self, net, x):
        return diff_augment(x, self.augment, net.rng_) if self.augment else x


def _encode_labels(y, classes, n_samples, *, input_name="y"):
    """Indices into ``classes`` of labels ``y`` (one label, or one per sample)."""
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


def _draw_samples(estimator, n_samples, random_state, y):
    """Shared ``sample`` of noise-to-sample estimators (GAN, PretrainedGANFineTuner)."""
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
            index = _encode_labels(y, estimator.classes_, n_samples)
        labels = torch.from_numpy(np.asarray(index, dtype=np.int64))
    elif y is not None:
        raise ValueError(
            f"y was given but this {type(estimator).__name__} was fitted without labels, so it "
            "cannot condition on them; fit with y to get a class-conditional model."
        )
    noise = torch.Generator().manual_seed(int(rng.randint(0, 2**31 - 1)))
    z = torch.randn(n_samples, estimator.latent_dim_, generator=noise)
    out = estimator._generate("g", _latent_input(z, labels, n_classes))
    X = estimator.source_spec_.decode(out, estimator.input_ndim_)
    return (X, estimator.classes_[index]) if n_classes else X


class GAN(BaseGAN):
    """Generative adversarial network: learn the distribution of X and sample from it.

    A generator maps Gaussian noise to samples; a discriminator learns to tell
    them from the training data. DCGAN networks (Radford et al., 2016) for
    images, MLPs for tabular data. With labels ``y`` the model is
    class-conditional: the generator also reads a one-hot label and the
    discriminator judges (sample, label) pairs by projection (Miyato and
    Koyama, 2018). Options from the GAN literature are flat parameters:
    ``loss``, ``gradient_penalty``, ``spectral_norm``, ``feature_matching``.

    A fitted GAN is the ``pretrained`` model of
    :class:`~skgan.PretrainedGANFineTuner`.

    Parameters
    ----------
    generator : {"auto", "dcgan", "mlp"}, default="auto"
        "auto": "dcgan" for images, "mlp" for tabular data.
    discriminator : {"auto", "dcgan", "patch", "mlp"}, default="auto"
        "auto": "dcgan" for images, "mlp" for tabular data.
    latent_dim : int, default=64
        Size of the noise vectors.
    n_filters : int, default=32
        Width of the networks (channels before the generator's last layer and
        of the discriminator's first; hidden units of the MLPs).
    loss : {"vanilla", "lsgan", "hinge", "wgan-gp"}, default="vanilla"
        Adversarial loss; "vanilla" is the non-saturating loss of DCGAN.
    gradient_penalty : {"auto", "r1", "wgan-gp"} or None, default="auto"
        Penalty on the discriminator's input gradients: "r1" on real samples
        (Mescheder et al., 2018), "wgan-gp" on interpolates (Gulrajani et al.,
        2017). "auto" is "wgan-gp" for ``loss="wgan-gp"`` and none otherwise.
    lambda_gp : float, default=10.0
        Weight of the gradient penalty.
    spectral_norm : bool, default=False
        Spectral normalisation of every discriminator layer (Miyato et al., 2018).
    feature_matching : float, default=0.0
        Weight of the feature-matching term of the generator (Salimans et al.,
        2016): squared distance between the mean discriminator features of
        real and generated batches. 0 disables it.
    augment : str, list of str or None, default=None
        Differentiable augmentation (DiffAugment, Zhao et al., 2020) of every
        image batch the discriminator sees, real and generated: a
        comma-separated subset of "color", "translation", "cutout" (e.g.
        ``"translation,cutout"``, the usual choice for few images). Images
        only; None disables it.
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample when images are passed flattened as 2-D.
    max_epochs : int, default=50
        Passes over X; each batch is one generator and one discriminator step.
    batch_size : int, default=64
    lr : float, default=2e-4
        Adam learning rate of both networks.
    betas : tuple of float, default=(0.5, 0.999)
    lr_decay : float in [0, 1], default=0.0
        Fraction of epochs, at the end, over which the learning rates decay
        linearly to zero.
    device : str or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and noise through local
        generators. A fixed value gives bitwise-identical results on CPU.
    verbose : int, default=0
    callbacks : list or None, default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
        Continue training the fitted networks on the next ``fit``.

    Attributes
    ----------
    generator_ : torch.nn.ModuleDict
        ``"g"``: the generator, noise ``(N, latent_dim [+ n_classes])`` to samples
        in the networks' scale.
    discriminator_ : torch.nn.ModuleDict
        ``"d"``: the discriminator (a ``ProjectionDiscriminator`` when conditional).
    net_ : skgan.training.AdversarialNet
    history_ : skorch.History
        ``g_loss``, ``d_loss``, ``g_adv``, ``feature_matching``, ``d_adv``,
        ``gradient_penalty`` per epoch and batch.
    n_epochs_ : int
    source_spec_ : skgan._data.DomainSpec
        Layout and scaling of X.
    latent_dim_ : int
        Noise size the generator reads (without the label).
    n_classes_ : int
        Number of classes; 0 for an unconditional GAN.
    classes_ : ndarray of shape (n_classes_,)
        Labels seen in ``y`` (conditional GANs only).
    class_prior_ : ndarray of shape (n_classes_,)
        Label frequencies in ``y``, which :meth:`sample` draws from
        (conditional GANs only).
    input_ndim_ : int
        ndim of the X seen in fit; samples come in the same layout.
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    PretrainedGANFineTuner : fine-tune a fitted GAN on a few target samples.

    References
    ----------
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    Radford, Metz and Chintala, "Unsupervised Representation Learning with
    Deep Convolutional Generative Adversarial Networks", ICLR 2016.
    Miyato and Koyama, "cGANs with Projection Discriminator", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2) @ [[1.0, 0.5], [0.0, 0.5]] + 3.0
    >>> gan = GAN(max_epochs=2, random_state=0).fit(X)
    >>> gan.sample(5, random_state=0).shape
    (5, 2)
    >>> y = (X[:, 0] > 3).astype(int)
    >>> cgan = GAN(max_epochs=2, random_state=0).fit(X, y)
    >>> X_new, y_new = cgan.sample(4, random_state=0, y=[0, 1, 1, 0])
    >>> X_new.shape, y_new.tolist()
    ((4, 2), [0, 1, 1, 0])
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in BaseGAN._parameter_constraints.items() if k != "pool_size"},
        "generator": [StrOptions({"auto", "dcgan", "mlp"})],
        "discriminator": [StrOptions({"auto", "dcgan", "patch", "mlp"})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "gradient_penalty": [StrOptions({"auto", *_PENALTIES}), None],
        "lambda_gp": [Interval(Real, 0, None, closed="left")],
        "spectral_norm": ["boolean"],
        "feature_matching": [Interval(Real, 0, None, closed="left")],
        "augment": [str, list, tuple, None],
    }

    _fitted_spec_attrs = ("source_spec_",)
    _fitted_array_attrs = ("classes_", "class_prior_")
    _fitted_meta_attrs = ("latent_dim_", "n_classes_", "input_ndim_")

    def __init__(
        self,
        *,
        generator="auto",
        discriminator="auto",
        latent_dim=64,
        n_filters=32,
        loss="vanilla",
        gradient_penalty="auto",
        lambda_gp=10.0,
        spectral_norm=False,
        feature_matching=0.0,
        augment=None,
        image_shape=None,
        max_epochs=50,
        batch_size=64,
        lr=2e-4,
        betas=(0.5, 0.999),
        lr_decay=0.0,
        device="auto",
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.n_filters = n_filters
        self.loss = loss
        self.gradient_penalty = gradient_penalty
        self.lambda_gp = lambda_gp
        self.spectral_norm = spectral_norm
        self.feature_matching = feature_matching
        self.augment = augment
        self.image_shape = image_shape
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.betas = betas
        self.lr_decay = lr_decay
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start

    # ------------------------------------------------------------------ hooks
    _architecture_params = ("generator", "discriminator", "n_filters", "latent_dim",
                            "spectral_norm", "image_shape")

    def _build_modules(self, source_shape, target_shape, fitted):
        return _build_gan_networks(
            source_shape, generator=self.generator, discriminator=self.discriminator,
            n_filters=self.n_filters, latent_dim=self.latent_dim,
            spectral_norm=self.spectral_norm, n_classes=fitted["n_classes_"],
        )

    def _objective(self, fitted):
        return GANObjective(
            latent_dim=fitted["latent_dim_"], n_classes=fitted["n_classes_"],
            penalty=_resolve_penalty(self.gradient_penalty, self.loss),
            lambda_gp=self.lambda_gp, feature_matching=self.feature_matching,
            augment=parse_augment(self.augment),
        )

    # ---------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the distribution of ``X`` (of ``X`` given ``y`` when labels are given).

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Training samples: tabular ``(n, n_features)``, images ``(n, H, W)``
            or ``(n, C, H, W)``, or flattened images with ``image_shape``.
        y : array-like of shape (n_samples,), default=None
            Class labels; when given the GAN is class-conditional.

        Returns
        -------
        self : GAN
        """
        X, shape = self._validate_source(X)
        parse_augment(self.augment, shape=shape)
        spec = self._fitted_spec(X, shape, "source_spec_")
        labels, fitted = None, {}
        if y is not None:
            y = column_or_1d(y, warn=True)
            if len(y) != len(X):
                raise ValueError(f"y has {len(y)} labels but X has {len(X)} samples.")
            check_classification_targets(y)
            encoder = LabelEncoder().fit(y)
            index = encoder.transform(y)
            labels = torch.from_numpy(index.astype(np.int64))
            fitted = {"classes_": encoder.classes_,
                      "class_prior_": np.bincount(index) / len(index)}
        n_classes = 0 if y is None else len(fitted["classes_"])
        if self.warm_start and hasattr(self, "net_") and n_classes != self.n_classes_:
            raise ValueError(
                f"warm_start=True needs the same classes as the previous fit ({self.n_classes_} "
                f"classes, 0 meaning unconditional); got {n_classes}."
            )
        self._fit_adversarial(
            spec.encode(X), labels, None, source_shape=shape, target_shape=None,
            fitted={"source_spec_": spec, "latent_dim_": self.latent_dim, "n_classes_": n_classes,
                    "input_ndim_": X.ndim, **fitted},
        )
        if y is None:
            for name in ("classes_", "class_prior_"):
                if hasattr(self, name):
                    delattr(self, name)
        return self

    def sample(self, n_samples=1, random_state=None, y=None):
        """Generate samples.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Draws the noise (and the labels); a fixed value gives the same samples.
        y : array-like of shape (n_samples,), label, or None, default=None
            Conditional GANs: the classes to generate (one label for all, or
            one per sample); None draws them from ``class_prior_``.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            In the layout, dtype and value range of the X seen in fit.
        y : ndarray of shape (n_samples,)
            The samples' labels; conditional GANs only.
        """
        return _draw_samples(self, n_samples, random_state, y)
