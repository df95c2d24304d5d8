"""The adversarial training engine, built on skorch.

:class:`AdversarialNet` is a :class:`skorch.NeuralNet` whose ``module_`` holds the
generators and whose ``discriminator_`` holds the discriminators, each group with
its own optimizer (``optimizer_`` and ``discriminator_optimizer_``), registered
the skorch way so device moves, pickling and ``set_params`` work as in skorch.
Its ``train_step`` alternates one generator update (discriminators frozen) and
one discriminator update, as the reference CycleGAN code does. What the losses
*are* comes from an :class:`AdversarialObjective`, supplied by each estimator.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import signal
import threading

import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, LRScheduler, PassthroughScoring, PrintLog, ProgressBar
from torch import nn
from torch.nn.utils import parametrize
from torch.optim.lr_scheduler import LambdaLR

from . import _parallel
from ._data import TrainingData, collate_batch
from .nn import GANLoss, frozen_modules, matches_prefix

__all__ = [
    "AdversarialNet",
    "AdversarialObjective",
    "ImagePool",
    "LinearDecay",
    "MultiOptimizerLRScheduler",
    "apply_module",
    "batch_independent",
    "native_precision",
    "reencode",
    "seeded",
]


@contextlib.contextmanager
def seeded(seed):
    """Run a block with torch's CPU RNG seeded, restoring the caller's RNG after.

    Module constructors draw their default initial weights (and spectral-norm
    vectors) from torch's global RNG; building them in this block makes them a
    function of ``seed`` alone and leaves the caller's global RNG state as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield


def apply_module(module, X, *, batch_size, device, method=None):
    """Run ``module`` (or its ``method``) in eval mode over ``X`` in batches (a CPU tensor,
    or an :class:`~skgan._data.EncodedArray`, encoded a batch at a time).

    Every call is made on exactly ``batch_size`` rows (the last chunk is padded with
    zeros and the padding dropped), so a row's result does not depend on how many
    other rows were passed with it: the kernels a backend picks, and so the float
    rounding, can change with the batch's size. Returns a CPU tensor; the module's
    train/eval mode is restored afterwards.
    """
    was_training = module.training
    module.eval()
    run = module if method is None else getattr(module, method)
    out = None
    try:
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                chunk = X[start : start + batch_size]
                n = len(chunk)
                if n < batch_size:
                    pad = chunk.new_zeros((batch_size - n, *chunk.shape[1:]))
                    chunk = torch.cat([chunk, pad])
                result = run(chunk.to(device))[:n]
                if out is None:  # one output tensor, filled batch by batch
                    out = torch.empty((len(X), *result.shape[1:]), dtype=result.dtype)
                out[start : start + n] = result
    finally:
        module.train(was_training)
    return X[:0] if out is None else out


def batch_independent(module):
    """Whether one call of ``module`` on concatenated inputs equals one call per input.

    True unless the module holds batch norm in training mode (its statistics mix
    the samples of a batch) or a parametrisation such as spectral norm (whose
    power iteration advances once per call). Instance norm, layer norm and plain
    layers compute each sample on its own, so the results agree up to float
    rounding.

    Examples
    --------
    >>> from torch import nn
    >>> from skgan.training import batch_independent
    >>> batch_independent(nn.Sequential(nn.Conv2d(1, 4, 3), nn.InstanceNorm2d(4)))
    True
    >>> batch_independent(nn.BatchNorm2d(4))  # a new module is in training mode
    False
    >>> batch_independent(nn.BatchNorm2d(4).eval())
    True
    """
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training:
            return False
        if parametrize.is_parametrized(m):
            return False
    return True


def native_precision(precision, device):
    """Whether ``device`` has native kernels for ``precision``: True, False, or None
    (unknown).

    A CPU without bfloat16 instructions (AVX512-BF16 or AMX) runs
    ``torch.autocast``'s bfloat16 convolutions by emulation, many times slower
    than float32 (``GANDomainAdapter()``'s step: 14x slower on an AVX2 CPU,
    BENCHMARKS.md), and a CPU without AMX-FP16 does the same for float16.
    Estimators warn before training in that case. Accelerators and "fp32" are
    taken as native.

    Parameters
    ----------
    precision : {"fp32", "bf16", "fp16"}
    device : str or torch.device

    Returns
    -------
    bool or None

    Examples
    --------
    >>> from skgan.training import native_precision
    >>> native_precision("fp32", "cpu")
    True
    >>> native_precision("bf16", "cpu") in (True, False, None)
    True
    """
    if precision == "fp32" or torch.device(device).type != "cpu":
        return True
    names = {"bf16": ("_is_avx512_bf16_supported", "_is_amx_tile_supported"),
             "fp16": ("_is_amx_fp16_supported",)}[precision]
    checks = [getattr(torch.cpu, name, None) for name in names]
    if any(check is None for check in checks):  # this torch cannot tell
        return None
    return any(check() for check in checks)


def reencode(x, reencoder):
    """``x`` in another domain's encoding: ``reencoder(x)``, a :class:`~skgan._data.Reencoder`
    from :meth:`DomainSpec.reencoder <skgan._data.DomainSpec.reencoder>`; None: ``x``.
    (Objectives pickled before the reencoder was an object hold ``(a, b)``: ``x * a + b``.)"""
    if reencoder is None:
        return x
    if isinstance(reencoder, tuple):
        a, b = reencoder
        return x * a.to(x) + b.to(x)
    return reencoder(x)


