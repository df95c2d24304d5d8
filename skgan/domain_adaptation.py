"""GANDomainAdapter: pixel-level domain adaptation for any scikit-learn classifier."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import TransformerMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._data import Unsplit, check_input
from .base import BaseGAN
from .nn import build_classifier, structure_loss
from .nn.augment import diff_augment, parse_augment
from .nn.exemplar import ExemplarColour, exemplar_statistics, palette_variety, stroke_polarity
from .training import AdversarialObjective, reencode

__all__ = ["GANDomainAdapter"]


def add_noise(x, z):
    """Append noise ``z`` of shape (n, k) to ``x``: k constant channels, or k features."""
    if z is None:
        return x
    if x.dim() == 4:
        z = z[:, :, None, None].expand(-1, -1, *x.shape[2:])
    return torch.cat([x, z.to(x)], dim=1)


class _WithNoise:
    """Encoded rows with their noise appended (:func:`add_noise`), a batch at a time."""

    def __init__(self, encoded, noise):
        self.encoded, self.noise = encoded, noise

    def __len__(self):
        return len(self.encoded)

    def __getitem__(self, index):
        return add_noise(self.encoded[index], self.noise[index])


def _source_rows(sample_domain, n_samples):
    """Boolean mask of the rows ``sample_domain`` marks as source data."""
    if isinstance(sample_domain, str):
        if sample_domain not in ("source", "target"):
            raise ValueError(
                f"sample_domain must be 'source', 'target', or one value per row; "
                f"got {sample_domain!r}."
            )
        return np.full(n_samples, sample_domain == "source")
    values = np.asarray(sample_domain)
    if values.shape != (n_samples,):
        raise ValueError(
            f"sample_domain has shape {values.shape} but X has {n_samples} rows; pass "
            "'source', 'target', or one value per row."
        )
    if values.dtype.kind in "iu":
        if (values == 0).any():
            raise ValueError("sample_domain integers must be > 0 (source) or < 0 (target), "
                             "as in skada; got 0.")
        return values > 0
    if values.dtype.kind in "OUS" and set(values.tolist()) <= {"source", "target"}:
        return values == "source"
    raise ValueError(
        "sample_domain values must be 'source' / 'target', or integers > 0 (source) / < 0 "
        f"(target); got {np.unique(values)[:5].tolist()}."
    )


def content_loss(rendered, source):
    """PixelDA's content similarity between source samples and their renderings.

    Tabular rows: mean squared difference in the domains' own (standardised)
    encodings, so staying close means starting from per-domain standardisation.
    Images: :func:`~skgan.nn.structure_loss`, which keeps the source's layout
    whatever happens to brightness, contrast, sign and colour.
    """
    if source.dim() == 4:
        return structure_loss(rendered, source)
    return F.mse_loss(rendered, source)


class DomainAdaptationObjective(AdversarialObjective):
    """PixelDA/CyCADA loss terms.

    * ``g_adv``: fakes ``G_st(x_s)`` judged by the target discriminator (and, with a
      cycle, ``G_ts(x_t)`` by the source one);
    * ``task``: a classifier trained on source and translated source with the
      source labels (and on labelled target rows), whose loss also reaches the
      generator, so translation keeps each sample's class (PixelDA);
    * ``cycle``: ``G_ts(G_st(x_s)) = x_s`` and ``G_st(G_ts(x_t)) = x_t`` (CyCADA);
    * ``identity``: ``G_st(x_t) = x_t``, so target data passes through unchanged;
    * ``pseudo``: with ``pseudo_threshold``, the classifier's own confident
      predictions on unlabelled target rows as their labels (self-training);
      with ``pseudo_augment``, learnt on augmented copies of those rows (FixMatch);
    * ``content``: ``G_st(x_s)`` keeps the content of ``x_s`` (PixelDA's content
      similarity; :func:`content_loss`).
    """

    generator_terms = ("g_adv", "task", "pseudo", "cycle", "identity", "content")
    discriminator_terms = ("d_adv",)

    def __init__(self, lambda_task, lambda_cyc, lambda_id, noise_dim=0, pseudo_threshold=None,
                 pseudo_augment=(), target_as_source=None, lambda_content=0.0,
                 exemplar_statistics=None):
        # the identity term feeds G_st target data in the encoding it reads at
        # transform time (the source's): a DomainSpec.reencoder
        self.target_as_source = target_as_source
        self.lambda_task = lambda_task
        self.lambda_cyc = lambda_cyc
        self.lambda_id = lambda_id
        self.lambda_content = lambda_content
        self.noise_dim = noise_dim
        self.pseudo_threshold = pseudo_threshold
        self.pseudo_augment = pseudo_augment
        # (n_target, 3 C) statistics of every target image, or None (no exemplar colour)
        self.exemplar_statistics = exemplar_statistics

    def _noise(self, net, n, exemplars=None):
        """What the generator reads beside ``n`` samples: ``noise_dim`` standard
        normals, then (with exemplar colour) the statistics of a random target
        image each, or of ``exemplars`` (the images a rendering must reproduce)."""
        parts = [net.randn(n, self.noise_dim)] if self.noise_dim else []
        if self.exemplar_statistics is not None:
            if exemplars is None:
                if self.exemplar_statistics.device != torch.device(net.device):
                    # moved once, not a host-to-device copy every step
                    self.exemplar_statistics = self.exemplar_statistics.to(net.device)
                rows = torch.randint(len(self.exemplar_statistics), (n,), generator=net.local_rng)
                parts.append(self.exemplar_statistics[rows.to(net.device)])
            else:
                parts.append(exemplar_statistics(exemplars))
        return torch.cat(parts, dim=1) if parts else None

    def generator_losses(self, net, x_s, x_t, y, y_target=None):
        g, d, gan = net.module_, net.discriminator_, net.criterion_
        fake_t = g["st"](add_noise(x_s, self._noise(net, len(x_s))))
        terms = {"g_adv": gan.generator_loss(d["t"](fake_t))}
        fakes = {"t": fake_t}
        if self.lambda_content > 0:
            terms["content"] = self.lambda_content * content_loss(fake_t, x_s)
        if self.lambda_task > 0:
            if x_s.shape[1:] == x_t.shape[1:]:  # the classifier reads source data too
                logits_fake, logits_s = net.forward_batched(g["task"], fake_t, x_s)
                task = F.cross_entropy(logits_fake, y) + F.cross_entropy(logits_s, y)
            else:
                task = F.cross_entropy(g["task"](fake_t), y)
            known = None if y_target is None else y_target >= 0
            has_known = known is not None and bool(known.any())
            self_train = self.pseudo_threshold is not None
            if has_known or self_train:
                # one pass serves labelled rows and the pseudo-labels; it needs no graph
                # when the pseudo-labelled rows are learnt from augmented copies
                with torch.set_grad_enabled(has_known or not self.pseudo_augment):
                    logits_t = g["task"](x_t)
            if has_known:
                task = task + F.cross_entropy(logits_t[known], y_target[known])
            terms["task"] = self.lambda_task * task
            if self_train:
                student = None
                if self.pseudo_augment:
                    x_aug = diff_augment(x_t, self.pseudo_augment, net.local_rng, fill="border")
                    student = g["task"](x_aug)
                terms["pseudo"] = self.lambda_task * self._pseudo_label_loss(
                    logits_t, known, student)
        if self.lambda_cyc > 0:
            fake_s = g["ts"](x_t)
            fakes["s"] = fake_s
            terms["g_adv"] = terms["g_adv"] + gan.generator_loss(d["s"](fake_s))
            terms["cycle"] = self.lambda_cyc * (
                F.l1_loss(g["ts"](fake_t), x_s)
                + F.l1_loss(g["st"](add_noise(fake_s, self._noise(net, len(x_t), x_t))), x_t)
            )
        if self.lambda_id > 0 and x_s.shape[1:] == x_t.shape[1:]:
            same = g["st"](add_noise(reencode(x_t, self.target_as_source),
                                     self._noise(net, len(x_t), x_t)))
            terms["identity"] = self.lambda_id * F.l1_loss(same, x_t)
        return terms, fakes

    def _pseudo_label_loss(self, logits, known, student=None):
        """Cross-entropy of unlabelled target rows against the classifier's confident
        predictions ``logits``, averaged over the whole batch (as FixMatch), so the
        term grows with the share of rows above ``pseudo_threshold``. ``student``:
        the classifier's logits on augmented copies of the rows, which then learn
        the labels (``logits`` only label); None: ``logits`` learn them."""
        confidence, pseudo = F.softmax(logits.detach(), dim=1).max(dim=1)
        keep = confidence >= self.pseudo_threshold
        if known is not None:
            keep &= ~known
        student = logits if student is None else student
        return (F.cross_entropy(student, pseudo, reduction="none") * keep).mean()

    def discriminator_losses(self, net, x_s, x_t, fakes, y_target=None):
        d, gan = net.discriminator_, net.criterion_
        loss = gan.discriminator_loss(*net.forward_batched(d["t"], x_t, net.pool("t", fakes["t"])))
        if "s" in fakes:
            loss = loss + gan.discriminator_loss(
                *net.forward_batched(d["s"], x_s, net.pool("s", fakes["s"])))
        return {"d_adv": loss}


class GANDomainAdapter(TransformerMixin, BaseGAN):
    """Render labelled source data in the look of an unlabelled target domain.

    Pixel-level domain adaptation (PixelDA, CyCADA). A generator learns to map
    source samples to the target domain, judged by a target discriminator, while
    a task classifier trained on the translated samples with their source labels
    keeps each sample's class (``lambda_task``). Optional cycle (``lambda_cyc``)
    and identity (``lambda_id``) terms regularise the mapping.

    In a pipeline, ``fit_transform`` hands the next step pseudo-target data
    aligned with ``y``, and ``transform`` returns target-domain rows exactly as
    given, so ``Pipeline([("adapt", GANDomainAdapter()), ("clf", AnyClassifier())])``
    trains on pseudo-target data and predicts on real target data: the pipeline's
    score on target data is its classifier's score on the raw rows. Source rows
    are rendered when marked (``transform(X, sample_domain="source")``, routable
    through a ``Pipeline`` with metadata routing); see :meth:`transform`.

    Parameters
    ----------
    generator : {"auto", "resnet", "unet", "mlp"}, default="auto"
        "auto": "unet" for images, a residual "mlp" for tabular data. (On
        MNIST->USPS a 16-filter U-Net adapted as well as a ResNet in a fraction
        of the time.)
    discriminator : {"auto", "patch", "dcgan", "mlp"}, default="auto"
        "auto": "patch" for images, "mlp" for tabular data.
    n_filters : int, default=16
        Width of the first layer of every network (hidden units for tabular data).
    n_blocks : int, default=4
        Residual blocks of the "resnet" generator.
    loss : {"lsgan", "vanilla", "hinge", "wgan-gp"}, default="lsgan"
    lambda_task : float, default=1.0
        Weight of the task-classifier (semantic consistency) loss; 0 disables it.
    lambda_cyc : float, default=0.0
        Weight of the cycle-consistency L1 loss; > 0 adds a target->source
        generator and a source discriminator (CyCADA).
    lambda_id : float or "auto", default="auto"
        Weight of the identity L1 loss ``G(x_t) = x_t``, with ``x_t`` fed to the
        generator in the source's encoding (the one :meth:`transform` uses for
        source rows), so target rows rendered as source come back nearly
        unchanged. A regulariser of the rendering: target rows at predict time
        pass :meth:`transform` untouched whatever its value. Applies when both
        domains have the same sample shape. "auto": 1.0 for tabular data and
        for same-shaped images that share a look (strokes bright in both
        domains, or dark in both: :func:`~skgan.nn.exemplar.stroke_polarity`;
        MNIST<->USPS), 0 for other images: where the target's look is the
        source's inverted (dark strokes on a light ground), a generator that
        must leave target images as they are cannot invert, and rendered each
        source digit as another digit (BENCHMARKS.md). ``auto_params_`` says
        which applied.
    lambda_content : float or "auto", default="auto"
        Weight of a content term that keeps each rendering close to its source
        sample (PixelDA's content similarity). Tabular rows: the mean squared
        difference in the domains' own encodings; each domain is standardised,
        so the term anchors the rendering at per-domain standardisation and
        lets the adversarial loss correct what standardisation misses. Images:
        :func:`~skgan.nn.structure_loss`, one minus the squared correlation,
        per sample and channel, between the rendering and the source's grey
        level: blind to brightness, contrast, inversion and tint, it keeps
        strokes where they were (grey to colour too). "auto": 1.0 for tabular
        data; for images 0.3 (on scikit-learn's digits against their inverted
        selves it took the pipeline from 0.00 to 0.96), except 0 for
        same-shaped images that share a look, where the identity term keeps
        the strokes instead (on MNIST->USPS identity 1 without the content
        term reached 97.4 % for the task net; the content-term run it was
        compared with lacked the FixMatch augmentation, so which of the two
        is better there is still open; BENCHMARKS.md).
    noise_dim : int, default=0
        Length of a standard-normal noise vector fed to the generator beside each
        source sample (PixelDA), as ``noise_dim`` constant image channels or
        extra features. Lets one source sample take many target looks (e.g.
        random photo backgrounds). :meth:`transform` draws it from a seed fixed
        at fit, so repeated calls agree; :meth:`sample` from its ``random_state``.
    exemplar_colour : bool or "auto", default="auto"
        Images only. Each rendering takes its palette from a real target image,
        its *exemplar*: the generator draws a grey map (where the strokes
        are), coloured per channel with the exemplar's mean, standard deviation
        and polarity (:class:`~skgan.nn.exemplar.ExemplarColour`); those
        statistics also reach the generator as input channels. Meant for
        targets whose palette changes from image to image (digits blended into
        photo patches, as MNIST-M), where a plain generator renders every
        source image in one palette and a classifier trained on the renderings
        fails on the others. Training draws a random target image per
        rendering; :meth:`transform` draws them from the seed fixed at fit;
        the statistics of every target image are kept (``target_colours_``).
        "auto": on when the target's
        :func:`~skgan.nn.exemplar.palette_variety` exceeds 0.05 (photo-blended
        digits: 0.11-0.13; grey images and a fixed tint: 0).
    encoding : {"auto", "standard", "quantile"}, default="auto"
        Tabular data only: how each domain's features reach the networks.
        "standard": standardised per domain (mean 0, variance 1). "quantile":
        each feature through its domain's own empirical distribution to a
        standard normal, and back through the target's at decoding, so a
        monotone per-feature change between the domains (a sensor's
        non-linear response, a skew) is undone before the generator starts;
        renderings stay within the target's observed range of each feature.
        "auto": "quantile" where it leaves the two domains' encoded rows less
        than half the :func:`~skgan.metrics.energy_distance` standardisation
        leaves (on ``tabular_da.py``: 0.1-0.2 for the strong ``cubic`` warp,
        0.9-1.2 for recalibrations with feature mixing), else "standard": a
        quantile encoding turns the linear map of a mixing into a non-linear
        one. ``auto_params_`` says which applied.
    pseudo_threshold : float in (0, 1] or None, default=0.95
        Self-training of the task classifier on the unlabelled target rows: each
        row it classifies with probability >= ``pseudo_threshold`` joins its loss
        with the predicted class as label (weight ``lambda_task``, averaged over
        the batch as in FixMatch). Aims at the task classifier's target accuracy
        (:meth:`predict_task`) and, through the task loss, guides the generator
        with a classifier that reads real target data. Alone it can lock in
        confident mistakes (on MNIST<->USPS, 0.95 gained 0.7 to 2.6 points in two
        of three seeds and nothing in the third), which ``pseudo_augment``
        counters. None disables it.
    pseudo_augment : "auto", str, list of str or None, default="auto"
        Images only, with ``pseudo_threshold`` ("auto": "translation" for
        images, None for tabular data): the pseudo-labelled target rows
        are learnt from randomly augmented copies while their labels come from
        the rows as they are (FixMatch's consistency), so the classifier must
        agree with itself under the change instead of just repeating its
        guesses. Policies as ``GAN(augment=...)``: ``"translation"`` (shifts up to
        1/8 of the image), ``"cutout"``, ``"color"``; uncovered pixels take each
        image's border colour. Costs one more classifier pass per step. On
        MNIST<->USPS, ``pseudo_threshold=0.95, pseudo_augment="translation"``
        brought the task net to 97.1 / 97.5 % (3-seed means; 95.3 / 96.0 without
        the augmentation; BENCHMARKS.md).
    pool_size : int, default=50
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample of ``X`` when images are passed flattened.
    ema : float in [0, 1) or None, default=None
        Keep an exponential moving average of the weights of the generator
        and the task classifier (``generator_ema_``), updated after every
        generator step with this decay, ramped up over the first updates
        (``min(ema, (1 + t) / (10 + t))``, as :class:`~skgan.GAN`'s
        ``ema_warmup``). :meth:`transform`, ``fit_transform``, :meth:`sample`,
        :meth:`predict_task` and :meth:`pseudo_label` then use the averaged
        weights; training (and its self-training) uses the current ones.
        Saved, loaded and resumed with the model. None keeps no average.
    max_epochs : int or "auto", default="auto"
        Passes over the labelled source data. "auto": as many as make about
        6,500 training steps (batches of ``batch_size`` source samples), at
        most 100 epochs; e.g. 7 epochs over MNIST's 60,000 images, 57 over
        USPS's 7,291, 100 over 1,000 tabular rows. With ``warm_start=True`` the
        count is of all epochs since the first fit.
    batch_size : int, default=64
    lr : float, default=2e-3
        Adam learning rate of every network. Higher than CycleGAN's 2e-4: the
        task and identity terms keep training stable, and on MNIST->USPS and
        the bundled digit pairs it adapts far better in the same steps
        (BENCHMARKS.md).
    betas : tuple, default=(0.5, 0.999)
    lr_decay : float in [0, 1], default=0.5
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
    classes_ : ndarray
        Class labels seen in ``y``.
    generator_ : torch.nn.ModuleDict
        ``"st"`` (source->target), ``"task"`` (the task classifier) and, with a
        cycle, ``"ts"``.
    discriminator_ : torch.nn.ModuleDict
        ``"t"`` and, with a cycle, ``"s"``.
    net_, history_, n_epochs_, device_, source_spec_, target_spec_ :
        As in :class:`CycleGANTranslator`.
    X_fit_, y_fit_ : ndarray
        Source data and labels, which :meth:`sample` draws from.
    noise_seed_ : int
        Seed of the noise :meth:`transform` feeds the generator (``noise_dim > 0``)
        and of its exemplars (``exemplar_colour``).
    target_colours_ : ndarray of shape (n_target, 3 * n_target_channels) or None
        With exemplar colour, the :func:`~skgan.nn.exemplar.exemplar_statistics`
        of every target image (float32, in the networks' scale); else None.
    adapts_to_itself_ : bool
        True when fitted without ``X_target`` (see Notes).
    auto_params_ : dict
        What each parameter set to "auto" became for the fitted data, e.g.
        ``{"generator": "unet", "lambda_id": 1.0, "lambda_content": 0.0, ...}``.
    encoding_ : {"standard", "quantile"} or None
        The tabular encoding used (None for images).
    n_features_in_ : int

    See Also
    --------
    CycleGANTranslator : unpaired translation without labels.

    Notes
    -----
    ``fit`` without ``X_target`` warns and treats ``X`` as the one domain: its
    networks train on ``X`` alone and every row comes back unchanged from
    ``fit_transform`` and :meth:`transform` (``adapts_to_itself_`` is True);
    this is what scikit-learn's estimator checks exercise.
    In ``GridSearchCV``, wrap ``X_target`` in :class:`skgan.Unsplit` so
    cross-validation does not slice it.

    References
    ----------
    Bousmalis et al., "Unsupervised Pixel-Level Domain Adaptation with Generative
    Adversarial Networks", CVPR 2017. Hoffman et al., "CyCADA: Cycle-Consistent
    Adversarial Domain Adaptation", ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GANDomainAdapter
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(100, 2), rng.randint(0, 2, 100)
    >>> X_target = X @ [[0.0, -1.0], [1.0, 0.0]] + 2.0
    >>> adapter = GANDomainAdapter(max_epochs=2, random_state=0)
    >>> adapter.fit_transform(X, y, X_target=X_target).shape
    (100, 2)
    >>> X_new, y_new = adapter.sample(5, random_state=0)
    >>> X_new.shape, y_new.shape
    ((5, 2), (5,))
    """

    _parameter_constraints: dict = {
        **BaseGAN._parameter_constraints,
        "n_blocks": [Interval(Integral, 0, None, closed="left")],
        "lambda_task": [Interval(Real, 0, None, closed="left")],
        "lambda_cyc": [Interval(Real, 0, None, closed="left")],
        "lambda_id": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "lambda_content": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "noise_dim": [Interval(Integral, 0, None, closed="left")],
        "exemplar_colour": ["boolean", StrOptions({"auto"})],
        "encoding": [StrOptions({"auto", "standard", "quantile"})],
        "pseudo_threshold": [Interval(Real, 0, 1, closed="right"), None],
        "pseudo_augment": [str, list, tuple, None],
        "ema": [Interval(Real, 0, 1, closed="left"), None],
    }
    # what "auto" means, per kind of data (the measured-best settings, BENCHMARKS.md)
    _auto = {
        "image": {"generator": "unet", "lambda_content": 0.3, "lambda_id": 0.0,
                  "pseudo_augment": "translation"},
        # same-shaped images whose strokes are bright in both domains or dark in both
        "image, same look": {"generator": "unet", "lambda_content": 0.0, "lambda_id": 1.0,
                             "pseudo_augment": "translation"},
        "tabular": {"generator": "mlp", "lambda_content": 1.0, "lambda_id": 1.0,
                    "pseudo_augment": None},
    }

    _fitted_array_attrs = ("X_fit_", "y_fit_", "classes_", "noise_seed_", "target_colours_")
    _fitted_meta_attrs = ("adapts_to_itself_", "auto_params_")

    def __init__(
        self,
        *,
        generator="auto",
        discriminator="auto",
        n_filters=16,
        n_blocks=4,
        loss="lsgan",
        lambda_task=1.0,
        lambda_cyc=0.0,
        lambda_id="auto",
        lambda_content="auto",
        noise_dim=0,
        exemplar_colour="auto",
        encoding="auto",
        pseudo_threshold=0.95,
        pseudo_augment="auto",
        pool_size=50,
        image_shape=None,
        ema=None,
        max_epochs="auto",
        batch_size=64,
        lr=2e-3,
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
        self.lambda_task = lambda_task
        self.lambda_cyc = lambda_cyc
        self.lambda_id = lambda_id
        self.lambda_content = lambda_content
        self.noise_dim = noise_dim
        self.exemplar_colour = exemplar_colour
        self.encoding = encoding
        self.pseudo_threshold = pseudo_threshold
        self.pseudo_augment = pseudo_augment
        self.pool_size = pool_size
        self.image_shape = image_shape
        self.ema = ema
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
    _architecture_params = (*BaseGAN._architecture_params, "noise_dim", "exemplar_colour",
                            "encoding")
    # palette_variety above which exemplar_colour="auto" turns on
    _exemplar_variety = 0.05

    def _architecture(self):
        # lambda_cyc > 0 adds a target->source generator and a source discriminator
        return {**super()._architecture(), "lambda_cyc > 0": self.lambda_cyc > 0}

    def _setting(self, name, fitted):
        """Parameter ``name`` with "auto" resolved for the fitted data (``auto_params_``)."""
        value = getattr(self, name)
        if not (isinstance(value, str) and value == "auto"):
            return value
        resolved = fitted.get("auto_params_") or {}
        if name in resolved:
            return resolved[name]
        # models saved before auto_params_ existed: the kind of data decided alone
        return self._auto["image" if fitted["target_spec_"].is_image else "tabular"][name]

    def _auto_params(self, source, target, source_spec, target_spec):
        """What each parameter set to "auto" becomes for these domains (``auto_params_``).

        Tabular data and images take their own settings; same-shaped image
        domains that share a look (:func:`~skgan.nn.exemplar.stroke_polarity`
        of the same sign: bright strokes in both, or dark in both) take the
        identity term instead of the structure content term.
        """
        kind = "tabular"
        if target_spec.is_image:
            kind = "image"
            if source_spec.shape == target_spec.shape and (
                    stroke_polarity(source[:2000]) * stroke_polarity(target[:2000]) > 0):
                kind = "image, same look"
        resolved = dict(self._auto[kind])
        if kind == "tabular":  # decided with the domains' specs (_tabular_encoding)
            resolved["encoding"] = "standard" if source_spec.quantiles is None else "quantile"
        return {name: value for name, value in resolved.items()
                if isinstance(getattr(self, name), str) and getattr(self, name) == "auto"}

    def _build_modules(self, source_shape, target_shape, fitted):
        exemplar = fitted.get("target_colours_") is not None
        n_extra = self.noise_dim + (3 * target_shape[0] if exemplar else 0)
        noisy_shape = (source_shape[0] + n_extra, *source_shape[1:])
        generator = self._setting("generator", fitted)
        generators = {"st": self._new_generator(noisy_shape, target_shape, generator)}
        if exemplar:
            generators["st"] = ExemplarColour(generators["st"], target_shape[0])
        discriminators = {"t": self._new_discriminator(target_shape)}
        if self.lambda_cyc > 0:
            generators["ts"] = self._new_generator(target_shape, source_shape, generator)
            discriminators["s"] = self._new_discriminator(source_shape)
        # the task classifier reads both domains, so it takes the target's shape
        generators["task"] = build_classifier(
            in_shape=target_shape, n_classes=len(fitted["classes_"]), n_filters=self.n_filters
        )
        return nn.ModuleDict(generators), nn.ModuleDict(discriminators)

    def _objective(self, fitted):
        source, target = fitted["source_spec_"], fitted["target_spec_"]
        return DomainAdaptationObjective(
            self.lambda_task, self.lambda_cyc, self._setting("lambda_id", fitted), self.noise_dim,
            self.pseudo_threshold,
            parse_augment(self._setting("pseudo_augment", fitted), name="pseudo_augment"),
            target.reencoder(source) if source.shape == target.shape else None,
            lambda_content=self._setting("lambda_content", fitted),
            exemplar_statistics=None if fitted.get("target_colours_") is None
            else torch.from_numpy(fitted["target_colours_"]),
        )

    def _target_colours(self, target, target_spec):
        """``target_colours_`` for this fit: the target images' exemplar statistics
        (when ``exemplar_colour`` is on), else None."""
        forced = not isinstance(self.exemplar_colour, str) and bool(self.exemplar_colour)
        if forced and not target_spec.is_image:
            raise ValueError("exemplar_colour=True needs images; X_target holds tabular data "
                             f"of shape {target_spec.shape}.")
        if self.exemplar_colour == "auto" and self._continues():
            use = getattr(self, "target_colours_", None) is not None  # the networks have it
        elif self.exemplar_colour == "auto":
            use = target_spec.is_image and (
                palette_variety(target[:2000]) > self._exemplar_variety)
        else:
            use = bool(self.exemplar_colour)
        if not use:
            return None
        step = 4096
        return torch.cat([exemplar_statistics(target[i : i + step])
                          for i in range(0, len(target), step)]).numpy()

    # ---------------------------------------------------------------- public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_target=None, y_target=None):
        """Learn to render ``X`` (labelled source) in the look of ``X_target``.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Labelled source samples.
        y : array-like of shape (n_samples,)
            Source labels, at least two classes.
        X_target : array-like, torch.Tensor or Unsplit
            Unlabelled target samples, any number; same spatial size as ``X``
            (channels may differ) or same number of features.
        y_target : array-like of shape (n_target,), default=None
            Labels of a few target samples, -1 for unlabelled rows.

        Returns
        -------
        self : GANDomainAdapter
        """
        if isinstance(y_target, Unsplit):
            y_target = y_target.data
        adapts_to_itself = X_target is None
        X, X_target, source_spec, target_spec = self._validate_domains(X, X_target)
        source, target = source_spec.lazy(X), target_spec.lazy(X_target)
        auto_params = self._auto_params(source, target, source_spec, target_spec)
        augment = self._setting("pseudo_augment", {"target_spec_": target_spec,
                                                   "auto_params_": auto_params})
        if parse_augment(augment, name="pseudo_augment", shape=target_spec.shape) \
                and self.pseudo_threshold is None and self.pseudo_augment != "auto":
            warnings.warn(
                f"pseudo_augment={self.pseudo_augment!r} has no effect without "
                "pseudo_threshold (no target rows are pseudo-labelled).", UserWarning,
            )
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} labels but X has {len(X)} samples.")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"y has a single class ({encoder.classes_[0]!r}); domain adaptation needs "
                "labels of at least two classes."
            )
        y_index = encoder.transform(y)
        y_target_index = None
        if y_target is not None:
            y_target = column_or_1d(y_target)
            if len(y_target) != len(X_target):
                raise ValueError(
                    f"y_target has {len(y_target)} labels but X_target has {len(X_target)} "
                    "samples; mark unlabelled target rows with -1."
                )
            known = y_target != -1
            unknown = set(np.unique(y_target[known])) - set(encoder.classes_)
            if unknown:
                raise ValueError(
                    f"y_target has labels {sorted(np.asarray(list(unknown)).tolist())} that are "
                    f"not in y's classes {encoder.classes_.tolist()} (use -1 for unlabelled rows)."
                )
            y_target_index = np.full(len(y_target), -1, dtype=np.int64)
            y_target_index[known] = encoder.transform(y_target[known])
            y_target_index = torch.from_numpy(y_target_index)
        if self._continues() and not np.array_equal(encoder.classes_, self.classes_):
            raise ValueError(
                f"warm_start=True needs the classes of the previous fit {self.classes_.tolist()}; "
                f"y has {encoder.classes_.tolist()}."
            )
        return self._fit_adversarial(
            source, torch.from_numpy(y_index.astype(np.int64)),
            target, y_target=y_target_index,
            source_shape=source_spec.shape, target_shape=target_spec.shape,
            fitted={"source_spec_": source_spec, "target_spec_": target_spec,
                    "classes_": encoder.classes_, "X_fit_": X, "y_fit_": np.asarray(y),
                    "adapts_to_itself_": adapts_to_itself, "auto_params_": auto_params,
                    "target_colours_": self._target_colours(target, target_spec),
                    "noise_seed_": int(check_random_state(self.random_state).randint(2**31 - 1))},
        )

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return ``X`` rendered in the target domain (rows aligned with ``y``).

        Same as ``fit(X, y, **fit_params).transform(X, sample_domain="source")``.
        Note that ``fit(...).transform(X)`` differs: :meth:`transform` treats
        its rows as target-domain data unless told otherwise, so that a
        ``Pipeline`` trains its classifier on rendered source data and predicts
        on real target data as it is (as scikit-learn's ``TargetEncoder``,
        whose ``fit_transform`` also differs from ``fit().transform()``).

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Labelled source samples.
        y : array-like of shape (n_samples,)
        **fit_params : dict
            ``X_target`` and ``y_target``, as for :meth:`fit`.

        Returns
        -------
        X_rendered : ndarray
            ``X`` in the target's look, in the caller's layout with the
            target's channels, dtype and value range.
        """
        return self.fit(X, y, **fit_params).transform(X, sample_domain="source")

    def transform(self, X, sample_domain=None):
        """Render source rows in the target domain; return target rows unchanged.

        Parameters
        ----------
        X : array-like or torch.Tensor
        sample_domain : {"source", "target"}, array-like of shape (n_samples,) or \
                None, default=None
            Which domain each row comes from. ``"source"`` rows go through the
            generator; ``"target"`` rows are already target data and come back
            exactly as given. An array gives one value per row: ``"source"`` /
            ``"target"``, or skada's integers (> 0 source, < 0 target).
            None means ``"target"``, except that when the two domains have
            different sample shapes (e.g. grey source, colour target), rows of
            the source's shape are ``"source"``. So ``pipe.predict(X_target)``
            classifies real target data as it is; to render source data, use
            :meth:`fit_transform`, :meth:`sample`, or ``sample_domain="source"``
            (routed through a ``Pipeline`` with scikit-learn's metadata routing
            and ``set_transform_request(sample_domain=True)``). An adapter
            fitted without ``X_target`` has one domain, and returns every row
            unchanged.

        Returns
        -------
        X_out : ndarray
            The caller's layout (2-D stays 2-D). Rendered rows have the target's
            channels, dtype and value range; target rows keep their values (and,
            when no row is rendered, their dtype).
        """
        check_is_fitted(self)
        src, tgt = self.source_spec_, self.target_spec_
        X_raw = X
        X = check_input(X)
        if sample_domain is None:
            from_source = src.shape != tgt.shape and self._shape_of(X, tgt) != tgt.shape
            is_source = np.full(len(X), from_source)
        else:
            is_source = _source_rows(sample_domain, len(X))
        if src.shape == tgt.shape:
            X = self._check_transform_input(X_raw, src)
        elif is_source.any():
            if not is_source.all():
                raise ValueError(
                    "sample_domain mixes source and target rows, but the domains' samples "
                    f"have different shapes ({src.shape} and {tgt.shape}); transform them "
                    "in separate calls."
                )
            X = self._check_transform_input(X_raw, src)
        elif self._shape_of(X, tgt) != tgt.shape:
            raise ValueError(
                f"X holds samples of shape {self._shape_of(X, src) or X.shape[1:]}, but "
                f"target-domain rows must have the target's shape {tgt.shape}; pass "
                "sample_domain='source' to render source data."
            )
        if getattr(self, "adapts_to_itself_", False) or not is_source.any():
            return X
        if is_source.all():
            return self._render(X, int(self.noise_seed_))
        out = tgt.layout(X, X.ndim).copy()
        out[is_source] = self._render(X[is_source], int(self.noise_seed_))
        return out

    def _render(self, X, noise_seed):
        """Source samples (validated) through the generator, in the target's layout."""
        if getattr(self, "adapts_to_itself_", False):
            return X
        Z = self.source_spec_.lazy(X)  # encoded a batch at a time
        colours = getattr(self, "target_colours_", None)
        if self.noise_dim or colours is not None:
            rng = torch.Generator().manual_seed(noise_seed)
            parts = [torch.randn(len(Z), self.noise_dim, generator=rng)]
            if colours is not None:  # a random target image's palette per row
                rows = torch.randint(len(colours), (len(Z),), generator=rng)
                parts.append(torch.from_numpy(colours)[rows])
            Z = _WithNoise(Z, torch.cat(parts, dim=1))
        return self.target_spec_.decode(self._generate("st", Z), X.ndim)

    @staticmethod
    def _shape_of(X, spec):
        if X.ndim == 2:
            return spec.shape if X.shape[1] == int(np.prod(spec.shape)) else None
        return (1, *X.shape[1:]) if X.ndim == 3 else tuple(X.shape[1:])

    def predict_task(self, X):
        """Class predictions of the internal task classifier on target-domain data.

        Useful as a diagnostic (and as the classifier PixelDA reports).

        Parameters
        ----------
        X : array-like
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[self.predict_proba_task(X).argmax(1)]

    def predict_proba_task(self, X):
        """Class probabilities of the internal task classifier on target-domain data.

        Parameters
        ----------
        X : array-like
            Target-domain samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = check_input(X, input_name="X")
        if self._shape_of(X, self.target_spec_) != self.target_spec_.shape:
            raise ValueError(
                f"X must hold target-domain samples of shape {self.target_spec_.shape}."
            )
        logits = self._generate("task", self.target_spec_.lazy(X))
        return torch.softmax(logits.double(), dim=1).numpy()

    def pseudo_label(self, X, threshold=None):
        """Target rows the task classifier labels confidently, with those labels.

        The adapter's task classifier reads real target data (and, with
        ``pseudo_threshold``, was self-trained on it), so it often classifies
        the target better than a classifier trained on the renderings alone.
        A downstream classifier can learn from both: the rendered source rows
        with their labels (``fit_transform``, aligned with ``y``) and the
        confidently pseudo-labelled target rows this method returns. They are
        kept apart because scikit-learn's ``fit_transform`` must return one
        row per input row.

        Parameters
        ----------
        X : array-like
            Target-domain samples (e.g. the unlabelled ``X_target`` of ``fit``).
        threshold : float in (0, 1] or None, default=None
            Keep rows whose top class probability is at least this; None uses
            ``pseudo_threshold`` (0.95 when that is None).

        Returns
        -------
        X_confident : ndarray
            The kept rows of ``X``, as given.
        y_confident : ndarray
            Their predicted classes.

        Examples
        --------
        >>> import numpy as np
        >>> from skgan import GANDomainAdapter
        >>> rng = np.random.RandomState(0)
        >>> y = rng.randint(0, 2, 200)
        >>> X = rng.randn(200, 2) + 3 * y[:, None]
        >>> X_target = 2 * X[:100] + 1
        >>> adapter = GANDomainAdapter(max_epochs=5, random_state=0).fit(
        ...     X[100:], y[100:], X_target=X_target)
        >>> X_rendered = adapter.transform(X[100:], sample_domain="source")
        >>> X_conf, y_conf = adapter.pseudo_label(X_target)
        >>> X_train = np.vstack([X_rendered, X_conf])   # for any classifier
        >>> y_train = np.concatenate([y[100:], y_conf])
        >>> X_train.shape[1], len(X_train) == len(y_train)
        (2, True)
        """
        if threshold is None:
            threshold = 0.95 if self.pseudo_threshold is None else self.pseudo_threshold
        if not isinstance(threshold, Real) or not 0 < threshold <= 1:
            raise ValueError(f"threshold must be a float in (0, 1] or None; got {threshold!r}.")
        X_valid = check_input(X, input_name="X")
        proba = self.predict_proba_task(X_valid)
        keep = proba.max(1) >= threshold
        return X_valid[keep], self.classes_[proba.argmax(1)[keep]]

    def sample(self, n_samples=1, random_state=None):
        """Labelled pseudo-target samples: random source rows rendered in the target.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
        y : ndarray of shape (n_samples,)
            The labels of the source rows they were rendered from.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
        rng = check_random_state(random_state)
        rows = rng.randint(0, len(self.X_fit_), size=n_samples)
        X = np.asarray(self.X_fit_)[rows]
        return self._render(X, int(rng.randint(2**31 - 1))), np.asarray(self.y_fit_)[rows]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        return tags
