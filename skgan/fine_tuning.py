"""PretrainedGANFineTuner: fine-tune a pretrained GAN on a few target samples, layers frozen."""

from __future__ import annotations

import copy
import os
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._data import DomainSpec, check_input, sample_shape, validate_features
from ._gan_family import (
    PENALTIES,
    build_gan_networks,
    draw_samples,
    fit_labels,
    forget_classes,
    gan_objective,
)
from .base import BaseGAN, _decode_spec, read_weights_file
from .nn import LOSSES, BackboneDiscriminator, ProjectionDiscriminator, load_weights, resolve_freeze
from .nn.augment import parse_augment
from .nn.freezing import matches_prefix
from .training import apply_module, seeded

__all__ = ["PretrainedGANFineTuner"]

_ARCH_PARAMS = ("generator", "discriminator", "n_filters", "latent_dim", "spectral_norm")


@dataclass
class _Source:
    """What fine-tuning starts from, resolved from ``pretrained``.

    Either ``architecture`` (simple values, rebuildable) with the weights
    ``g_state``/``d_state``, or ``modules`` (a generator/discriminator pair).
    ``spec`` is the pretrained model's data scaling (the generator's output
    space), None when there is none (a module pair, or no pretrained model).
    """

    kind: str
    architecture: dict | None = None
    g_state: dict | None = None
    d_state: dict | None = None
    modules: tuple | None = None
    latent_dim: int | None = None
    n_classes: int = 0
    classes: np.ndarray | None = None
    loss: str | None = None
    shape: tuple | None = None
    spec: DomainSpec | None = None


def _build_architecture(arch, backbone=None, backbone_weights=None):
    """Generator and discriminator groups from an architecture dict (random weights)."""
    shape = tuple(arch["shape"])
    generators, discriminators = build_gan_networks(
        shape, generator=arch["generator"], discriminator=arch["discriminator"],
        n_filters=arch["n_filters"], latent_dim=arch["latent_dim"],
        spectral_norm=arch["spectral_norm"], n_classes=arch["n_classes"],
    )
    backbone = arch.get("backbone") if backbone is None else backbone
    if backbone is not None:
        discriminators = _backbone_group(backbone, shape, backbone_weights, arch["n_classes"])
    return generators, discriminators


def _backbone_group(backbone, shape, weights, n_classes):
    if len(shape) != 3:
        raise ValueError(f"backbone needs image data; the samples have shape {shape}.")
    d = BackboneDiscriminator(backbone, shape, weights=weights)
    if n_classes:
        d = ProjectionDiscriminator(d, n_classes, shape)
    return nn.ModuleDict({"d": d})


def _infer_latent_dim(generator):
    for m in generator.modules():
        if isinstance(m, nn.Linear):
            return m.in_features
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            return m.in_channels
    return None


def _warn_if_fully_frozen(modules, prefixes, param, value, network):
    """Warn when ``prefixes`` cover every parameter of ``modules``."""
    names = [n for n, _ in modules.named_parameters()]
    if prefixes and all(matches_prefix(n, prefixes) for n in names):
        warnings.warn(
            f"{param}={value!r} freezes every parameter of the {network}; only the other "
            "network is fine-tuned. Freeze fewer blocks to adapt both.",
            UserWarning, stacklevel=6,  # fit's caller
        )


def _warn_if_value_range_differs(X, spec):
    """Warn when ``X`` and the pretrained data differ in kind (uint8 0..255 vs float)."""
    if (X.dtype == np.uint8) != (spec.dtype == np.uint8):
        warnings.warn(
            f"X is {X.dtype} but the pretrained model was fitted on {spec.dtype} data; its "
            "scaling is kept, so X is read in the pretrained data's value range and samples "
            f"come back as {spec.dtype}. Pass X as the pretrained data were, or set "
            "rescale=True to scale X by its own range.",
            UserWarning, stacklevel=5,  # fit's caller
        )