class ImagePool:
    """Buffer of past generated samples for discriminator updates.

    From Shrivastava et al. (2017), as used by CycleGAN: once the pool holds
    ``pool_size`` samples, each new sample is, with probability 0.5, swapped for a
    random stored one, which is returned instead. ``pool_size=0`` returns the input.

    Parameters
    ----------
    pool_size : int
        Number of samples kept.
    generator : torch.Generator
        CPU generator for every random choice the pool makes.

    Examples
    --------
    >>> import torch
    >>> from skgan.training import ImagePool
    >>> pool = ImagePool(4, torch.Generator().manual_seed(0))
    >>> pool.query(torch.zeros(3, 2)).shape
    torch.Size([3, 2])
    """

    def __init__(self, pool_size, generator):
        self.pool_size = int(pool_size)
        self.generator = generator
        self.samples = []

    def to(self, device):
        """Move the stored samples to ``device`` (in place); returns the pool."""
        self.samples = [sample.to(device) for sample in self.samples]
        return self

    def query(self, batch):
        if self.pool_size == 0:
            return batch
        batch = batch.detach()
        out = list(batch.unbind(0))
        n_fill = min(len(out), self.pool_size - len(self.samples))
        self.samples += [sample.clone() for sample in out[:n_fill]]
        n_rest = len(out) - n_fill
        if n_rest:
            # the draws for a whole batch at once (two host reads, not two per sample);
            # the swaps then run in order, so a slot drawn twice passes its sample on
            swap = (torch.rand(n_rest, generator=self.generator) < 0.5).tolist()
            slots = torch.randint(self.pool_size, (n_rest,), generator=self.generator).tolist()
            for k, (take, i) in enumerate(zip(swap, slots), start=n_fill):
                if take:
                    out[k], self.samples[i] = self.samples[i], out[k].clone()
        return torch.stack(out)


class LinearDecay:
    """Learning-rate factor: constant, then linear decay to zero over the last epochs.

    The factor at (0-based) epoch ``e`` is ``1 - max(0, e + 1 - n_constant) /
    (n_decay + 1)`` with ``n_constant = max_epochs - n_decay``: the reference
    CycleGAN schedule. A plain callable class so that it pickles.

    Parameters
    ----------
    max_epochs : int
    decay_fraction : float in [0, 1]
        Fraction of the epochs, at the end, over which the rate decays.

    Examples
    --------
    >>> from skgan.training import LinearDecay
    >>> f = LinearDecay(4, 0.5)
    >>> [round(f(e), 3) for e in range(4)]
    [1.0, 1.0, 0.667, 0.333]
    """

    def __init__(self, max_epochs, decay_fraction):
        self.n_decay = int(round(max_epochs * decay_fraction))
        self.n_constant = max_epochs - self.n_decay

    def __call__(self, epoch):
        return 1.0 - max(0, epoch + 1 - self.n_constant) / float(self.n_decay + 1)


class MultiOptimizerLRScheduler(LRScheduler):
    """skorch's :class:`~skorch.callbacks.LRScheduler` applied to *every* optimizer.

    skorch's callback schedules only ``net.optimizer_``; a GAN has one optimizer
    per network group. This subclass builds one scheduler per optimizer the net
    registered and steps all of them; the learning rate recorded under
    ``event_name`` is the generator optimizer's.

    Examples
    --------
    >>> from torch.optim.lr_scheduler import LambdaLR
    >>> from skgan.training import LinearDecay, MultiOptimizerLRScheduler
    >>> cb = MultiOptimizerLRScheduler(LambdaLR, lr_lambda=LinearDecay(10, 0.5))
    """

    def on_train_begin(self, net, **kwargs):
        # A scheduler built on a fitted net resumes at epoch len(history) (skorch's
        # rule), which torch allows only once each group records its initial lr.
        for name in net._optimizers:
            for group in getattr(net, name + "_").param_groups:
                group.setdefault("initial_lr", group["lr"])
        super().on_train_begin(net, **kwargs)
        self.lr_schedulers_ = [self.lr_scheduler_] + [
            self._get_scheduler(_OptimizerView(net, name), self.policy_, **self.kwargs)
            for name in net._optimizers
            if name != "optimizer"
        ]

    def _step(self, net, lr_scheduler, score=None):
        for scheduler in self.lr_schedulers_:
            super()._step(net, scheduler, score=score)


class _OptimizerView:
    """The bits of a net that skorch's ``LRScheduler._get_scheduler`` reads, with
    another of its optimizers in the place of ``optimizer_``."""

    def __init__(self, net, name):
        self.history = net.history
        self.optimizer_ = getattr(net, name + "_")


class AdversarialObjective:
    """The loss terms of one GAN family; the engine does everything else.

    Subclasses return dicts of named, already weighted scalar terms; the engine
    sums them, backpropagates, steps the optimizers and records every term in the
    history under its name. ``term_names`` lists them (generator terms first).
    """

    generator_terms = ()
    discriminator_terms = ()

    def generator_losses(self, net, source, target, y, y_target=None):
        """Return ``(terms, fakes)``: loss terms and generated tensors for the D step.

        ``y`` are the source batch's labels (a placeholder when the estimator got
        none); ``y_target`` the target batch's labels, -1 where unknown, or None.
        """
        raise NotImplementedError

    def discriminator_losses(self, net, source, target, fakes, y_target=None):
        """Return the discriminator loss terms; ``fakes`` are detached."""
        raise NotImplementedError


