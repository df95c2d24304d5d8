"""BaseGAN: parameters, seeding, device, the fit driver, save/load and tags."""

from __future__ import annotations

import inspect
import json
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from ._data import DomainSpec, TrainingData, check_input, sample_shape, spread_rows, validate_features
from .nn import (
    DISCRIMINATORS,
    GENERATORS,
    LOSSES,
    build_discriminator,
    build_generator,
    init_weights,
    load_weights,
)
from .nn.backbones import load_tensors
from ._parallel import ensure_process_group, local_device, rank_and_world
from .training import AdversarialNet, apply_module, default_callbacks, native_precision, seeded

__all__ = ["BaseGAN", "read_weights_file", "resolve_device", "transform_source"]

_FORMAT = "skgan-weights-1"


def resolve_device(device):
    """Turn ``device`` ('auto', 'cpu', 'cuda', 'cuda:1', torch.device) into a string.

    Raises ``ValueError`` for unknown names and for CUDA on a machine without it.

    Examples
    --------
    >>> from skgan.base import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}."
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; "
            "use device='auto' or 'cpu'."
        )
    return str(dev)


def transform_source(estimator, X):
    """``estimator.transform(X)`` with ``X``'s rows marked as source-domain data.

    Transformers whose ``transform`` takes ``sample_domain`` (such as
    :class:`~skgan.GANDomainAdapter`, which passes target rows through unless
    told otherwise) get ``sample_domain="source"``; others are called as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgan.base import transform_source
    >>> transform_source(StandardScaler().fit([[0.0], [2.0]]), [[2.0]])
    array([[1.]])
    """
    if "sample_domain" in inspect.signature(estimator.transform).parameters:
        return estimator.transform(X, sample_domain="source")
    return estimator.transform(X)


_ENGINE_PARAMETERS = """\
    distributed : bool, default=False
        Data-parallel training over the processes of a ``torch.distributed``
        group: launch the script with ``torchrun --nproc_per_node=N`` (the
        group is created from torchrun's environment if none exists; "cuda"
        becomes each process's ``cuda:LOCAL_RANK``). Each process takes
        ``batch_size`` samples of every global batch of ``N * batch_size`` and
        the gradients are averaged over the processes before each update, so
        the weights stay identical everywhere and follow a one-process fit
        with batch ``N * batch_size``; :meth:`save` writes from rank 0 only.
        Image pools and augmentation draw per process. See the README,
        "Scaling out".
    channels_last : bool, default=False
        Images: train in the ``torch.channels_last`` memory format (faster
        convolutions on GPUs with tensor cores, notably with bf16/fp16; about
        the same speed on CPU). Equal results up to float rounding.
    compile : bool or dict, default=False
        ``torch.compile`` the networks for training (a dict: its keyword
        arguments, e.g. ``{"mode": "max-autotune"}``); names, freezing and
        saved files are unchanged, inference runs eagerly, and the first
        steps pay the compilation (seconds to minutes).
"""


class BaseGAN(BaseEstimator, metaclass=ABCMeta):
    """Base class of skgan's estimators. Not for direct use.

    Subclasses validate their data, then call :meth:`_fit_adversarial` with
    float32 tensors in the networks' scale; they provide the networks
    (:meth:`_build_modules`) and the loss terms (:meth:`_objective`).
    Parameters shared by every estimator are documented on each subclass; the
    training-engine ones (``distributed``, ``channels_last``, ``compile``) come from
    one text, which a subclass's docstring takes in with a line ``{engine_parameters}``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        marker = "    {engine_parameters}\n"
        if cls.__doc__ and marker in cls.__doc__:
            cls.__doc__ = cls.__doc__.replace(marker, _ENGINE_PARAMETERS)

    _parameter_constraints: dict = {
        "generator": [StrOptions({"auto", *GENERATORS})],
        "discriminator": [StrOptions({"auto", *DISCRIMINATORS})],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "image_shape": [tuple, list, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "betas": [tuple, list],
        "lr_decay": [Interval(Real, 0, 1, closed="both")],
        "pool_size": [Interval(Integral, 0, None, closed="left")],
        "device": [str, torch.device],
        "precision": [StrOptions({"fp32", "bf16", "fp16"})],
        "distributed": ["boolean"],
        "channels_last": ["boolean"],
        "compile": ["boolean", dict],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }

    # ------------------------------------------------------------ subclass hooks
    # Each hook gets ``fitted``: the fitted attributes of the fit in progress (the
    # ``fitted`` dict handed to :meth:`_fit_adversarial`, over those of a previous
    # fit when training continues), read from there rather than from ``self``,
    # which gets them only once training has succeeded.
    @abstractmethod
    def _build_modules(self, source_shape, target_shape, fitted):
        """Return ``(generators, discriminators)`` as two ``nn.ModuleDict``."""

    @abstractmethod
    def _objective(self, fitted):
        """Return the :class:`~skgan.training.AdversarialObjective`."""

    def _frozen(self, fitted):
        """Parameter-name prefixes to keep fixed: ``{"module": [...], "discriminator": [...]}``.

        None (the default) freezes nothing; see :class:`~skgan.training.AdversarialNet`.
        """
        return None

    def _loss(self, fitted):
        """The adversarial loss mode handed to :class:`~skgan.nn.GANLoss`."""
        return self.loss

    # Parameters that decide the networks: fixed once fitted, so a warm-started
    # fit with other values raises instead of silently keeping the old networks.
    _architecture_params = ("generator", "discriminator", "n_filters", "n_blocks",
                            "image_shape")

    def _architecture(self):
        """What the networks are built from: ``{name: value}`` (compared on warm start)."""
        architecture = {name: getattr(self, name, None) for name in self._architecture_params}
        if hasattr(self, "ema"):  # an averaged generator is kept, or not (its decay may change)
            architecture["ema is None"] = self.ema is None
        return architecture

    # ------------------------------------------------------------------ helpers
    def _new_generator(self, in_shape, out_shape, name=None):
        """A generator from the estimator's parameters, initialised for its data kind.

        Tabular data gets a residual MLP with PyTorch's default initialisation;
        images get the DCGAN/CycleGAN N(0, 0.02) initialisation.
        """
        net = build_generator(
            self.generator if name is None else name, in_shape=in_shape, out_shape=out_shape,
            n_filters=self.n_filters, n_blocks=self.n_blocks, residual=len(in_shape) == 1,
        )
        return init_weights(net, scheme="default" if len(in_shape) == 1 else "normal")

    def _new_discriminator(self, shape):
        """A discriminator from the estimator's parameters, initialised as above."""
        net = build_discriminator(
            self.discriminator, in_shape=shape, n_filters=self.n_filters,
            spectral_norm=bool(getattr(self, "spectral_norm", False)),
        )
        return init_weights(net, scheme="default" if len(shape) == 1 else "normal")

    def _validate_source(self, X, *, reset=True, input_name="X"):
        """Validate ``X`` (at least 2 samples); return it with its per-sample shape.

        Sets (``reset=True``) or checks ``n_features_in_``/``feature_names_in_``.
        """
        X_raw = X
        X = check_input(X, input_name=input_name, ensure_min_samples=2)
        validate_features(self, X_raw, X, reset=reset)
        return X, sample_shape(X, self.image_shape, input_name=input_name)

    def _continues(self):
        """True when this fit continues the previous one (``warm_start`` on a fitted model)."""
        return bool(self.warm_start) and hasattr(self, "net_")

    # encoding="auto" (where an estimator has the parameter) is "quantile" when it
    # leaves the domains' encoded rows this much of the energy distance that
    # standardisation leaves
    _quantile_gain = 0.5

    def _tabular_encoding(self, X, X_target):
        """How tabular features are encoded: the ``encoding`` parameter where an
        estimator has one, else "standard". "auto": "quantile" where it brings the
        two domains' encoded rows at least twice as close as standardisation does
        (energy distance, on at most 1,000 evenly spaced rows of each)."""
        encoding = getattr(self, "encoding", "standard")
        if encoding != "auto":
            return encoding
        from .metrics import energy_distance  # metrics sits above the estimators

        def rows(data):
            return data[spread_rows(len(data), 1000)]

        distance = {}
        for encoding in ("standard", "quantile"):
            distance[encoding] = energy_distance(*(
                DomainSpec.fit(data, (X.shape[1],), encoding).encode(rows(data))
                for data in (X, X_target)))
        return "quantile" if distance["quantile"] < self._quantile_gain * distance["standard"] \
            else "standard"

    @property
    def encoding_(self):
        """How the fitted tabular domains' features are encoded, "standard" or
        "quantile" (what ``encoding="auto"`` chose); None for images."""
        spec = self.source_spec_
        if spec.is_image:
            return None
        return "standard" if spec.quantiles is None else "quantile"

    def _fitted_spec(self, X, shape, name, encoding="standard"):
        """``DomainSpec`` of ``X``: fitted anew, or the previous fit's when training continues.

        A continued fit keeps its data scaling, since its weights were learnt in it.
        """
        if not self._continues():
            return DomainSpec.fit(X, shape, encoding=encoding)
        spec = getattr(self, name)
        if spec.shape != tuple(shape):
            raise ValueError(
                f"warm_start=True continues a fit on samples of shape {spec.shape}; got "
                f"samples of shape {tuple(shape)}. Set warm_start=False to start anew."
            )
        return spec

    def _validate_domains(self, X, X_target):
        """Validate source and target arrays; return arrays and fitted specs.

        Nothing is stored on the estimator except ``n_features_in_`` (and
        ``feature_names_in_``), as ``validate_data`` does. When training
        continues (``warm_start``), the fitted specs are kept and the features
        checked against the previous fit.
        """
        X, source_shape = self._validate_source(X, reset=not self._continues())
        if X_target is None:
            warnings.warn(
                f"{type(self).__name__}.fit got no X_target; fitting X as its own target "
                "domain, which learns an identity-like mapping. Pass X_target=... "
                "(unlabelled target-domain data).",
                UserWarning,
                stacklevel=3,
            )
            X_target = X
        X_target = check_input(X_target, input_name="X_target", ensure_min_samples=2)
        spatial = source_shape[1:] if len(source_shape) == 3 else None
        target_shape = sample_shape(X_target, None, input_name="X_target", spatial=spatial)
        if len(source_shape) != len(target_shape):
            raise ValueError(
                f"X holds {'images' if spatial else 'tabular data'} of shape "
                f"{source_shape} but X_target holds samples of shape {target_shape}; both "
                "domains must be images, or both tabular."
            )
        if spatial and target_shape[1:] != spatial:
            raise ValueError(
                f"X_target images are {target_shape[1]}x{target_shape[2]} but X images are "
                f"{spatial[0]}x{spatial[1]}; both domains must have the same spatial size."
            )
        if not spatial and target_shape != source_shape:
            raise ValueError(
                f"X_target has {target_shape[0]} features but X has {source_shape[0]}; "
                "tabular domains must have the same number of features."
            )
        # a continued fit keeps its specs (see _fitted_spec): nothing to decide
        encoding = ("standard" if spatial or self._continues()
                    else self._tabular_encoding(X, X_target))
        source_spec = self._fitted_spec(X, source_shape, "source_spec_", encoding)
        target_spec = self._fitted_spec(X_target, target_shape, "target_spec_", encoding)
        return X, X_target, source_spec, target_spec

    def _check_transform_input(self, X, spec, *, input_name="X"):
        """Validate ``X`` at transform time against a fitted domain's shape."""
        check_is_fitted(self)
        X_raw = X
        X = check_input(X, input_name=input_name)
        if input_name == "X":
            validate_features(self, X_raw, X, reset=False)
        spatial = spec.shape[1:] if spec.is_image else None
        image_shape = spec.shape if (spec.is_image and X.ndim == 2) else None
        shape = sample_shape(X, image_shape, input_name=input_name, spatial=spatial)
        if shape != spec.shape:
            raise ValueError(
                f"{input_name} samples have shape {shape} but this estimator was fitted on "
                f"samples of shape {spec.shape}."
            )
        return X

    def _seeds(self):
        """Two seeds drawn from ``random_state``: weight init, and training randomness."""
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(0, 2**31 - 1, size=2)]

    # ``max_epochs="auto"`` (where an estimator allows it): about this many training
    # steps (batches of the first domain), in at most this many epochs. 6,500: on
    # MNIST<->USPS it lifts the seeds 5,000 left under issue 13's bars and fits in
    # 13.5 min at two threads; 7,500 took 15.5 (BENCHMARKS.md, "About 6,500 steps")
    _auto_steps = 6500
    _auto_max_epochs = 100

    def _n_epochs(self, n_samples):
        """``max_epochs`` as a number of epochs for ``n_samples`` training samples
        (batches of ``batch_size`` per process: with ``distributed``, a step
        takes ``world_size * batch_size`` samples)."""
        if self.max_epochs != "auto":
            return self.max_epochs
        per_epoch = -(-n_samples // (self.batch_size * self._world_size()))
        return int(min(self._auto_max_epochs, max(1, round(self._auto_steps / per_epoch))))

    def _world_size(self):
        """Processes one fit trains over: the process group's size with ``distributed``."""
        return rank_and_world()[1] if getattr(self, "distributed", False) else 1

    def _device(self):
        """``device`` resolved; with ``distributed``, ``cuda`` is this process's GPU
        (``cuda:LOCAL_RANK``) under a launcher that sets ``LOCAL_RANK``."""
        device = resolve_device(self.device)
        return local_device(device) if getattr(self, "distributed", False) else device

    def _callbacks(self, max_epochs):
        return default_callbacks(
            max_epochs=max_epochs,
            lr_decay=self.lr_decay,
            verbose=self.verbose,
            user_callbacks=self.callbacks,
        )

    def _make_net(self, generators, discriminators, *, seed, device, fitted, max_epochs):
        betas = tuple(self.betas)
        return AdversarialNet(
            generators,
            discriminator=discriminators,
            objective=self._objective(fitted),
            seed=seed,
            pool_size=getattr(self, "pool_size", 0),
            frozen=self._frozen(fitted),
            ema_decay=getattr(self, "ema", None),
            ema_warmup=getattr(self, "ema_warmup", True),
            historical_averaging=getattr(self, "historical_averaging", 0.0),
            precision=self.precision,
            data_parallel=getattr(self, "distributed", False),
            channels_last=getattr(self, "channels_last", False),
            compile_networks=getattr(self, "compile", False),
            criterion__mode=self._loss(fitted),
            lr=self.lr,
            optimizer__betas=betas,
            discriminator_optimizer__betas=betas,
            max_epochs=max_epochs,
            batch_size=self.batch_size,
            callbacks=self._callbacks(max_epochs),
            device=device,
            verbose=int(self.verbose),
        )

    def _continue_net(self, fitted, max_epochs):
        """Make the fitted net train with the current parameters; return the epochs to run.

        ``max_epochs`` counts every epoch since the first fit (as ``n_estimators``
        with warm start in scikit-learn's ensembles), so resuming an interrupted
        fit runs what is left of its schedule. Learning rate, betas, batch size,
        loss weights, loss, pool size, callbacks and verbosity take effect;
        parameters that decide the networks raise.
        """
        net = self.net_
        changed = [name for name, value in self._architecture().items()
                   if not _same(value, net.architecture_.get(name))]
        if changed:
            was = ", ".join(f"{n}={net.architecture_.get(n)!r}" for n in changed)
            raise ValueError(
                f"warm_start=True cannot change {', '.join(changed)}: the fitted networks were "
                f"built with {was}. Restore the value(s), or set warm_start=False to start anew."
            )
        device = self._device()
        if device != str(net.device):
            raise ValueError(
                f"warm_start=True cannot move training from {net.device} to device={device!r}; "
                f"set device={str(net.device)!r} (or save, load(device=...) and continue)."
            )
        remaining = max_epochs - len(net.history)
        if remaining < 0:
            raise ValueError(
                f"max_epochs={self.max_epochs!r}"
                + (f" ({max_epochs} epochs)" if self.max_epochs == "auto" else "")
                + f" is less than the {len(net.history)} epochs already "
                "trained; with warm_start=True max_epochs counts all epochs since the first fit, "
                "so raise it to train more."
            )
        net.objective = self._objective(fitted)
        net.batch_size = self.batch_size
        net.max_epochs = max_epochs
        net.verbose = int(self.verbose)
        net.callbacks = self._callbacks(max_epochs)
        net.initialize_callbacks()
        net.ema_decay = getattr(self, "ema", None)
        net.ema_warmup = getattr(self, "ema_warmup", True)
        net.historical_averaging = getattr(self, "historical_averaging", 0.0)
        net.precision = self.precision
        net.data_parallel = getattr(self, "distributed", False)
        net.channels_last = getattr(self, "channels_last", False)
        net.compile_networks = getattr(self, "compile", False)
        net.pool_size = getattr(self, "pool_size", 0)
        for pool in net.image_pools_.values():
            pool.pool_size = net.pool_size
            del pool.samples[net.pool_size:]
        mode = self._loss(fitted)
        if net.criterion_.mode != mode:
            net.set_params(criterion__mode=mode)
        for name in net._optimizers:
            for group in getattr(net, name + "_").param_groups:
                group["lr"] = group["initial_lr"] = self.lr
                if "betas" in group:
                    group["betas"] = tuple(self.betas)
        return remaining

    def _fit_adversarial(self, source, y, target, *, source_shape, target_shape, fitted,
                         y_target=None, networks=None):
        """Train on ``source`` (and ``target``) and, on success only, set fitted attributes.

        ``source`` and ``target`` are :class:`~skgan._data.EncodedArray` (encoded a
        batch at a time) or float32 CPU tensors.

        ``y_target`` (int64, -1 where unknown) goes with ``target`` to the loss terms.
        ``target=None`` (with ``target_shape=None``) trains without a target
        domain: the loss terms then get ``target=None`` (e.g. :class:`~skgan.GAN`).
        ``fitted`` maps attribute names to values set after training succeeds; the
        hooks read it. ``networks``, a ``(generators, discriminators)`` pair, are
        trained instead of those :meth:`_build_modules` would build. With
        ``warm_start`` and a fitted estimator, training continues from the current
        state (see :meth:`_continue_net`); if it fails, the estimator is left as it was.
        """
        device = self._device()
        if getattr(self, "distributed", False):  # before any training: a clear error
            ensure_process_group(device)
        if native_precision(self.precision, device) is False:
            warnings.warn(
                f"precision={self.precision!r} on this CPU has no native instructions "
                "(bfloat16: AVX512-BF16 or AMX; float16: AMX-FP16), so torch emulates it and "
                "training runs many times slower than with precision='fp32'.",
                UserWarning, stacklevel=4,
            )
        init_seed, train_seed = self._seeds()
        if self._continues():
            fitted = {**{k: v for k, v in vars(self).items() if k.endswith("_")}, **fitted}
            net = self.net_
            old = (self.source_spec_.shape, getattr(getattr(self, "target_spec_", None), "shape", None))
            if old != (source_shape, target_shape):
                raise ValueError(
                    f"warm_start=True needs data of the shapes fitted before {old}; "
                    f"got {(source_shape, target_shape)}."
                )
            backup, n_epochs = net.training_state(), len(net.history)
            epochs = self._continue_net(fitted, self._n_epochs(len(source)))
            if epochs == 0:
                warnings.warn(
                    f"warm_start=True with max_epochs={self.max_epochs!r}, which the model has "
                    "already trained: nothing to do. Raise max_epochs to train more.",
                    UserWarning, stacklevel=3,
                )
                return self
        else:
            if networks is None:
                with seeded(init_seed):
                    networks = self._build_modules(source_shape, target_shape, fitted)
            net = self._make_net(*networks, seed=train_seed, device=device, fitted=fitted,
                                 max_epochs=self._n_epochs(len(source)))
            net.architecture_ = self._architecture()
            epochs = None
        net.target_data_, net.target_labels_ = target, y_target
        data = TrainingData(source, y)  # read a batch at a time (see EncodedArray)
        try:
            if epochs is None:
                net.fit(data, None)
            else:
                net.partial_fit(data, None, epochs=epochs)
        except BaseException:
            if epochs is not None:
                net.load_training_state(backup)
                del net.history[n_epochs:]
            raise
        finally:
            net.target_data_ = net.target_labels_ = None
        for name, value in fitted.items():
            setattr(self, name, value)
        self.net_ = net
        self.n_epochs_ = len(net.history)
        return self

    def _generate(self, name, Z):
        """Run generator ``name`` over the float32 CPU tensor ``Z``.

        With an averaged generator (``ema``), its weights are the ones used.
        """
        generators = self.generator_ema_
        if generators is None:
            generators = self.generator_
        return apply_module(
            generators[name], Z, batch_size=max(self.batch_size, 256), device=self.device_
        )

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

    # Views of the skorch net, not copies: pickling goes through skorch alone, which
    # maps CUDA tensors to the CPU when a GPU-fitted model is loaded without one.
    @property
    def generator_(self):
        """The fitted generator(s), the skorch net's ``module_``."""
        return self.net_.module_

    @property
    def generator_ema_(self):
        """The exponential moving average of :attr:`generator_` (fits with ``ema``), or None."""
        return getattr(self.net_, "module_ema_", None)

    @property
    def discriminator_(self):
        """The fitted discriminator(s), the skorch net's ``discriminator_``."""
        return self.net_.discriminator_

    @property
    def history_(self):
        """skorch ``History`` of the fit: per-epoch and per-batch losses."""
        return self.net_.history

    @property
    def device_(self):
        """Device the fitted networks are on."""
        return str(self.net_.device)

    # -------------------------------------------------------------- save/load
    _fitted_spec_attrs = ("source_spec_", "target_spec_")
    _fitted_array_attrs = ()
    # fitted attributes made of str/int/float/bool/None, lists and dicts of them
    _fitted_meta_attrs = ()

    def save(self, path, *, training_state=False):
        """Save weights and fitted state to ``path``; no pickled code is written.

        The file is a ``torch.save`` archive of tensors, numbers and strings only,
        read back with ``torch.load(..., weights_only=True)`` by :meth:`load`.
        Callbacks are never saved.

        Parameters
        ----------
        path : str or pathlib.Path
        training_state : bool, default=False
            Also save what continuing the fit needs: optimizer states, the
            history, the random generator, the image pools and the walk over the
            target data. A model saved with it, loaded, and fitted again with
            ``warm_start=True`` on the same data trains exactly as the
            uninterrupted fit would have (bitwise on CPU). Without it the file
            holds what prediction needs (and ``n_epochs_``).

        Notes
        -----
        With ``distributed=True`` inside a process group, every process calls
        ``save`` and only rank 0 writes (the weights are the same everywhere);
        all return once the file is written.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from skgan import CycleGANTranslator
        >>> rng = np.random.RandomState(0)
        >>> X, Xt = rng.randn(64, 2), rng.randn(64, 2) + 1
        >>> tr = CycleGANTranslator(max_epochs=1, random_state=0).fit(X, X_target=Xt)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> tr.save(path)
        >>> loaded = CycleGANTranslator.load(path)
        >>> bool(np.allclose(loaded.transform(X), tr.transform(X)))
        True
        """
        check_is_fitted(self)
        rank, world = rank_and_world() if getattr(self, "distributed", False) else (0, 1)
        if rank == 0:
            self._write(path, training_state)
        if world > 1:
            torch.distributed.barrier()

    def _write(self, path, training_state):
        params = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.get_params(deep=False).items()
            if isinstance(v, (str, int, float, bool, tuple, type(None)))
        }
        specs = {}
        for name in self._fitted_spec_attrs:
            spec = getattr(self, name)
            specs[name] = None if spec is None else {
                "shape": list(spec.shape),
                "dtype": str(spec.dtype),
                "offset": torch.as_tensor(spec.offset),
                "scale": torch.as_tensor(spec.scale),
                **({} if spec.quantiles is None else {"quantiles": torch.as_tensor(spec.quantiles)}),
            }
        arrays = {n: _encode_array(getattr(self, n))
                  for n in self._fitted_array_attrs if hasattr(self, n)}
        payload = {
            "format": _FORMAT,
            "estimator": type(self).__name__,
            "params": params,
            "specs": specs,
            "arrays": arrays,
            "meta": {n: getattr(self, n) for n in self._fitted_meta_attrs},
            "n_features_in": int(self.n_features_in_),
            "n_epochs": int(self.n_epochs_),
            "generator": {k: v.cpu() for k, v in self.generator_.state_dict().items()},
            "discriminator": {k: v.cpu() for k, v in self.discriminator_.state_dict().items()},
        }
        if self.generator_ema_ is not None:
            payload["generator_ema"] = {k: v.cpu()
                                        for k, v in self.generator_ema_.state_dict().items()}
        if training_state:
            state = self.net_.training_state("cpu")
            for name in self.net_._modules:
                del state[name]  # the weights are saved above
            state["history"] = json.dumps(self.net_.history.to_list())
            payload["training_state"] = state
        torch.save(payload, Path(path))

    @classmethod
    def load(cls, path, *, device="auto"):
        """Load an estimator written by :meth:`save` (``weights_only=True``).

        Parameters
        ----------
        path : str or pathlib.Path
        device : str, default="auto"
            Where the loaded networks run.

        Returns
        -------
        estimator : fitted instance of ``cls``
        """
        payload = read_weights_file(path, cls.__name__)
        valid = cls().get_params(deep=False)
        params = {k: (tuple(v) if isinstance(valid.get(k), tuple) else v)
                  for k, v in payload["params"].items() if k in valid}
        est = cls(**{**params, "device": device})
        for name, spec in payload["specs"].items():
            setattr(est, name, _decode_spec(spec))
        for name, value in payload["arrays"].items():
            setattr(est, name, _decode_array(value))
        for name, value in payload.get("meta", {}).items():
            setattr(est, name, value)
        est.n_features_in_ = payload["n_features_in"]
        target_shape = getattr(getattr(est, "target_spec_", None), "shape", None)
        fitted = {k: v for k, v in vars(est).items() if k.endswith("_")}
        with seeded(0):
            generators, discriminators = est._build_modules(
                est.source_spec_.shape, target_shape, fitted)
        load_weights(generators, payload["generator"], name="generator")
        load_weights(discriminators, payload["discriminator"], name="discriminator")
        # the schedule's length only matters to a warm-started fit, which resets it
        epochs = est.max_epochs if est.max_epochs != "auto" else max(1, payload.get("n_epochs", 1))
        net = est._make_net(generators, discriminators, seed=0, device=resolve_device(device),
                            fitted=fitted, max_epochs=epochs)
        net.initialize()
        if "generator_ema" in payload:
            load_weights(net.module_ema_, payload["generator_ema"], name="generator_ema")
        net.architecture_ = est._architecture()
        state = payload.get("training_state")
        if state is not None:
            net.load_training_state({**state, **{name: getattr(net, name + "_").state_dict()
                                                 for name in net._modules}})
            net.history_ = History(json.loads(state["history"]))
        est.net_ = net
        est.n_epochs_ = int(payload.get("n_epochs", 0))  # without training state: no history
        return est


def _same(a, b):
    """``a == b`` for parameter values of any kind (arrays, modules: identity)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError, RuntimeError):
        return False


def _encode_array(value):
    """A fitted array as a tensor, or as a list of str for string labels (None stays None)."""
    if value is None:
        return None
    value = np.asarray(value)
    if value.dtype.kind in "OUS":
        return {"strings": [str(v) for v in value.tolist()]}
    return torch.as_tensor(value)


def _decode_array(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return np.asarray(value["strings"])
    return value.numpy()


def _decode_spec(spec):
    """A :class:`~skgan._data.DomainSpec` from its saved form (None stays None)."""
    if spec is None:
        return None
    return DomainSpec(
        shape=tuple(spec["shape"]),
        dtype=np.dtype(spec["dtype"]),
        offset=spec["offset"].numpy(),
        scale=spec["scale"].numpy(),
        quantiles=spec["quantiles"].numpy() if "quantiles" in spec else None,
    )


def read_weights_file(path, estimator=None):
    """Read a file written by :meth:`BaseGAN.save` without executing pickled code.

    ``torch.load(..., weights_only=True)`` refuses anything but tensors and
    plain containers (raising ``pickle.UnpicklingError``). ``estimator``, when
    given, is the class name the file must hold.

    Returns
    -------
    payload : dict
        ``format``, ``estimator`` (class name), ``params``, ``specs``, ``arrays``,
        ``meta``, ``n_features_in``, ``generator`` and ``discriminator`` (state dicts).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skgan import GAN
    >>> from skgan.base import read_weights_file
    >>> path = os.path.join(tempfile.mkdtemp(), "gan.pt")
    >>> GAN(max_epochs=1, random_state=0).fit(np.random.RandomState(0).randn(20, 2)).save(path)
    >>> read_weights_file(path)["estimator"]
    'GAN'
    """
    payload = load_tensors(path)
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a skgan weights file (written by an estimator's save).")
    if estimator is not None and payload["estimator"] != estimator:
        raise ValueError(
            f"{path} holds a {payload['estimator']}, not a {estimator}; "
            f"use {payload['estimator']}.load."
        )
    return payload
