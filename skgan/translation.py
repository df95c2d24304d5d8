"""CycleGANTranslator: unpaired two-way translation between two domains."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .base import BaseGAN
from .training import AdversarialObjective, reencode

__all__ = ["CycleGANTranslator"]


class CycleGANObjective(AdversarialObjective):
    """CycleGAN's loss terms (Zhu et al., 2017), weights as absolute multipliers."""

    generator_terms = ("g_adv", "cycle", "identity")
    discriminator_terms = ("d_adv",)

    def __init__(self, lambda_cyc, lambda_id, b_as_a=None, a_as_b=None):
        self.lambda_cyc = lambda_cyc
        self.lambda_id = lambda_id
        # the identity terms feed each generator the other domain's data in the
        # encoding it reads at transform time: its input domain's
        self.b_as_a = b_as_a
        self.a_as_b = a_as_b

    def generator_losses(self, net, real_a, real_b, y, y_target=None):
        g, d, gan = net.module_, net.discriminator_, net.criterion_
        # each generator's calls share one batched call where that changes nothing
        # (instance norm): G_ab on real A (and B, for identity), then G_ba on real B
        # (and A) and on G_ab's output, then G_ab on G_ba's output
        if self.lambda_id > 0:
            fake_b, same_b = net.forward_batched(g["ab"], real_a, reencode(real_b, self.b_as_a))
            fake_a, same_a, rec_a = net.forward_batched(
                g["ba"], real_b, reencode(real_a, self.a_as_b), fake_b)
        else:
            (fake_b,) = net.forward_batched(g["ab"], real_a)
            fake_a, rec_a = net.forward_batched(g["ba"], real_b, fake_b)
        rec_b = g["ab"](fake_a)
        terms = {
            "g_adv": gan.generator_loss(d["b"](fake_b)) + gan.generator_loss(d["a"](fake_a)),
            "cycle": self.lambda_cyc * (F.l1_loss(rec_a, real_a) + F.l1_loss(rec_b, real_b)),
        }
        if self.lambda_id > 0:
            terms["identity"] = self.lambda_id * (F.l1_loss(same_b, real_b) + F.l1_loss(same_a, real_a))
        return terms, {"a": fake_a, "b": fake_b}

    def discriminator_losses(self, net, real_a, real_b, fakes, y_target=None):
        d, gan = net.discriminator_, net.criterion_
        real_b_pred, fake_b_pred = net.forward_batched(d["b"], real_b, net.pool("b", fakes["b"]))
        real_a_pred, fake_a_pred = net.forward_batched(d["a"], real_a, net.pool("a", fakes["a"]))
        return {
            "d_adv": gan.discriminator_loss(real_b_pred, fake_b_pred)
            + gan.discriminator_loss(real_a_pred, fake_a_pred)
        }