class AdversarialNet(NeuralNet):
    """skorch net that trains generators and discriminators adversarially.

    Parameters
    ----------
    module : torch.nn.Module
        The generator group (usually an :class:`torch.nn.ModuleDict`); becomes
        ``module_``, optimised by ``optimizer_``.
    discriminator : torch.nn.Module
        The discriminator group; becomes ``discriminator_``, optimised by
        ``discriminator_optimizer_`` (same class as ``optimizer``; its arguments go
        with the ``discriminator_optimizer__`` prefix).
    objective : AdversarialObjective
        The loss terms.
    seed : int
        Seeds the CPU generator ``rng_`` behind shuffling, target sampling, the
        image pools and noise.
    pool_size : int
        Size of each image pool (see :meth:`pool`).
    frozen : dict or None
        Parameter-name prefixes to keep fixed, per group:
        ``{"module": [...], "discriminator": [...]}`` (names as in
        ``module_.named_parameters()``; see :mod:`skgan.nn.freezing`). Frozen
        parameters get no gradient and no optimizer (so no weight decay or
        momentum reaches them), and frozen modules holding buffers (batch norm
        statistics, spectral-norm vectors) stay in eval mode during training:
        frozen weights and buffers come out of ``fit`` bit-identical.
    ema_decay : float in [0, 1) or None
        Keep ``module_ema_``, an exponential moving average of the generator
        group's weights (Karras et al., 2018): after every generator update,
        ``avg += (1 - ema_decay) * (weight - avg)``; buffers are copied. It
        starts as a copy of the initial weights, and frozen parameters are
        never touched, so they stay bit-identical. None keeps no average.
    ema_warmup : bool, default=False
        Ramp the decay up over the first updates: update ``t`` (from 0) uses
        ``min(ema_decay, (1 + t) / (10 + t))``, as TensorFlow's
        ``ExponentialMovingAverage(num_updates=...)`` does, so early averages
        follow the weights instead of lagging at their start (0.1 at the
        first update, 0.9 after 80, 0.99 after 890). The count is saved in
        the training state.
    historical_averaging : float, default=0.0
        Weight of historical averaging (Salimans et al., 2016): each group's
        loss gets ``historical_averaging * ||theta - mean(theta_0..theta_t-1)||^2``,
        the squared distance of its trainable parameters from their average
        over all earlier steps (recorded as ``g_hist_avg`` and ``d_hist_avg``).
        0 disables it.
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Arithmetic of the training steps' forward passes: "bf16" and "fp16" run
        them under :func:`torch.autocast` (weights, optimizer state and loss
        sums stay float32); "fp16" also scales the losses with a
        :class:`torch.amp.GradScaler` (one for both optimizers, updated once
        per step; steps whose gradients overflow are skipped, as PyTorch's AMP
        recipe does). Inference (``apply_module``) always runs in float32.
    log_sync : {"auto", "step", "epoch"}, default="auto"
        When the loss values are read back to the host. "step": after every
        step (each term a float in the history at once; a non-finite loss
        raises before its update). "epoch": the step records 0-d device
        tensors and the epoch's values are read in one transfer before the
        epoch-end callbacks, so a GPU never waits for the host inside an epoch;
        a non-finite loss then raises at the end of its epoch (the fit still
        fails and leaves no fitted or half-updated estimator). "auto": "step"
        on CPU or with ``verbose`` (the progress bar shows every batch),
        "epoch" otherwise.
    data_parallel : bool, default=False
        Train one model over the processes of the default ``torch.distributed``
        group (one per device; :func:`skgan._parallel.ensure_process_group`
        joins or creates it). Every process walks the same shuffled global
        batches of ``world_size * batch_size`` samples, takes its contiguous
        share of each (and of the target rows and noise drawn for it), and
        before each optimizer step the gradients are averaged over the
        processes, weighted by their shares: the update is the one a single
        process would make on the whole global batch (up to float rounding),
        and the weights stay identical everywhere. Recorded losses are the
        global batch's. Draws that depend on a process's own rows (image
        pools, augmentation, gradient-penalty mixing, label sampling) use a
        per-process generator; training-mode batch norm sees only the local
        rows, and buffers follow rank 0 after every step (as DDP's default).
    channels_last : bool, default=False
        Train image networks in the ``torch.channels_last`` memory format
        (weights, batches, target rows): faster convolutions on GPUs with
        tensor cores, notably under bf16/fp16; on CPU about the same speed.
        Results equal the default layout's up to float rounding.
    compile_networks : bool or dict, default=False
        ``torch.compile`` every generator and discriminator for the training
        steps (a dict: ``torch.compile``'s keyword arguments, e.g.
        ``{"mode": "reduce-overhead"}`` or ``{"backend": "eager"}``). Compiled
        in place (``nn.Module.compile``), so names, freezing and saving are
        unchanged; the compiled code is dropped when ``fit`` ends, and
        inference runs eagerly. The first steps pay the compilation.
    criterion : default=GANLoss
        The adversarial loss; ``criterion__mode`` picks lsgan/vanilla/hinge/wgan-gp.
    **kwargs
        Anything :class:`skorch.NeuralNet` takes.

    Notes
    -----
    The net's ``train_loss`` is the total generator loss (also recorded as
    ``g_loss``); ``d_loss`` is the total discriminator loss; each loss term is
    recorded under its own name, per batch and per epoch.

    Adam and AdamW run with ``fused=True`` (one vectorised update kernel)
    unless ``optimizer__fused`` or ``optimizer__foreach`` is given. Where a
    network's calls cannot tell (:func:`batch_independent`), objectives pass
    several inputs to it as one batch (:meth:`forward_batched`).

    Ctrl-C during training is deferred to the end of the running step, which
    completes; training then stops with the weights of that step (skorch's
    ``EarlyStopping`` stops at the end of an epoch). A non-finite loss raises
    :class:`FloatingPointError` before the offending update. After training the
    image pools are moved to the CPU, so that nothing device-bound is left
    outside the modules and optimizers (which skorch maps on unpickling).
    """

    def __init__(
        self,
        module,
        *,
        discriminator,
        objective,
        seed=0,
        pool_size=50,
        frozen=None,
        ema_decay=None,
        ema_warmup=False,
        historical_averaging=0.0,
        precision="fp32",
        log_sync="auto",
        data_parallel=False,
        channels_last=False,
        compile_networks=False,
        criterion=GANLoss,
        optimizer=torch.optim.Adam,
        **kwargs,
    ):
        # set before NeuralNet.__init__: afterwards skorch treats modules as components
        self.discriminator = discriminator
        self.objective = objective
        self.seed = seed
        self.pool_size = pool_size
        self.frozen = frozen
        self.ema_decay = ema_decay
        self.ema_warmup = ema_warmup
        self.historical_averaging = historical_averaging
        self.precision = precision
        self.log_sync = log_sync
        self.data_parallel = data_parallel
        self.channels_last = channels_last
        self.compile_networks = compile_networks
        kwargs.setdefault("train_split", None)
        super().__init__(module, criterion=criterion, optimizer=optimizer, **kwargs)

    # ----------------------------------------------------------------- set-up
    @property
    def _default_callbacks(self):
        names = ("g_loss", "d_loss", *self.objective.generator_terms,
                 *self.objective.discriminator_terms, "g_hist_avg", "d_hist_avg")
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            *[(n, PassthroughScoring(name=n, on_train=True)) for n in names],
            ("print_log", PrintLog()),
        ]

    def initialize_module(self):
        super().initialize_module()
        self.discriminator_ = self.initialized_instance(
            self.discriminator, self.get_params_for("discriminator")
        )
        self._freeze()
        if self.ema_decay is not None:
            # registered with skorch as "module_ema": moved, pickled and saved with the rest
            self.module_ema_ = copy.deepcopy(self.module_).requires_grad_(False)
        return self

    @torch.no_grad()
    def update_ema(self):
        """Move ``module_ema_`` towards the generator group's current weights."""
        if self.ema_decay is None:
            return
        decay = self.ema_decay
        if self.ema_warmup:
            steps = getattr(self, "ema_steps_", 0)
            decay = min(decay, (1.0 + steps) / (10.0 + steps))
            self.ema_steps_ = steps + 1
        for avg, weight in zip(self.module_ema_.parameters(), self.module_.parameters()):
            if weight.requires_grad:  # frozen weights never change, nor their average
                avg.lerp_(weight, 1.0 - decay)
        for avg, buffer in zip(self.module_ema_.buffers(), self.module_.buffers()):
            avg.copy_(buffer)

    def _freeze(self):
        """Stop gradients to frozen parameters; remember the modules to keep in eval mode."""
        # names, not modules: they must keep pointing into module_ after unpickling
        self.frozen_module_names_ = []
        for group, prefixes in (self.frozen or {}).items():
            module = getattr(self, group + "_")
            for name, param in module.named_parameters():
                if matches_prefix(name, prefixes):
                    param.requires_grad_(False)
            names = {id(m): n for n, m in module.named_modules()}
            self.frozen_module_names_ += [(group, names[id(m)])
                                          for m in frozen_modules(module, prefixes)]

    def _set_training(self, training=True):
        super()._set_training(training)
        if training:
            for group, name in getattr(self, "frozen_module_names_", ()):
                getattr(self, group + "_").get_submodule(name).eval()
        if getattr(self, "module_ema_", None) is not None:
            self.module_ema_.eval()  # read, never trained

    def initialize_optimizer(self, triggered_directly=None):
        def make(prefix, module):
            named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
            args, kwargs = self.get_params_for_optimizer(prefix, named)
            if not named:  # everything frozen: an optimizer that steps nothing
                args = ([{"params": []}],)
            elif self._fusable(kwargs, [p for _, p in named]):
                # one vectorised kernel for the whole update: 2-3x faster than the
                # per-tensor loop on CPU, the same arithmetic up to float rounding
                kwargs["fused"] = True
            return self.optimizer(*args, **kwargs)

        self.optimizer_ = make("optimizer", self.module_)
        self.discriminator_optimizer_ = make("discriminator_optimizer", self.discriminator_)
        return self

    def _fusable(self, kwargs, params):
        """Whether the optimizer can take ``fused=True`` the user did not decide on."""
        if self.optimizer not in (torch.optim.Adam, torch.optim.AdamW):
            return False
        if "fused" in kwargs or "foreach" in kwargs or kwargs.get("differentiable"):
            return False
        return all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)

    def initialize(self):
        super().initialize()
        self.rng_ = torch.Generator().manual_seed(int(self.seed))
        self.image_pools_ = {}
        self.historical_average_, self.historical_steps_ = None, 0
        self._target_order, self._target_pos = None, 0
        self.grad_scaler_ = None
        self.local_rng_ = None
        self.device_rng_state_ = None
        self.ema_steps_ = 0
        return self

    # ------------------------------------------------------------------ devices
    def _on_cuda(self):
        return torch.device(self.device).type == "cuda"

    def _to_device(self, x):
        """A CPU batch onto the net's device: pinned and copied without blocking on
        CUDA, in ``channels_last`` when asked (4-D samples)."""
        if x is None:
            return None
        cuda = self._on_cuda()
        if cuda and not x.is_pinned():
            x = x.pin_memory()
        kwargs = {"non_blocking": cuda}
        if self.channels_last and x.dim() == 4:
            kwargs["memory_format"] = torch.channels_last
        return x.to(self.device, **kwargs)

    def _prepare_networks(self):
        """At the start of training: layout, compilation and the device generator."""
        networks = [getattr(self, name + "_") for name in self._modules
                    if getattr(self, name + "_", None) is not None]
        if self.channels_last:
            for module in networks:
                module.to(memory_format=torch.channels_last)  # in place: same parameters
            for name in self._optimizers:
                for state in getattr(self, name + "_").state.values():
                    for key, value in state.items():
                        if isinstance(value, torch.Tensor) and value.dim() == 4:
                            state[key] = value.contiguous(memory_format=torch.channels_last)
        if self.compile_networks:
            options = self.compile_networks if isinstance(self.compile_networks, dict) else {}
            for group in (self.module_, self.discriminator_):
                for network in self._networks(group):
                    network.compile(**options)
        # noise on CUDA comes from a CUDA generator (other numbers than the CPU's)
        self.device_rng_ = None
        if self._on_cuda():
            self.device_rng_ = torch.Generator(device=self.device)
            state = getattr(self, "device_rng_state_", None)
            if state is None:
                self.device_rng_.manual_seed(int(self.seed) + 1)
            else:
                self.device_rng_.set_state(state)

    @staticmethod
    def _networks(group):
        return list(group.values()) if isinstance(group, nn.ModuleDict) else [group]

    def _release_networks(self):
        """At the end of training: drop compiled code and the device generator (kept
        as a CPU state), so that nothing device-bound or compiled is pickled."""
        for group in (self.module_, self.discriminator_):
            for network in self._networks(group):
                network._compiled_call_impl = None
        generator = getattr(self, "device_rng_", None)
        if generator is not None:
            self.device_rng_state_ = generator.get_state()
        self.device_rng_ = None

    # ------------------------------------------------------------ data parallel
    def _setup_parallel(self):
        """Join the process group (``data_parallel``) and make every process start
        from rank 0's weights; sets ``rank_`` and ``world_size_``."""
        self._shard = None
        if not self.data_parallel:
            self.rank_, self.world_size_ = 0, 1
            return
        self.rank_, self.world_size_ = _parallel.ensure_process_group(self.device)
        if self.world_size_ > 1:
            for name in self._modules:
                _parallel.broadcast_module(getattr(self, name + "_"))
            if getattr(self, "local_rng_", None) is None:
                self.local_rng_ = torch.Generator().manual_seed(
                    int(self.seed) + 1_000_003 * (self.rank_ + 1))

    @property
    def local_rng(self):
        """Generator of the draws made per sample of this process's rows (image
        pools, augmentation, penalty mixing): ``rng_`` itself in one process; with
        ``data_parallel``, one per process (see ``data_parallel``)."""
        local = getattr(self, "local_rng_", None)
        return self.rng_ if local is None else local

    def _world(self):
        return getattr(self, "world_size_", 1)

    def _reduce(self, tensors):
        """Global-batch means of this process's per-shard values (in place)."""
        if getattr(self, "_shard", None) is not None:
            _parallel.all_reduce_mean(tensors, self._shard[2])

    # ---------------------------------------------------------------- precision
    _AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

    def _autocast(self):
        """The forward passes' autocast context (a no-op context in fp32)."""
        dtype = self._AUTOCAST_DTYPES.get(self.precision)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=torch.device(self.device).type, dtype=dtype)

    def _scaler(self):
        """The fp16 gradient scaler (created on first use), else None."""
        if self.precision != "fp16":
            return None
        if getattr(self, "grad_scaler_", None) is None:
            self.grad_scaler_ = torch.amp.GradScaler(torch.device(self.device).type)
        return self.grad_scaler_

    def _backward_and_step(self, loss, optimizer):
        scaler = self._scaler()
        if not loss.requires_grad:  # every parameter frozen: nothing to update
            optimizer.step()
            return
        (loss if scaler is None else scaler.scale(loss)).backward()
        if getattr(self, "_shard", None) is not None:
            # the global batch's gradient, the same on every process; a parameter
            # this process's rows gave no gradient joins with zeros, so every
            # process reduces the same tensors
            params = [p for group in optimizer.param_groups for p in group["params"]]
            for p in params:
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
            self._reduce([p.grad for p in params])
        if scaler is None:
            optimizer.step()
        else:
            scaler.step(optimizer)
            self._scaled_steps += 1
        # free the gradients once used: the other network's update then runs without
        # them (lower peak memory; each update starts from zero_grad anyway)
        optimizer.zero_grad(set_to_none=True)

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=False)
        kwargs = self.get_params_for("iterator_train")
        kwargs.setdefault("batch_size", self.batch_size)
        kwargs.setdefault("shuffle", True)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        kwargs.setdefault("pin_memory", self._on_cuda())
        # data parallel: every process walks the same global batches, then takes its share
        if self._world() > 1 and len(dataset) < self._world():
            raise ValueError(f"data_parallel over {self._world()} processes needs at least "
                             f"as many training samples; got {len(dataset)}.")
        kwargs["batch_size"] *= self._world()
        if isinstance(dataset, TrainingData):  # batches come assembled (one read per batch)
            kwargs.setdefault("collate_fn", collate_batch)
        # an incomplete last batch of one sample would break batch statistics
        kwargs.setdefault("drop_last", len(dataset) > kwargs["batch_size"])
        kwargs["generator"] = self.rng_
        return self.iterator_train(dataset, **kwargs)

    # ------------------------------------------------------- helpers for losses
    def pool(self, name, batch):
        """Query the image pool ``name`` (created on first use)."""
        if name not in self.image_pools_:
            self.image_pools_[name] = ImagePool(self.pool_size, self.local_rng)
        return self.image_pools_[name].query(batch)

    def forward_batched(self, module, *inputs):
        """``[module(x) for x in inputs]``, in one call where that cannot change them.

        When ``module`` is :func:`batch_independent` the inputs are concatenated
        and passed at once (fewer, larger kernels: the same results up to float
        rounding, faster on small batches); otherwise one call per input, in order.
        An input may be a tuple of arguments (e.g. samples and labels), which are
        concatenated position by position.
        """
        calls = [x if isinstance(x, tuple) else (x,) for x in inputs]
        if len(calls) < 2 or not batch_independent(module):
            return [module(*args) for args in calls]
        joined = [torch.cat(parts) for parts in zip(*calls)]
        return list(module(*joined).split([len(args[0]) for args in calls]))

    def randn(self, *shape):
        """Standard normal noise from ``rng_``, on the net's device.

        With ``data_parallel``, noise with one row per sample of this process's
        share is drawn for the whole global batch, of which the share's rows are
        returned: the same numbers a single process would give those samples.
        """
        generator = getattr(self, "device_rng_", None)
        part = getattr(self, "_shard", None)
        if part is not None and shape and shape[0] == part[1].stop - part[1].start:
            shape, rows = (part[0], *shape[1:]), part[1]
        else:
            rows = None
        if generator is None:
            noise = torch.randn(*shape, generator=self.rng_)
            noise = noise if rows is None else noise[rows]
            return noise.to(self.device)
        noise = torch.randn(*shape, generator=generator, device=self.device)
        return noise if rows is None else noise[rows]

    def draw_target(self, n, rows=None):
        """Next ``n`` target samples and their labels (None when there are none).

        An endless walk over the target data, reshuffled on every pass. ``rows``
        (a slice of the ``n``): read and return only those, the walk still
        advancing by ``n`` (a data-parallel process's share).
        """
        data = self.target_data_
        idx = []
        while len(idx) < n:
            if self._target_order is None or self._target_pos >= len(self._target_order):
                self._target_order = torch.randperm(len(data), generator=self.rng_)
                self._target_pos = 0
            take = self._target_order[self._target_pos : self._target_pos + n - len(idx)]
            self._target_pos += len(take)
            idx.extend(take.tolist())
        idx = torch.as_tensor(idx if rows is None else idx[rows])
        labels = getattr(self, "target_labels_", None)
        return self._to_device(data[idx]), None if labels is None else self._to_device(labels[idx])

    # ------------------------------------------------------------- training
    def _deferred_logs(self):
        """Whether this fit reads its loss values once per epoch (see ``log_sync``)."""
        if self.log_sync == "auto":
            return torch.device(self.device).type != "cpu" and not self.verbose
        return self.log_sync == "epoch"

    def _read_logs(self, check=True):
        """Turn the epoch's recorded 0-d tensors into floats (one transfer), then
        raise on the first non-finite loss when ``check``."""
        if not self.history:
            return
        batches = self.history[-1].get("batches", [])
        cells = [(batch, key) for batch in batches for key, value in batch.items()
                 if isinstance(value, torch.Tensor)]
        if not cells:
            return
        values = torch.stack([batch[key].float().reshape(()) for batch, key in cells]).tolist()
        for (batch, key), value in zip(cells, values):
            batch[key] = value
        if not check:
            return
        for i, batch in enumerate(batches):
            for which, key in (("generator", "g_loss"), ("discriminator", "d_loss")):
                if key in batch and not torch.isfinite(torch.tensor(batch[key])):
                    detail = ", ".join(f"{k}={v:.4g}" for k, v in batch.items()
                                       if isinstance(v, float) and k not in ("g_loss", "d_loss"))
                    raise FloatingPointError(
                        f"The {which} loss became {batch[key]} at epoch {len(self.history)} "
                        f"(batch {i + 1}) [{detail}]; found at the end of the epoch "
                        "(log_sync='epoch'). Lower lr, or check the data for extreme values.")

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, reading the step's loss only when ``log_sync`` says so."""
        if iterator is None:
            return
        deferred = training and self._deferred_logs()
        batch_count = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            loss = step["loss"].detach() if deferred else step["loss"].item()
            self.history.record_batch(prefix + "_loss", loss)
            size = len(batch[0]) if isinstance(batch, (tuple, list)) else len(batch)
            self.history.record_batch(prefix + "_batch_size", size)
            self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def _check_finite(self, loss, which, terms):
        if self._deferred_logs():  # checked when the epoch's values are read
            return
        if not torch.isfinite(loss):
            detail = ", ".join(f"{k}={v.item():.4g}" for k, v in terms.items())
            raise FloatingPointError(
                f"The {which} loss became {loss.item()} at epoch {len(self.history)} "
                f"(batch {len(self.history[-1]['batches']) + 1}) [{detail}]; training "
                "stopped before this update. Lower lr, or check the data for extreme values."
            )

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        if isinstance(batch, (tuple, list)):
            source, y = batch
        else:
            source, y = batch, None
        n, rows = len(source), None
        if self._world() > 1:  # this process's share of the global batch
            rows = _parallel.shard(n, self.rank_, self._world())
            self._shard = (n, rows, (rows.stop - rows.start) / n)
            source, y = source[rows], None if y is None else y[rows]
        has_target = getattr(self, "target_data_", None) is not None
        target, y_target = self.draw_target(n, rows) if has_target else (None, None)
        source = self._to_device(source)
        y = self._to_device(y) if isinstance(y, torch.Tensor) else None
        d_params = [p for g in self.discriminator_optimizer_.param_groups for p in g["params"]]

        # generator update, discriminators frozen
        for p in d_params:
            p.requires_grad_(False)
        self._scaled_steps = 0
        self.optimizer_.zero_grad(set_to_none=True)
        with self._autocast():
            g_terms, fakes = self.objective.generator_losses(self, source, target, y, y_target)
        g_terms = {name: term.float() for name, term in g_terms.items()}
        if self.historical_averaging > 0:
            g_terms["g_hist_avg"] = self._historical_penalty("optimizer")
        g_loss = sum(g_terms.values(), torch.zeros((), device=self.device))
        g_logged = self._global_values(g_loss, g_terms)
        self._check_finite(g_logged[0], "generator", g_logged[1])
        self._backward_and_step(g_loss, self.optimizer_)
        self.update_ema()

        # discriminator update on detached fakes
        for p in d_params:
            p.requires_grad_(True)
        self.discriminator_optimizer_.zero_grad(set_to_none=True)
        # float32 fakes (autocast renders in bf16/fp16): the pools keep one dtype
        fakes = {k: v.detach().float() if v.is_floating_point() else v.detach()
                 for k, v in fakes.items()}
        with self._autocast():
            d_terms = self.objective.discriminator_losses(self, source, target, fakes, y_target)
        d_terms = {name: term.float() for name, term in d_terms.items()}
        if self.historical_averaging > 0:
            d_terms["d_hist_avg"] = self._historical_penalty("discriminator_optimizer")
        d_loss = sum(d_terms.values(), torch.zeros((), device=self.device))
        d_logged = self._global_values(d_loss, d_terms)
        self._check_finite(d_logged[0], "discriminator", d_logged[1])
        self._backward_and_step(d_loss, self.discriminator_optimizer_)
        if self._scaled_steps:
            self.grad_scaler_.update()  # once per training step, after both optimizers
        self._update_historical_average()
        if self._shard is not None:  # buffers (batch-norm statistics) follow rank 0
            for name in ("module", "discriminator"):
                _parallel.broadcast_module(getattr(self, name + "_"), buffers_only=True)
        self._shard = None

        read = (lambda v: v.detach()) if self._deferred_logs() else (lambda v: v.item())
        record = self.history.record_batch
        record("g_loss", read(g_logged[0]))
        record("d_loss", read(d_logged[0]))
        for name, value in {**g_logged[1], **d_logged[1]}.items():
            record(name, read(value))
        return {"loss": g_logged[0], "y_pred": None}

    def _global_values(self, loss, terms):
        """Detached ``loss`` and ``terms``: the global batch's values with
        ``data_parallel`` (one collective), this process's otherwise."""
        if getattr(self, "_shard", None) is None:
            return loss.detach(), {name: value.detach() for name, value in terms.items()}
        loss = loss.detach().clone()
        terms = {name: value.detach().clone() for name, value in terms.items()}
        self._reduce([loss, *terms.values()])
        return loss, terms

    def _trainable(self, optimizer):
        return [p for group in getattr(self, optimizer + "_").param_groups for p in group["params"]]

    def _historical_penalty(self, optimizer):
        """``historical_averaging`` times the squared distance of the parameters an
        optimizer trains from their average over the earlier steps."""
        if self.historical_average_ is None:  # the first step: the average is the start
            self.historical_average_ = {
                name: [p.detach().clone() for p in self._trainable(name)]
                for name in ("optimizer", "discriminator_optimizer")}
            self.historical_steps_ = 1
        params = self._trainable(optimizer)
        distance = sum(((p - avg) ** 2).sum()
                       for p, avg in zip(params, self.historical_average_[optimizer]))
        return self.historical_averaging * torch.as_tensor(distance, device=self.device)

    @torch.no_grad()
    def _update_historical_average(self):
        if self.historical_average_ is None:
            return
        self.historical_steps_ += 1
        for name, averages in self.historical_average_.items():
            for p, avg in zip(self._trainable(name), averages):
                avg.add_(p - avg, alpha=1.0 / self.historical_steps_)

    def _averages_to(self, device):
        if self.historical_average_ is not None:
            self.historical_average_ = {name: [t.to(device) for t in tensors]
                                        for name, tensors in self.historical_average_.items()}

    # --------------------------------------------------- state and interrupts
    def training_state(self, device="cpu"):
        """Everything that decides how training continues, copied to ``device``.

        Module and optimizer states, the random generator, the image pools, the
        walk over the target data and the number of epochs run: restoring it
        (:meth:`load_training_state`) and training on gives what an uninterrupted
        run would have given (bitwise on CPU).
        """
        def copy(value):
            if isinstance(value, torch.Tensor):
                return value.detach().to(device, copy=True)
            if isinstance(value, dict):
                return {k: copy(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(copy(v) for v in value)
            return value

        state = {name: copy(getattr(self, name + "_").state_dict())
                 for name in self._modules + self._optimizers}
        state["rng"] = self.rng_.get_state()
        generator = getattr(self, "device_rng_", None)
        state["device_rng"] = (generator.get_state() if generator is not None
                               else getattr(self, "device_rng_state_", None))
        averages = getattr(self, "historical_average_", None)
        state["historical_average"] = None if averages is None else copy(averages)
        state["historical_steps"] = int(getattr(self, "historical_steps_", 0))
        state["ema_steps"] = int(getattr(self, "ema_steps_", 0))
        scaler = getattr(self, "grad_scaler_", None)
        state["grad_scaler"] = None if scaler is None else scaler.state_dict()
        state["pools"] = {name: copy(pool.samples) for name, pool in self.image_pools_.items()}
        order = self._target_order
        state["target_walk"] = None if order is None else [order.clone(), int(self._target_pos)]
        state["n_epochs"] = len(self.history)
        return state

    def load_training_state(self, state):
        """Load a :meth:`training_state` back (the history is the caller's business)."""
        for name in self._modules + self._optimizers:
            getattr(self, name + "_").load_state_dict(state[name])
        self.rng_.set_state(state["rng"])
        self.device_rng_state_ = state.get("device_rng")
        if getattr(self, "device_rng_", None) is not None and self.device_rng_state_ is not None:
            self.device_rng_.set_state(self.device_rng_state_)
        averages = state.get("historical_average")
        self.historical_average_ = None if averages is None else {
            name: [t.to(self.device, copy=True) for t in tensors]
            for name, tensors in averages.items()}
        self.historical_steps_ = int(state.get("historical_steps", 0))
        self.ema_steps_ = int(state.get("ema_steps", 0))
        self.grad_scaler_ = None
        if state.get("grad_scaler") and self._scaler() is not None:
            self._scaler().load_state_dict(state["grad_scaler"])
        self.image_pools_ = {}
        for name, samples in state["pools"].items():
            self.image_pools_[name] = ImagePool(self.pool_size, self.local_rng)
            self.image_pools_[name].samples = [s.to(self.device) for s in samples]
        walk = state["target_walk"]
        self._target_order = None if walk is None else walk[0].clone()
        self._target_pos = 0 if walk is None else int(walk[1])

    def pools_to(self, device):
        """Move every image pool's samples to ``device``."""
        for pool in self.image_pools_.values():
            pool.to(device)

    def notify(self, method_name, **cb_kwargs):
        if method_name == "on_epoch_end":
            self._read_logs()  # the epoch-end callbacks (scoring, early stopping) see floats
        super().notify(method_name, **cb_kwargs)
        # a deferred Ctrl-C takes effect once the step and its callbacks are done
        if method_name == "on_batch_end" and getattr(self, "_interrupt_requested", False):
            raise KeyboardInterrupt

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop, with Ctrl-C deferred to the end of the running step.

        An interrupt (SIGINT in the main thread) lets the current generator and
        discriminator updates finish, then stops: the weights are never left
        half-updated, and the partial epoch's batches stay in the history.
        """
        self._interrupt_requested = False
        self._setup_parallel()
        self._prepare_networks()
        self.pools_to(self.device)
        self._averages_to(self.device)
        previous = None
        if threading.current_thread() is threading.main_thread():
            def defer(signum, frame):
                self._interrupt_requested = True

            previous = signal.signal(signal.SIGINT, defer)
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            # nothing device-bound stays outside the modules and optimizers (an
            # interrupted epoch's deferred values are read too)
            self._read_logs(check=False)
            self._release_networks()
            self.pools_to("cpu")
            self._averages_to("cpu")
            self._interrupt_requested = False


def default_callbacks(*, max_epochs, lr_decay, verbose, user_callbacks):
    """Callbacks every skgan fit uses: LR decay on all optimizers, a progress bar."""
    callbacks = []
    if lr_decay > 0:
        callbacks.append(
            ("lr_decay", MultiOptimizerLRScheduler(
                LambdaLR, lr_lambda=LinearDecay(max_epochs, lr_decay), event_name="lr"))
        )
    if verbose:
        # tqdm's notebook widget needs ipywidgets; without it, a text bar (not a crash)
        notebook = importlib.util.find_spec("ipywidgets") is not None
        callbacks.append(("progress_bar", ProgressBar(postfix_keys=["g_loss", "d_loss"],
                                                      detect_notebook=notebook)))
    callbacks.extend(user_callbacks or [])
    return callbacks
