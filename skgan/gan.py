"""GAN: an unconditional or class-conditional generative model of X."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ._gan_family import (
    PENALTIES,
    build_gan_networks,
    draw_samples,
    fit_labels,
    forget_classes,
    gan_objective,
)
from ._gan_family import GANObjective  # noqa: F401  (GANs pickled when it lived here load)
from .base import BaseGAN
from .nn.augment import parse_augment

__all__ = ["GAN"]


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
    historical_averaging : float, default=0.0
        Weight of historical averaging (Salimans et al., 2016): the generator's
        and the discriminator's losses each get this weight times the squared
        distance of their trainable parameters from the parameters' average
        over all earlier steps, which damps oscillations. 0 disables it.
    ema : float in [0, 1) or None, default=None
        Keep an exponential moving average of the generator's weights
        (``generator_ema_``; Karras et al., 2018), updated after every
        generator step with this decay (e.g. 0.999); :meth:`sample`, and the
        FID/KID scorers that call it, then use the averaged weights, which
        smooth out the last steps' oscillations. Frozen layers stay
        bit-identical. Saved, loaded and resumed with the model. None keeps
        no average.
    ema_warmup : bool, default=True
        With ``ema``: ramp the decay up over the first updates, ``min(ema,
        (1 + t) / (10 + t))`` at update ``t`` (TensorFlow's
        ``ExponentialMovingAverage`` with ``num_updates``), so that a short
        fit's average does not lag at the starting weights (0.9 after 80
        updates, 0.99 after 890). Measured: a MNIST GAN with ``ema=0.999``
        over 940 steps, final LeNet FID 320 with the ramp against 1,069
        without (plain GAN 359; 2 seeds); a fine-tuning of 180 steps, pixel
        FID 9.8 against 18.1 (BENCHMARKS.md). False: the constant decay.
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
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Arithmetic of the training forward passes: "bf16"/"fp16" run them under
        ``torch.autocast`` (weights and optimizer state stay float32; "fp16"
        adds a gradient scaler); faster on hardware with bf16/fp16 units, at a
        measured cost in accuracy (BENCHMARKS.md). ``transform``/``sample``
        always run in float32.
    {engine_parameters}
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
    generator_ema_ : torch.nn.ModuleDict or None
        With ``ema``: the averaged generator that :meth:`sample` uses.
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
        "gradient_penalty": [StrOptions({"auto", *PENALTIES}), None],
        "lambda_gp": [Interval(Real, 0, None, closed="left")],
        "spectral_norm": ["boolean"],
        "feature_matching": [Interval(Real, 0, None, closed="left")],
        "augment": [str, list, tuple, None],
        "ema": [Interval(Real, 0, 1, closed="left"), None],
        "ema_warmup": ["boolean"],
        "historical_averaging": [Interval(Real, 0, None, closed="left")],
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
        ema=None,
        ema_warmup=True,
        historical_averaging=0.0,
        image_shape=None,
        max_epochs=50,
        batch_size=64,
        lr=2e-4,
        betas=(0.5, 0.999),
        lr_decay=0.0,
        device="auto",
        precision="fp32",
        distributed=False,
        channels_last=False,
        compile=False,
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
        self.ema = ema
        self.ema_warmup = ema_warmup
        self.historical_averaging = historical_averaging
        self.image_shape = image_shape
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.betas = betas
        self.lr_decay = lr_decay
        self.device = device
        self.precision = precision
        self.distributed = distributed
        self.channels_last = channels_last
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start

    # ------------------------------------------------------------------ hooks
    _architecture_params = ("generator", "discriminator", "n_filters", "latent_dim",
                            "spectral_norm", "image_shape")

    def _build_modules(self, source_shape, target_shape, fitted):
        return build_gan_networks(
            source_shape, generator=self.generator, discriminator=self.discriminator,
            n_filters=self.n_filters, latent_dim=self.latent_dim,
            spectral_norm=self.spectral_norm, n_classes=fitted["n_classes_"],
        )

    def _objective(self, fitted):
        return gan_objective(self, fitted, self._loss(fitted))

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
        labels = None if y is None else fit_labels(y, len(X))
        n_classes = 0 if labels is None else len(labels.classes)
        if self._continues() and n_classes != self.n_classes_:
            raise ValueError(
                f"warm_start=True needs the same classes as the previous fit ({self.n_classes_} "
                f"classes, 0 meaning unconditional); got {n_classes}."
            )
        fitted = {"source_spec_": spec, "latent_dim_": self.latent_dim, "n_classes_": n_classes,
                  "input_ndim_": X.ndim}
        if labels is not None:
            fitted.update(labels.fitted_attributes())
        self._fit_adversarial(
            spec.lazy(X), None if labels is None else labels.tensor(), None,
            source_shape=shape, target_shape=None, fitted=fitted,
        )
        if labels is None:
            forget_classes(self)
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
        return draw_samples(self, n_samples, random_state, y)