class CycleGANTranslator(TransformerMixin, BaseGAN):
    """Unpaired two-way translation between domains A and B (CycleGAN).

    Two generators (A->B, B->A) and two discriminators are trained with an
    adversarial loss, a cycle-consistency L1 loss (``lambda_cyc``) and an identity
    L1 loss (``lambda_id``), with an image pool of past fakes and linear learning
    rate decay over the last ``lr_decay`` fraction of epochs, as in the reference
    implementation. Works on images (``(n, H, W)``, ``(n, C, H, W)``, or flattened
    with ``image_shape``) and on tabular data.

    Parameters
    ----------
    generator : {"auto", "resnet", "unet", "mlp"}, default="auto"
        Generator architecture; "auto" is "resnet" for images and a residual
        "mlp" for tabular data.
    discriminator : {"auto", "patch", "dcgan", "mlp"}, default="auto"
        Discriminator architecture; "auto" is "patch" (PatchGAN) for images and
        "mlp" for tabular data.
    n_filters : int, default=32
        Width of the networks' first layer (64 in the reference code).
    n_blocks : int, default=6
        Residual blocks of the "resnet" generator.
    loss : {"lsgan", "vanilla", "hinge", "wgan-gp"}, default="lsgan"
        Adversarial loss.
    lambda_cyc : float, default=10.0
        Weight of the cycle-consistency L1 loss (``lambda_A = lambda_B`` in the
        reference code).
    lambda_id : float, default=5.0
        Weight of the identity L1 loss, as an absolute multiplier. The reference
        code scales its ``lambda_identity`` by ``lambda_A``; its default 0.5 with
        ``lambda_A=10`` is ``lambda_id=5`` here. Needs both domains to have the
        same sample shape; set 0 otherwise (e.g. grey to colour).
    pool_size : int, default=50
        Size of the image pool of past fakes shown to the discriminators.
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample of ``X`` when images are passed flattened as 2-D.
        A flattened ``X_target`` is read with the same height and width.
    encoding : {"standard", "quantile", "auto"}, default="standard"
        Tabular data only: how each domain's features reach the networks.
        "standard": standardised per domain. "quantile": each feature through
        its domain's own empirical distribution to a standard normal, and back
        through the other domain's at decoding, so a monotone per-feature
        change between the domains (a sensor's non-linear response, a skew) is
        undone before the generators start and translations stay within the
        output domain's observed range of each feature. "auto": "quantile"
        where it leaves the two domains' encoded rows less than half the
        :func:`~skgan.metrics.energy_distance` standardisation leaves, else
        "standard" (the rule of :class:`GANDomainAdapter`, chosen there on
        ``benchmarks/tabular_da.py``; not benchmarked for translation, hence not
        the default here: it takes quantiles for two rotated and shifted blobs,
        a feature mixing); ``encoding_`` says which applied. For a shift that
        is *only* a monotone change of each feature, matching each feature's
        quantiles (no GAN) is the simpler and closer map.
    max_epochs : int, default=50
        Passes over ``X``; target batches are drawn from a reshuffled ``X_target``.
    batch_size : int, default=32
    lr : float, default=2e-4
        Adam learning rate of both generators' and both discriminators' optimizers.
    betas : tuple of float, default=(0.5, 0.999)
        Adam betas.
    lr_decay : float in [0, 1], default=0.5
        Fraction of epochs, at the end, over which every optimizer's learning rate
        decays linearly to zero; 0 keeps it constant.
    device : str or torch.device, default="auto"
        "auto" uses CUDA when available, else CPU.
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Arithmetic of the training forward passes: "bf16"/"fp16" run them under
        ``torch.autocast`` (weights and optimizer state stay float32; "fp16"
        adds a gradient scaler); faster on hardware with bf16/fp16 units, at a
        measured cost in accuracy (BENCHMARKS.md). ``transform``/``sample``
        always run in float32.
    {engine_parameters}
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, target sampling and the image
        pool through local generators (global RNGs are left alone). A fixed value
        gives bitwise-identical results on CPU.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar and a per-epoch table of losses.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks, e.g. ``Checkpoint`` or
        ``EarlyStopping(monitor="g_loss")``.
    warm_start : bool, default=False
        Continue training the fitted networks on the next ``fit``.

    Attributes
    ----------
    generator_ : torch.nn.ModuleDict
        ``"ab"`` (A->B) and ``"ba"`` (B->A) generators.
    discriminator_ : torch.nn.ModuleDict
        ``"a"`` and ``"b"`` discriminators.
    net_ : skgan.training.AdversarialNet
        The skorch net that trained them.
    history_ : skorch.History
        Per-epoch and per-batch losses: ``history_[:, "g_loss"]``, ``"d_loss"``,
        ``"g_adv"``, ``"cycle"``, ``"identity"``, ``"d_adv"``, ``"lr"``.
    n_epochs_ : int
        Epochs trained (fewer than ``max_epochs`` after early stopping).
    source_spec_, target_spec_ : skgan._data.DomainSpec
        Layout and scaling of domains A and B.
    encoding_ : {"standard", "quantile"} or None
        The tabular encoding used (None for images).
    X_fit_ : ndarray
        The domain-A training data, which :meth:`sample` draws from.
    device_ : str
        Device of the fitted networks.
    n_features_in_ : int
        Number of features of ``X`` (``C * H * W`` for images).
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    GANDomainAdapter : one-way pixel-level adaptation using labels.

    Notes
    -----
    ``fit`` without ``X_target`` (as scikit-learn's estimator checks call it)
    warns and uses ``X`` as its own target, which learns an identity-like
    mapping. In ``GridSearchCV`` or ``cross_validate``, wrap ``X_target`` in
    :class:`skgan.Unsplit` so it is not sliced with ``X``.

    References
    ----------
    Zhu, Park, Isola and Efros, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import CycleGANTranslator
    >>> rng = np.random.RandomState(0)
    >>> X_a = rng.randn(200, 2)
    >>> X_b = X_a @ [[0.8, -0.6], [0.6, 0.8]] + 3.0
    >>> tr = CycleGANTranslator(max_epochs=2, random_state=0).fit(X_a, X_target=X_b)
    >>> tr.transform(X_a).shape, tr.inverse_transform(X_b).shape
    ((200, 2), (200, 2))
    """

    _parameter_constraints: dict = {
        **BaseGAN._parameter_constraints,
        "n_blocks": [Interval(Integral, 0, None, closed="left")],
        "lambda_cyc": [Interval(Real, 0, None, closed="left")],
        "lambda_id": [Interval(Real, 0, None, closed="left")],
        "encoding": [StrOptions({"auto", "standard", "quantile"})],
    }

    _fitted_array_attrs = ("X_fit_",)
    _architecture_params = (*BaseGAN._architecture_params, "encoding")

    def __init__(
        self,
        *,
        generator="auto",
        discriminator="auto",
        n_filters=32,
        n_blocks=6,
        loss="lsgan",
        lambda_cyc=10.0,
        lambda_id=5.0,
        pool_size=50,
        image_shape=None,
        encoding="standard",
        max_epochs=50,
        batch_size=32,
        lr=2e-4,
        betas=(0.5, 0.999),
        lr_decay=0.5,
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
        self.n_filters = n_filters
        self.n_blocks = n_blocks
        self.loss = loss
        self.lambda_cyc = lambda_cyc
        self.lambda_id = lambda_id
        self.pool_size = pool_size
        self.image_shape = image_shape
        self.encoding = encoding
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
    def _build_modules(self, source_shape, target_shape, fitted):
        generators = nn.ModuleDict({
            "ab": self._new_generator(source_shape, target_shape),
            "ba": self._new_generator(target_shape, source_shape),
        })
        discriminators = nn.ModuleDict({
            "a": self._new_discriminator(source_shape),
            "b": self._new_discriminator(target_shape),
        })
        return generators, discriminators

    def _objective(self, fitted):
        source, target = fitted["source_spec_"], fitted["target_spec_"]
        if self.lambda_id > 0 and source.shape == target.shape:
            return CycleGANObjective(self.lambda_cyc, self.lambda_id,
                                     target.reencoder(source), source.reencoder(target))
        return CycleGANObjective(self.lambda_cyc, self.lambda_id)

    # ---------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_target=None):
        """Learn the translations between X's domain (A) and X_target's (B).

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Domain-A samples.
        y : None
            Ignored.
        X_target : array-like, torch.Tensor or Unsplit
            Unlabelled domain-B samples, any number. Same spatial size as ``X``
            (channels may differ when ``lambda_id=0``) or same number of features.

        Returns
        -------
        self : CycleGANTranslator
        """
        X, X_target, source_spec, target_spec = self._validate_domains(X, X_target)
        if self.lambda_id > 0 and source_spec.shape != target_spec.shape:
            raise ValueError(
                f"lambda_id={self.lambda_id} needs X and X_target samples of the same shape, "
                f"got {source_spec.shape} and {target_spec.shape}; set lambda_id=0 to "
                "translate between different channel counts."
            )
        return self._fit_adversarial(
            source_spec.lazy(X), None, target_spec.lazy(X_target),
            source_shape=source_spec.shape, target_shape=target_spec.shape,
            fitted={"source_spec_": source_spec, "target_spec_": target_spec, "X_fit_": X},
        )

    def transform(self, X):
        """Translate domain-A samples to domain B.

        Parameters
        ----------
        X : array-like or torch.Tensor
            Domain-A samples in any layout the estimator accepts.

        Returns
        -------
        X_b : ndarray
            Same layout as ``X`` (2-D stays 2-D), domain B's channels, dtype and
            value range.
        """
        check_is_fitted(self)
        X = self._check_transform_input(X, self.source_spec_)
        out = self._generate("ab", self.source_spec_.lazy(X))
        return self.target_spec_.decode(out, X.ndim)

    def inverse_transform(self, X):
        """Translate domain-B samples to domain A.

        Parameters
        ----------
        X : array-like or torch.Tensor
            Domain-B samples.

        Returns
        -------
        X_a : ndarray
            Same layout as ``X``, domain A's channels, dtype and value range.
        """
        check_is_fitted(self)
        X = self._check_transform_input(X, self.target_spec_, input_name="X_target")
        out = self._generate("ba", self.target_spec_.lazy(X))
        return self.source_spec_.decode(out, X.ndim)

    def score(self, X, y=None):
        """Negative mean absolute cycle error ``|G_BA(G_AB(x)) - x|`` on A samples.

        Computed in the networks' scale ([-1, 1] for images, standardised units
        for tabular data), so it is comparable across datasets. Higher is better.
        It measures reconstruction only: an identity mapping scores perfectly,
        so select ``lambda_cyc`` with a target-domain scorer from
        :mod:`skgan.metrics` when that matters.

        Parameters
        ----------
        X : array-like
            Domain-A samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = self._check_transform_input(X, self.source_spec_)
        a = self.source_spec_.encode(X)
        rec = self._generate("ba", self._generate("ab", a))
        return -float(torch.mean(torch.abs(rec - a)))

    def sample(self, n_samples=1, random_state=None):
        """Translate ``n_samples`` random rows of the fitted domain-A data to B.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Picks the rows (with replacement).

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            In domain B's layout as :meth:`transform` returns it for ``X_fit_``.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
        rng = check_random_state(random_state)
        rows = rng.randint(0, len(self.X_fit_), size=n_samples)
        return self.transform(np.asarray(self.X_fit_)[rows])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
