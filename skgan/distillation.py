"""GANDistiller: compress a fitted generator into a smaller, faster one."""

from __future__ import annotations

import copy
import os
import warnings
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._data import check_input, validate_features
from ._gan_family import build_gan_networks, draw_samples, latent_input
from .base import BaseGAN, read_weights_file
from .nn import LOSSES
from .training import AdversarialObjective

__all__ = ["GANDistiller"]


class DistillationObjective(AdversarialObjective):
    """Loss terms of generator distillation on shared latents.

    Every step draws fresh noise ``z`` (and, for a conditional teacher, labels
    from its class prior) and feeds the same input to the frozen teacher
    generator ``T`` and to the student ``S``:

    * ``output``: ``lambda_output * L1(S(z), T(z))``, per sample;
    * ``feature``: ``lambda_feature * MSE(f(S(z)), f(T(z)))`` with ``f`` the
      features of the teacher's frozen discriminator;
    * ``g_adv`` / ``d_adv``: with ``lambda_adv > 0``, the adversarial losses of
      the student against a discriminator (starting as the teacher's) that
      judges it against real data.
    """

    generator_terms = ("output", "feature", "g_adv")
    discriminator_terms = ("d_adv",)

    def __init__(self, teacher, *, latent_dim, n_classes=0, class_prior=None,
                 lambda_output=1.0, lambda_feature=0.0, lambda_adv=0.0):
        self.teacher = teacher  # frozen teacher generator, moved to the net's device on use
        self.latent_dim = latent_dim
        self.n_classes = n_classes
        self.class_prior = None if class_prior is None else torch.as_tensor(class_prior)
        self.lambda_output = lambda_output
        self.lambda_feature = lambda_feature
        self.lambda_adv = lambda_adv

    def _inputs(self, net, n):
        z = net.randn(n, self.latent_dim)
        labels = None
        if self.n_classes:
            labels = torch.multinomial(self.class_prior.double(), n, replacement=True,
                                       generator=net.local_rng).to(net.device)
        return latent_input(z, labels, self.n_classes), labels

    def generator_losses(self, net, real, target, y, y_target=None):
        if self.teacher is None:
            raise ValueError("This distiller was loaded without its teacher; set teacher= (a "
                             "fitted GAN or its file) to train it further.")
        inputs, labels = self._inputs(net, len(real))
        self.teacher.to(net.device).eval()
        with torch.no_grad():
            taught = self.teacher(inputs)
        student = net.module_["g"](inputs)
        terms = {"output": self.lambda_output * F.l1_loss(student, taught)}
        judge = net.discriminator_
        if self.lambda_feature > 0:
            args = () if labels is None else (labels,)
            with torch.no_grad():
                h_teacher = judge["f"].forward_with_features(taught, *args)[1]
            h_student = judge["f"].forward_with_features(student, *args)[1]
            terms["feature"] = self.lambda_feature * F.mse_loss(h_student, h_teacher)
        if self.lambda_adv > 0:
            logits = judge["d"](student) if labels is None else judge["d"](student, labels)
            terms["g_adv"] = self.lambda_adv * net.criterion_.generator_loss(logits)
        fakes = {"x": student} if labels is None else {"x": student, "y": labels}
        return terms, fakes

    def discriminator_losses(self, net, real, target, fakes, y_target=None):
        if self.lambda_adv <= 0:
            return {}
        d, labels = net.discriminator_["d"], fakes.get("y")
        args = () if labels is None else (labels,)
        # a conditional teacher's discriminator judges real rows with drawn labels: the
        # student is distilled without the real data's labels
        return {"d_adv": net.criterion_.discriminator_loss(d(real, *args), d(fakes["x"], *args))}


def _load_teacher(teacher):
    """A fitted GAN-family estimator from ``teacher`` (an estimator or a weights file)."""
    if isinstance(teacher, (str, os.PathLike)):
        name = read_weights_file(teacher)["estimator"]
        if name == "GAN":
            from .gan import GAN as cls
        elif name == "PretrainedGANFineTuner":
            from .fine_tuning import PretrainedGANFineTuner as cls
        else:
            raise TypeError(
                f"teacher={os.fspath(teacher)!r} holds a {name}, which has no noise-to-sample "
                "generator to distil; pass a GAN or a PretrainedGANFineTuner (or its file)."
            )
        return cls.load(teacher, device="cpu")
    if isinstance(teacher, BaseGAN):
        check_is_fitted(teacher,
                        msg=f"teacher={type(teacher).__name__} is not fitted; fit it first.")
    if not isinstance(teacher, BaseGAN) or not hasattr(teacher, "latent_dim_"):
        raise TypeError(
            "teacher must be a fitted skgan GAN or PretrainedGANFineTuner, or the path of its "
            f"saved weights; got {type(teacher).__name__}."
        )
    return teacher