class PretrainedGANFineTuner(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseGAN):
    """Fine-tune a pretrained GAN on a few target samples, with layers frozen.

    Starting from a GAN fitted on a related, larger domain and continuing
    adversarial training on the target data works far better than training
    from scratch when there are only tens or hundreds of target samples.
    Freezing the lower discriminator blocks (FreezeD, Mo et al., 2020) or the
    first generator blocks (as in TransferGAN-style fine-tuning, Wang et al.,
    2018) keeps what the pretrained networks learned and reduces
    overfitting. ``freeze_discriminator`` and ``freeze_generator`` are plain
    parameters, so ``GridSearchCV`` can choose them (with
    :func:`skgan.metrics.make_fid_scorer`).

    After fitting, :meth:`sample` generates target-like samples and
    :meth:`transform` returns the discriminator's features (feature-extraction
    transfer), so the fine-tuner can feed a classifier in a ``Pipeline``.

    Parameters
    ----------
    pretrained : GAN, PretrainedGANFineTuner, str, path, (generator, discriminator) or None, default=None
        What to start from:

        * a fitted :class:`~skgan.GAN` (or a fitted fine-tuner);
        * the path of a file written by their ``save`` method, read with
          ``torch.load(weights_only=True)`` (no pickled code is ever run);
        * a pair of torch modules ``(generator, discriminator)``: the generator
          maps noise ``(N, latent_dim)`` to samples in the networks' scale
          ([-1, 1] images, standardised tabular data);
        * None: new networks, trained from scratch (with a warning) - the
          baseline that fine-tuning is compared with.

        ``pretrained`` is never modified: ``fit`` builds new networks and
        copies the pretrained weights into them. ``clone`` (and so
        ``GridSearchCV``) keeps it by reference instead of cloning it into an
        unfitted GAN, and ``get_params(deep=True)`` does not expose its own
        parameters, so a search cannot change it either.
    freeze_generator : int or list of str, default=0
        Generator parameters to keep fixed: the first ``k`` of its ``blocks``,
        or parameter-name prefixes (``"blocks.0"``, ``"blocks.1.0.weight"``,
        names as in ``generator.named_parameters()``). Frozen parameters are
        bit-identical after ``fit``: they get no gradient and no optimizer, and
        frozen batch-norm statistics and spectral-norm vectors are not updated.
    freeze_discriminator : int or list of str, default=0
        The same for the discriminator (FreezeD).
    backbone : str, torch.nn.Module or None, default=None
        Replace the discriminator with a classification network's body (a
        torchvision model name such as ``"resnet18"``, built with
        ``weights=None``, or a module) and a new linear head; see
        :class:`~skgan.nn.BackboneDiscriminator`. Nothing is downloaded.
    backbone_weights : str, path or None, default=None
        Local state-dict file with the backbone's weights.
    generator, discriminator : str or None, default=None
        Architecture of the networks the pretrained weights are loaded into
        (see :class:`~skgan.GAN`); None takes the pretrained model's. A value
        that does not fit the weights raises an error naming the first
        mismatched layer. Not used with a module pair.
    n_filters, latent_dim : int or None, default=None
        As above. ``latent_dim`` is inferred from a module pair's generator
        when None.
    spectral_norm : bool or None, default=None
        As above.
    loss : {"auto", "vanilla", "lsgan", "hinge", "wgan-gp"}, default="auto"
        "auto" continues with the pretrained GAN's loss ("vanilla" when
        unknown).
    gradient_penalty : {"auto", "r1", "wgan-gp"} or None, default="auto"
        As for :class:`~skgan.GAN` ("auto": WGAN-GP's penalty for its loss).
    lambda_gp : float, default=10.0
    feature_matching : float, default=0.0
    augment : str, list of str or None, default=None
        Differentiable augmentation of what the discriminator sees (see
        :class:`~skgan.GAN`); ``"translation,cutout"`` keeps the discriminator
        from memorising a few target images.
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
        Shape of one sample of flattened image data; flattened data of the
        pretrained model's size is read with its shape without it.
    rescale : bool, default=False
        How the target samples are scaled for the networks. False keeps the
        pretrained model's scaling (its ``source_spec_``: per-feature mean and
        standard deviation of tabular data, value range of images), the space
        the pretrained generator learnt to make samples in: its outputs keep
        their meaning and the target samples are read in that space, however
        few they are. True fits the scaling on the target samples instead, as
        :class:`~skgan.GAN` does on its data; the pretrained generator's
        outputs are then decoded on the target samples' scale (and a feature
        that is constant in them gets scale 1). A ``(generator,
        discriminator)`` pair and ``pretrained=None`` have no scaling to keep:
        the target samples' is fitted whatever the value.
    max_epochs : int, default=50
    batch_size : int, default=64
    lr : float, default=2e-4
    betas : tuple of float, default=(0.5, 0.999)
    lr_decay : float in [0, 1], default=0.0
    device : str or torch.device, default="auto"
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Arithmetic of the training forward passes: "bf16"/"fp16" run them under
        ``torch.autocast`` (weights and optimizer state stay float32; "fp16"
        adds a gradient scaler); faster on hardware with bf16/fp16 units, at a
        measured cost in accuracy (BENCHMARKS.md). ``transform``/``sample``
        always run in float32.
    {engine_parameters}
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and noise (and any new weights) through local
        generators; CPU results are bitwise reproducible.
    verbose : int, default=0
    callbacks : list or None, default=None
    warm_start : bool, default=False
        Continue training the fine-tuned networks on the next ``fit``.

    Attributes
    ----------
    generator_, discriminator_ : torch.nn.ModuleDict
        ``"g"`` and ``"d"``, the fine-tuned networks (copies; ``pretrained`` is
        untouched).
    generator_ema_ : torch.nn.ModuleDict or None
        With ``ema``: the averaged generator that :meth:`sample` uses; it
        starts from the pretrained weights.
    net_, history_, n_epochs_, device_ :
        As in :class:`~skgan.GAN`.
    source_spec_ : skgan._data.DomainSpec
        Layout and scaling of the samples: the pretrained model's, or fitted on
        the data passed to ``fit`` (``rescale=True``, or no scaling to keep).
    latent_dim_, n_classes_, classes_, class_prior_, input_ndim_ :
        As in :class:`~skgan.GAN`; a class-conditional pretrained GAN keeps
        its classes and ``class_prior_`` holds the target labels' frequencies.
    frozen_prefixes_ : dict
        ``{"module": [...], "discriminator": [...]}``: the frozen name prefixes
        inside ``generator_`` and ``discriminator_``.
    architecture_ : dict or None
        Simple description of the networks (None for a module pair), used by
        :meth:`save`/:meth:`load` to rebuild them.
    loss_ : str
        The loss used.
    n_features_in_ : int

    See Also
    --------
    GAN : the model to pretrain.
    skgan.metrics.make_fid_scorer : choose what to freeze by FID.

    Notes
    -----
    The data passed to ``fit`` are read in the pretrained model's scale
    (``rescale=False``), and samples come back in its value range and dtype; a
    warning says so when the target data are float and the pretrained data
    were uint8, or the reverse. ``y`` is used only when the pretrained GAN is
    class-conditional (its labels must be among the pretrained classes);
    otherwise it is ignored, so the fine-tuner can sit in a supervised
    ``Pipeline``. Without a pretrained model, ``y`` makes the new networks
    class-conditional, as in :class:`~skgan.GAN`.

    References
    ----------
    Mo, Cho and Shin, "Freeze the Discriminator: a Simple Baseline for
    Fine-Tuning GANs", CVPR 2020 workshops.
    Wang et al., "Transferring GANs: generating images from limited data",
    ECCV 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN, PretrainedGANFineTuner
    >>> rng = np.random.RandomState(0)
    >>> X_source = rng.randn(300, 2)
    >>> X_target = rng.randn(20, 2) @ [[1.0, 0.8], [0.0, 0.6]]
    >>> gan = GAN(max_epochs=2, random_state=0).fit(X_source)
    >>> ft = PretrainedGANFineTuner(pretrained=gan, freeze_discriminator=1,
    ...                             max_epochs=5, random_state=0).fit(X_target)
    >>> ft.sample(3, random_state=0).shape, ft.transform(X_target).shape
    ((3, 2), (20, 32))
    >>> ft.frozen_prefixes_["discriminator"]
    ['d.blocks.0']
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in BaseGAN._parameter_constraints.items() if k != "pool_size"},
        "pretrained": [None, str, os.PathLike, tuple, list, BaseGAN],
        "freeze_generator": [Interval(Integral, 0, None, closed="left"), list, tuple],
        "freeze_discriminator": [Interval(Integral, 0, None, closed="left"), list, tuple],
        "backbone": [None, str, nn.Module],
        "backbone_weights": [None, str, os.PathLike],
        "generator": [StrOptions({"auto", "dcgan", "mlp"}), None],
        "discriminator": [StrOptions({"auto", "dcgan", "patch", "mlp"}), None],
        "n_filters": [Interval(Integral, 1, None, closed="left"), None],
        "latent_dim": [Interval(Integral, 1, None, closed="left"), None],
        "spectral_norm": ["boolean", None],
        "loss": [StrOptions({"auto", *LOSSES})],
        "gradient_penalty": [StrOptions({"auto", *PENALTIES}), None],
        "lambda_gp": [Interval(Real, 0, None, closed="left")],
        "feature_matching": [Interval(Real, 0, None, closed="left")],
        "augment": [str, list, tuple, None],
        "ema": [Interval(Real, 0, 1, closed="left"), None],
        "ema_warmup": ["boolean"],
        "historical_averaging": [Interval(Real, 0, None, closed="left")],
        "rescale": ["boolean"],
    }

    _fitted_spec_attrs = ("source_spec_",)
    _fitted_array_attrs = ("classes_", "class_prior_")
    _fitted_meta_attrs = ("latent_dim_", "n_classes_", "input_ndim_", "architecture_", "loss_",
                          "frozen_prefixes_")

    def __init__(
        self,
        pretrained=None,
        *,
        freeze_generator=0,
        freeze_discriminator=0,
        backbone=None,
        backbone_weights=None,
        generator=None,
        discriminator=None,
        n_filters=None,
        latent_dim=None,
        spectral_norm=None,
        loss="auto",
        gradient_penalty="auto",
        lambda_gp=10.0,
        feature_matching=0.0,
        augment=None,
        ema=None,
        ema_warmup=True,
        historical_averaging=0.0,
        image_shape=None,
        rescale=False,
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
        self.pretrained = pretrained
        self.freeze_generator = freeze_generator
        self.freeze_discriminator = freeze_discriminator
        self.backbone = backbone
        self.backbone_weights = backbone_weights
        self.generator = generator
        self.discriminator = discriminator
        self.n_filters = n_filters
        self.latent_dim = latent_dim
        self.spectral_norm = spectral_norm
        self.loss = loss
        self.gradient_penalty = gradient_penalty
        self.lambda_gp = lambda_gp
        self.feature_matching = feature_matching
        self.augment = augment
        self.ema = ema
        self.ema_warmup = ema_warmup
        self.historical_averaging = historical_averaging
        self.image_shape = image_shape
        self.rescale = rescale
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

    # ------------------------------------------------ the pretrained object
    def get_params(self, deep=True):
        """Parameters of this estimator; ``pretrained`` is one value, never expanded.

        ``deep=True`` returns the same as ``deep=False``: the pretrained
        model's own parameters are not exposed, so ``set_params`` and
        ``GridSearchCV`` cannot change it.

        Parameters
        ----------
        deep : bool, default=True
            Ignored.

        Returns
        -------
        params : dict
        """
        return super().get_params(deep=False)

    def __sklearn_clone__(self):
        # sklearn's clone would turn a fitted pretrained GAN into an unfitted copy;
        # keep it by reference (fit never modifies it) and clone everything else
        params = {k: (v if k == "pretrained" else clone(v, safe=False))
                  for k, v in self.get_params(deep=False).items()}
        new = type(self)(**params)
        if hasattr(self, "_metadata_request"):
            new._metadata_request = copy.deepcopy(self._metadata_request)
        return new

    def _arch_overrides(self):
        return {k: getattr(self, k) for k in _ARCH_PARAMS if getattr(self, k) is not None}

    def _resolve_pretrained(self):
        """Read ``pretrained`` (weights only; nothing is built or modified)."""
        p = self.pretrained
        overrides = self._arch_overrides()
        if p is None:
            warnings.warn(
                "PretrainedGANFineTuner got pretrained=None; training new networks from "
                "scratch. Pass pretrained=a fitted GAN, a weights file or a "
                "(generator, discriminator) pair to fine-tune.",
                UserWarning,
                stacklevel=4,
            )
            arch = {"generator": "auto", "discriminator": "auto", "n_filters": 32,
                    "latent_dim": 64, "spectral_norm": False, **overrides}
            return _Source(kind="none", architecture=arch, latent_dim=arch["latent_dim"])
        if isinstance(p, (tuple, list)):
            if len(p) != 2 or not all(isinstance(m, nn.Module) for m in p):
                raise ValueError(
                    "pretrained as a pair must be (generator, discriminator) torch modules; got "
                    f"{type(p).__name__} of {[type(m).__name__ for m in p]}."
                )
            extra = sorted(set(overrides) - {"latent_dim"})
            if extra:
                raise ValueError(
                    f"{extra} describe the architecture of skgan models; with a "
                    "(generator, discriminator) pair the modules are used as they are."
                )
            latent_dim = self.latent_dim or _infer_latent_dim(p[0])
            if latent_dim is None:
                raise ValueError(
                    f"Cannot infer the noise size of the pretrained {type(p[0]).__name__}; "
                    "pass latent_dim."
                )
            return _Source(kind="modules", modules=tuple(p), latent_dim=int(latent_dim))
        if isinstance(p, (str, os.PathLike)):
            payload = read_weights_file(p)
            return self._source_from_saved(
                "file", payload["params"], payload.get("meta", {}),
                _decode_spec(payload["specs"].get("source_spec_")),
                payload["arrays"].get("classes_"), payload["generator"],
                payload["discriminator"], f"{os.fspath(p)!r}", payload["estimator"],
            )
        if isinstance(p, BaseGAN):
            check_is_fitted(p, msg=f"pretrained={type(p).__name__} is not fitted; fit it first.")
            meta = {n: getattr(p, n, None)
                    for n in ("latent_dim_", "n_classes_", "architecture_", "loss_")}
            classes = getattr(p, "classes_", None)
            return self._source_from_saved(
                "estimator", p.get_params(deep=False), meta, p.source_spec_, classes,
                p.generator_.state_dict(), p.discriminator_.state_dict(),
                f"the pretrained {type(p).__name__}", type(p).__name__,
                modules=(p.generator_, p.discriminator_),
            )
        raise TypeError(
            "pretrained must be a fitted skgan GAN, the path of its saved weights, a "
            f"(generator, discriminator) pair of torch modules, or None; got {type(p).__name__}."
        )

    def _source_from_saved(self, kind, params, meta, spec, classes, g_state, d_state, what,
                           estimator, modules=None):
        if "latent_dim_" not in meta or meta.get("latent_dim_") is None or \
                set(g_state) and not all(k.startswith("g.") for k in g_state):
            raise TypeError(
                f"{what} is a {estimator}, which has no noise-to-sample generator to fine-tune; "
                "pass a GAN (or a PretrainedGANFineTuner)."
            )
        n_classes = int(meta.get("n_classes_") or 0)
        if isinstance(classes, dict):  # string labels as saved
            classes = classes["strings"]
        elif isinstance(classes, torch.Tensor):
            classes = classes.numpy()
        classes = None if classes is None else np.asarray(classes)
        loss = params.get("loss")
        if loss == "auto":
            loss = meta.get("loss_")
        arch = meta.get("architecture_")
        if arch is None and estimator == "GAN":
            arch = {k: params[k] for k in _ARCH_PARAMS}
            arch["latent_dim"] = int(meta["latent_dim_"])
        if arch is None:  # a fine-tuner of a module pair: copy its modules as they are
            if modules is None:
                raise ValueError(f"{what} cannot be rebuilt from its file.")
            if self._arch_overrides():
                raise ValueError(
                    f"{sorted(self._arch_overrides())} cannot be applied: {what} was fine-tuned "
                    "from a module pair, whose architecture is not described by parameters."
                )
            return _Source(kind=kind, modules=tuple(m[k] for m, k in zip(modules, "gd")),
                           latent_dim=int(meta["latent_dim_"]), n_classes=n_classes,
                           classes=classes, loss=loss, shape=tuple(spec.shape), spec=spec)
        arch = {**arch, "n_classes": n_classes, "shape": list(spec.shape)}
        arch.update(self._arch_overrides())
        return _Source(kind=kind, architecture=arch, g_state=g_state, d_state=d_state,
                       latent_dim=int(arch["latent_dim"]), n_classes=n_classes,
                       classes=classes, loss=loss, shape=tuple(spec.shape), spec=spec)

    def _build_from_source(self, source, shape, n_classes):
        """Fresh networks holding the pretrained weights (``pretrained`` stays untouched)."""
        keep_d = self.backbone is None
        if source.modules is not None:
            g, d = (copy.deepcopy(m) for m in source.modules)
            generators = g if isinstance(g, nn.ModuleDict) else nn.ModuleDict({"g": g})
            discriminators = d if isinstance(d, nn.ModuleDict) else nn.ModuleDict({"d": d})
            if not keep_d:
                discriminators = _backbone_group(self.backbone, shape, self.backbone_weights,
                                                 n_classes)
            return generators, discriminators, None
        arch = {**source.architecture, "shape": list(shape), "n_classes": n_classes}
        generators, discriminators = _build_architecture(
            arch, backbone=self.backbone, backbone_weights=self.backbone_weights)
        if source.g_state is not None:
            load_weights(generators, source.g_state, name="generator")
            if keep_d:
                load_weights(discriminators, source.d_state, name="discriminator")
        if self.backbone is not None:
            arch["backbone"] = self.backbone if isinstance(self.backbone, str) else None
            if not isinstance(self.backbone, str):
                arch = None  # a backbone module cannot be described by simple values
        return generators, discriminators, arch

    # ------------------------------------------------------------------ hooks
    _architecture_params = ("freeze_generator", "freeze_discriminator", "backbone",
                            "image_shape", "rescale")

    def _build_modules(self, source_shape, target_shape, fitted):
        if fitted.get("architecture_") is None:
            raise ValueError(
                "This fine-tuner's networks cannot be rebuilt from simple values (they came "
                "from a module pair or a backbone module); pickle it instead of save()."
            )
        return _build_architecture(fitted["architecture_"])

    def _objective(self, fitted):
        return gan_objective(self, fitted, self._loss(fitted))

    def _loss(self, fitted):
        return fitted["loss_"]

    def _frozen(self, fitted):
        return fitted.get("frozen_prefixes_")

    def save(self, path):
        """Save weights and fitted state (see :meth:`GAN.save <skgan.base.BaseGAN.save>`).

        The file can be loaded with :meth:`load`, or fine-tuned again with
        ``PretrainedGANFineTuner(pretrained=path)``. Not available when the
        networks came from a module pair or a backbone module (pickle then).

        Parameters
        ----------
        path : str or pathlib.Path
        """
        check_is_fitted(self)
        if self.architecture_ is None:
            raise ValueError(
                "This fine-tuner's networks came from a module pair or a backbone module, which "
                "a weights file cannot describe; pickle the estimator instead."
            )
        super().save(path)

    # ---------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fine-tune the pretrained networks on target samples.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Target samples (a few are enough), in the pretrained model's sample
            shape.
        y : array-like of shape (n_samples,), default=None
            Labels; used only when the pretrained GAN is class-conditional.

        Returns
        -------
        self : PretrainedGANFineTuner
        """
        continues = self._continues()
        source = None if continues else self._resolve_pretrained()
        X, shape = self._validate_target(X, source)
        spec = self._target_scaling(X, shape, source)
        labels = self._target_labels(y, len(X), source)
        fitted = {"source_spec_": spec, "input_ndim_": X.ndim}
        if labels is not None:
            fitted.update(labels.fitted_attributes())
        networks = None
        if not continues:
            networks, start = self._start_from(source, shape, labels)
            fitted.update(start)
        self._fit_adversarial(spec.lazy(X), None if labels is None else labels.tensor(), None,
                              source_shape=shape, target_shape=None, fitted=fitted,
                              networks=networks)
        if labels is None:
            forget_classes(self)
        return self

    # The steps of fit. ``source`` is what ``pretrained`` resolved to, or None when
    # training continues (``warm_start``) from this estimator's fitted state.
    def _validate_target(self, X, source):
        """Validate the target samples; return them with their per-sample shape.

        The shape must be the pretrained generator's (the previous fit's when
        training continues); flattened images of that size are read with it.
        """
        known = self.source_spec_.shape if source is None else source.shape
        X_raw = X
        X = check_input(X, input_name="X", ensure_min_samples=2)
        validate_features(self, X_raw, X, reset=source is not None)
        image_shape = self.image_shape
        if image_shape is None and known is not None and len(known) == 3 and X.ndim == 2 \
                and X.shape[1] == int(np.prod(known)):
            image_shape = known
        shape = sample_shape(X, image_shape, input_name="X")
        if known is not None and shape != tuple(known):
            raise ValueError(
                f"X holds samples of shape {shape} but the pretrained generator makes samples of "
                f"shape {tuple(known)}; fine-tuning needs target data of the pretrained model's "
                "sample shape (resize images, or select the same features)."
            )
        parse_augment(self.augment, shape=shape)
        return X, shape

    def _target_scaling(self, X, shape, source):
        """The ``DomainSpec`` that encodes the target samples ``X`` for the networks.

        The pretrained model's, unless ``rescale=True`` or there is none (a module
        pair, no pretrained model): then fitted on ``X``. Training that
        continues keeps the scaling it was fitted in.
        """
        if source is None or source.spec is None or self.rescale:
            return self._fitted_spec(X, shape, "source_spec_")
        _warn_if_value_range_differs(X, source.spec)
        return copy.deepcopy(source.spec)

    def _target_labels(self, y, n_samples, source):
        """The target labels encoded for the networks; None for an unconditional model.

        A class-conditional model needs ``y``, among its classes. An
        unconditional one ignores it (so the fine-tuner can sit in a supervised
        ``Pipeline``), except without a pretrained model, where ``y`` makes the
        new networks class-conditional as in :class:`~skgan.GAN`.
        """
        if source is not None and source.kind == "none":
            return None if y is None else fit_labels(y, n_samples)
        if source is None:
            n_classes, classes = self.n_classes_, getattr(self, "classes_", None)
        else:
            n_classes, classes = source.n_classes, source.classes
        if not n_classes:
            return None
        if y is None:
            raise ValueError(
                f"The pretrained GAN is class-conditional (classes {classes.tolist()}); fit "
                "needs y, the target samples' labels."
            )
        return fit_labels(y, n_samples, classes=classes)

    def _start_from(self, source, shape, labels):
        """New networks holding the pretrained weights, and the fitted values describing them.

        Returns
        -------
        networks : tuple of torch.nn.ModuleDict
            ``(generators, discriminators)``, checked against ``shape``.
        fitted : dict
            ``latent_dim_``, ``n_classes_``, ``architecture_``, ``loss_`` and
            ``frozen_prefixes_``.
        """
        n_classes = 0 if labels is None else len(labels.classes)
        with seeded(self._seeds()[0]):
            generators, discriminators, arch = self._build_from_source(source, shape, n_classes)
        self._check_generator(generators, source.latent_dim + n_classes, shape)
        fitted = {
            "latent_dim_": source.latent_dim,
            "n_classes_": n_classes,
            "architecture_": arch,
            "loss_": self.loss if self.loss != "auto" else (source.loss or "vanilla"),
            "frozen_prefixes_": self._frozen_prefixes(generators, discriminators),
        }
        return (generators, discriminators), fitted

    def _frozen_prefixes(self, generators, discriminators):
        """Name prefixes that ``freeze_generator``/``freeze_discriminator`` select.

        Returns ``{"module": [...], "discriminator": [...]}``, names inside the
        two groups; warns when a whole network is frozen.
        """
        frozen = {
            "module": ["g." + p for p in resolve_freeze(
                generators["g"], self.freeze_generator, name="generator")],
            "discriminator": ["d." + p for p in resolve_freeze(
                discriminators["d"], self.freeze_discriminator, name="discriminator")],
        }
        _warn_if_fully_frozen(generators, frozen["module"], "freeze_generator",
                              self.freeze_generator, "generator")
        _warn_if_fully_frozen(discriminators, frozen["discriminator"], "freeze_discriminator",
                              self.freeze_discriminator, "discriminator")
        return frozen

    @staticmethod
    def _check_generator(generators, in_features, shape):
        g = generators["g"]
        was_training = g.training
        g.eval()
        try:
            with torch.no_grad():
                out = g(torch.zeros(2, in_features))
        except RuntimeError as exc:
            raise ValueError(
                f"The pretrained generator cannot map noise of size {in_features}: {exc}"
            ) from None
        finally:
            g.train(was_training)
        if tuple(out.shape[1:]) != tuple(shape):
            raise ValueError(
                f"The pretrained generator makes samples of shape {tuple(out.shape[1:])} but X "
                f"holds samples of shape {tuple(shape)}."
            )

    def sample(self, n_samples=1, random_state=None, y=None):
        """Generate target-like samples.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
        y : array-like, label or None, default=None
            Class-conditional models only: the classes to generate; None draws
            them from ``class_prior_``.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            In the layout, dtype and value range of the data passed to ``fit``.
        y : ndarray of shape (n_samples,)
            Conditional models only.
        """
        return draw_samples(self, n_samples, random_state, y)

    def transform(self, X):
        """The fine-tuned discriminator's features of ``X`` (feature-extraction transfer).

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Samples in the layout seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features), float32
            The discriminator's penultimate-block activations, flattened.
        """
        check_is_fitted(self)
        X = self._check_transform_input(X, self.source_spec_)
        d = self.discriminator_["d"]
        if not hasattr(d, "features"):
            raise ValueError(
                f"The discriminator ({type(d).__name__}) has no features(x) method to transform "
                "with; skgan discriminators all have one."
            )
        out = apply_module(d, self.source_spec_.encode(X), batch_size=max(self.batch_size, 256),
                           device=self.device_, method="features")
        return out.flatten(1).numpy()

    @property
    def _n_features_out(self):
        """Dimension of :meth:`transform`'s output (for ``get_feature_names_out``)."""
        probe = torch.zeros(2, *self.source_spec_.shape)
        return apply_module(self.discriminator_["d"], probe, batch_size=2, device=self.device_,
                            method="features").flatten(1).shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