def _architecture_of(teacher):
    """The simple-value architecture of a fitted teacher (its discriminator is rebuilt from it)."""
    arch = getattr(teacher, "architecture_", None)
    if arch is None and type(teacher).__name__ == "GAN":
        arch = {k: teacher.get_params()[k] for k in
                ("generator", "discriminator", "n_filters", "spectral_norm")}
        arch["latent_dim"] = int(teacher.latent_dim_)
    if arch is None:
        raise ValueError(
            "The teacher's networks are not described by simple values (a fine-tuner of a "
            "module pair or a backbone module), so its discriminator cannot be rebuilt; "
            "distil a GAN, or a fine-tuner of one."
        )
    return {**{k: arch[k] for k in ("generator", "discriminator", "n_filters", "latent_dim",
                                    "spectral_norm")},
            "n_classes": int(teacher.n_classes_), "shape": list(teacher.source_spec_.shape)}


class GANDistiller(BaseGAN):
    """Distil a fitted GAN's generator into a smaller student (knowledge distillation).

    The student (the teacher's kind of network, ``n_filters`` wide) learns to
    reproduce the teacher's output for the same input: every step draws fresh
    noise (and labels, for a conditional teacher), runs both generators, and
    minimises the per-sample L1 distance (``lambda_output``); optionally the
    distance between the teacher discriminator's features of both outputs
    (``lambda_feature``), and an adversarial loss against real data
    (``lambda_adv``, ``fit(X)``), as in GAN compression (Aguinaldo et al.,
    2019; Chen et al., 2020). The student samples like the teacher:
    :meth:`sample` returns data in the teacher's layout, dtype and range.

    Parameters
    ----------
    teacher : GAN, PretrainedGANFineTuner, path or None, default=None
        A fitted GAN-family estimator, or the file its ``save`` wrote. It is
        never modified; :func:`~sklearn.base.clone` keeps it by reference.
        None (what scikit-learn's estimator checks pass) warns and fits a
        ``GAN(n_filters=4 * n_filters)`` on ``X`` as the teacher first.
    n_filters : int, default=8
        Width of the student (channels before its last layer for images,
        hidden units for tabular data); the teacher's kind of network.
    lambda_output : float, default=1.0
        Weight of the per-sample L1 distance between student and teacher outputs.
    lambda_feature : float, default=0.0
        Weight of the mean squared distance between the teacher
        discriminator's features of the two outputs (a frozen copy).
    lambda_adv : float, default=0.0
        Weight of the student's adversarial loss against a discriminator that
        starts as the teacher's and learns to tell real ``X`` from the
        student's samples; needs ``fit(X)``.
    loss : {"vanilla", "lsgan", "hinge", "wgan-gp"}, default="vanilla"
        Adversarial loss, with ``lambda_adv > 0``.
    n_samples : int, default=8192
        Noise draws per epoch when ``fit`` gets no ``X`` (fresh ones every step).
    max_epochs : int, default=120
        Epochs of ``n_samples`` noise draws each. On MNIST, students with 8, 6
        and 4 of a 32-filter teacher's filters reach 1.04x, 1.08x and 1.14x its
        FID after 120 epochs (8 and 4 filters: 1.06x and 1.23x after 60; 8
        filters: 1.68x after 20; BENCHMARKS.md).
    batch_size : int, default=64
    lr : float, default=1e-3
    betas : tuple, default=(0.5, 0.999)
    lr_decay : float in [0, 1], default=0.5
    ema : float in [0, 1) or None, default=None
        Averaged student weights for sampling (see :class:`~skgan.GAN`).
    device : str or torch.device, default="auto"
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Arithmetic of the training forward passes: "bf16"/"fp16" run them under
        ``torch.autocast`` (weights and optimizer state stay float32; "fp16"
        adds a gradient scaler); faster on hardware with bf16/fp16 units, at a
        measured cost in accuracy (BENCHMARKS.md). ``transform``/``sample``
        always run in float32.
    {engine_parameters}
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    callbacks : list or None, default=None
    warm_start : bool, default=False

    Attributes
    ----------
    generator_ : torch.nn.ModuleDict
        ``"g"``: the student.
    discriminator_ : torch.nn.ModuleDict
        ``"d"`` (the adversarial discriminator) and ``"f"`` (the frozen
        feature network), both starting as the teacher's discriminator.
    teacher_architecture_ : dict
        The teacher's architecture (simple values), from which the
        discriminators are rebuilt on :meth:`load`.
    net_, history_, n_epochs_, device_, source_spec_, latent_dim_, n_classes_, \
classes_, class_prior_, input_ndim_, generator_ema_ :
        As in :class:`~skgan.GAN`; the data attributes are the teacher's.
    n_features_in_ : int

    Notes
    -----
    A distiller loaded from its file samples, but cannot continue training
    with ``warm_start`` unless ``teacher`` is a file path (an estimator
    teacher is not saved with the student).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN
    >>> from skgan import GANDistiller
    >>> X = np.random.RandomState(0).randn(200, 3)
    >>> teacher = GAN(n_filters=32, max_epochs=2, random_state=0).fit(X)
    >>> student = GANDistiller(teacher, n_filters=8, max_epochs=2, random_state=0).fit()
    >>> student.sample(4, random_state=0).shape
    (4, 3)
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in BaseGAN._parameter_constraints.items()
           if k not in ("pool_size", "generator", "discriminator", "image_shape")},
        "teacher": [BaseGAN, str, os.PathLike, None],
        "lambda_output": [Interval(Real, 0, None, closed="left")],
        "lambda_feature": [Interval(Real, 0, None, closed="left")],
        "lambda_adv": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "ema": [Interval(Real, 0, 1, closed="left"), None],
    }

    _fitted_spec_attrs = ("source_spec_",)
    _fitted_array_attrs = ("classes_", "class_prior_")
    _fitted_meta_attrs = ("latent_dim_", "n_classes_", "input_ndim_", "teacher_architecture_")
    _architecture_params = ("n_filters",)

    def __init__(
        self,
        teacher=None,
        *,
        n_filters=8,
        lambda_output=1.0,
        lambda_feature=0.0,
        lambda_adv=0.0,
        loss="vanilla",
        n_samples=8192,
        max_epochs=120,
        batch_size=64,
        lr=1e-3,
        betas=(0.5, 0.999),
        lr_decay=0.5,
        ema=None,
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
        self.teacher = teacher
        self.n_filters = n_filters
        self.lambda_output = lambda_output
        self.lambda_feature = lambda_feature
        self.lambda_adv = lambda_adv
        self.loss = loss
        self.n_samples = n_samples
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.betas = betas
        self.lr_decay = lr_decay
        self.ema = ema
        self.device = device
        self.precision = precision
        self.distributed = distributed
        self.channels_last = channels_last
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start

    def __sklearn_clone__(self):
        # the teacher is kept by reference (fit never modifies it), as sklearn's
        # clone would turn a fitted estimator into an unfitted copy
        params = self.get_params(deep=False)
        teacher = params.pop("teacher")
        return type(self)(teacher, **copy.deepcopy(params))

    def get_params(self, deep=True):
        """Parameters of this estimator; ``teacher`` is one value, never expanded.

        Parameters
        ----------
        deep : bool, default=True
            Ignored.

        Returns
        -------
        params : dict
        """
        return super().get_params(deep=False)

    # ------------------------------------------------------------------ hooks
    def _student_architecture(self, fitted):
        arch = fitted["teacher_architecture_"]
        return {**arch, "n_filters": self.n_filters}

    def _build_modules(self, source_shape, target_shape, fitted):
        arch = fitted["teacher_architecture_"]
        kw = dict(generator=arch["generator"], discriminator=arch["discriminator"],
                  latent_dim=arch["latent_dim"], spectral_norm=arch["spectral_norm"],
                  n_classes=arch["n_classes"])
        student, _ = build_gan_networks(tuple(arch["shape"]), n_filters=self.n_filters, **kw)
        _, judge = build_gan_networks(tuple(arch["shape"]), n_filters=arch["n_filters"], **kw)
        teacher_d = fitted.get("_teacher_discriminator")
        if teacher_d is not None:
            judge.load_state_dict(teacher_d.state_dict())
        judges = nn.ModuleDict({"d": judge["d"], "f": copy.deepcopy(judge["d"])})
        return student, judges

    def _frozen(self, fitted):
        return {"discriminator": ["f."] if self.lambda_adv > 0 else ["d.", "f."]}

    def _objective(self, fitted):
        teacher = fitted.get("_teacher_generator")
        if teacher is None and self.teacher is not None:  # a loaded model, trained further
            teacher = _load_teacher(self.teacher).generator_["g"]
        if teacher is not None:
            teacher = copy.deepcopy(teacher).requires_grad_(False)
        return DistillationObjective(
            teacher, latent_dim=fitted["latent_dim_"],
            n_classes=fitted["n_classes_"], class_prior=fitted.get("class_prior_"),
            lambda_output=self.lambda_output, lambda_feature=self.lambda_feature,
            lambda_adv=self.lambda_adv,
        )

    # ---------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Train the student on the teacher's outputs (and, with ``lambda_adv``, on ``X``).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or None, default=None
            Real data in the teacher's layout, for the adversarial term; None
            distils on the teacher alone (``n_samples`` noise draws per epoch).
        y : None
            Ignored; a conditional teacher's labels are drawn from its prior.

        Returns
        -------
        self : GANDistiller
        """
        if self.teacher is None and self._continues():
            raise ValueError("warm_start=True continues distilling a teacher, but teacher=None "
                             "(a loaded distiller keeps only the student); set teacher= (a "
                             "fitted GAN or its file).")
        if self.teacher is None:
            if X is None:
                raise ValueError("teacher=None distils a GAN fitted on X; pass fit(X), or a "
                                 "fitted teacher.")
            warnings.warn(
                "GANDistiller got teacher=None; fitting a GAN with 4 * n_filters on X as the "
                "teacher first. Pass teacher=a fitted GAN (or its file) to distil it.",
                UserWarning, stacklevel=3,
            )
            from .gan import GAN

            teacher = GAN(n_filters=4 * self.n_filters, max_epochs=self.max_epochs,
                          batch_size=self.batch_size, device=self.device,
                          random_state=self.random_state).fit(X)
        else:
            teacher = _load_teacher(self.teacher)
        if self.lambda_adv > 0 and X is None:
            raise ValueError("lambda_adv > 0 judges the student against real data; pass fit(X).")
        if self.lambda_output + self.lambda_feature + self.lambda_adv == 0:
            raise ValueError("lambda_output, lambda_feature and lambda_adv are all 0: the "
                             "student would learn nothing; set at least one above 0.")
        spec = teacher.source_spec_
        if X is None:
            source = torch.zeros(self.n_samples, 1)  # the steps; noise is drawn per step
            self.n_features_in_ = int(np.prod(spec.shape))
        else:
            X_raw = X
            X = check_input(X, input_name="X", ensure_min_samples=2)
            validate_features(self, X_raw, X, reset=True)
            if int(np.prod(X.shape[1:])) != int(np.prod(spec.shape)):
                raise ValueError(
                    f"X holds samples of shape {X.shape[1:]} but the teacher makes samples of "
                    f"shape {tuple(spec.shape)}; pass real data in the teacher's layout."
                )
            source = spec.lazy(X)
        arch = _architecture_of(teacher)
        fitted = {
            "source_spec_": spec, "latent_dim_": int(teacher.latent_dim_),
            "n_classes_": int(teacher.n_classes_), "input_ndim_": int(teacher.input_ndim_),
            "teacher_architecture_": arch,
            "_teacher_generator": teacher.generator_["g"],
            "_teacher_discriminator": teacher.discriminator_,
        }
        if teacher.n_classes_:
            fitted["classes_"] = teacher.classes_
            fitted["class_prior_"] = teacher.class_prior_
        self._fit_adversarial(source, None, None, source_shape=tuple(spec.shape),
                              target_shape=None, fitted=fitted)
        for name in ("_teacher_generator", "_teacher_discriminator"):
            self.__dict__.pop(name, None)
        return self

    def sample(self, n_samples=1, random_state=None, y=None):
        """Generate samples with the student (see :meth:`skgan.GAN.sample`).

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
        y : array-like, label or None, default=None
            Conditional teachers: the classes to generate.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
        y : ndarray of shape (n_samples,)
            Conditional teachers only.
        """
        return draw_samples(self, n_samples, random_state, y)
