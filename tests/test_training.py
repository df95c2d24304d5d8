"""The adversarial engine on skorch: schedules, callbacks, failures, interrupts."""

import os
import pickle
import signal
import warnings

import numpy as np
import pytest
import torch
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, Checkpoint, EarlyStopping

from skgan import CycleGANTranslator
from skgan.training import ImagePool, LinearDecay

TINY = dict(max_epochs=4, batch_size=16, n_filters=4, n_blocks=1, random_state=0)


def data(n=48, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, X @ rng.randn(3, 3) + 2.0


def test_history_records_every_loss_per_epoch_and_batch():
    X, Xt = data()
    tr = CycleGANTranslator(**TINY).fit(X, X_target=Xt)
    h = tr.history_
    assert len(h) == 4
    for key in ["train_loss", "g_loss", "d_loss", "g_adv", "cycle", "identity", "d_adv", "lr"]:
        values = h[:, key]
        assert len(values) == 4 and np.all(np.isfinite(values)), key
    np.testing.assert_allclose(h[:, "train_loss"], h[:, "g_loss"])
    assert len(h[0, "batches"]) == 48 // 16


def test_linear_decay_reaches_every_optimizer():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "lr": 1e-3, "lr_decay": 0.5}).fit(X, X_target=Xt)
    # the schedule is recorded before each step: 1, 1, 2/3, 1/3 of lr
    np.testing.assert_allclose(tr.history_[:, "lr"], [1e-3, 1e-3, 2e-3 / 3, 1e-3 / 3])
    final = 1e-3 * LinearDecay(4, 0.5)(4)
    for opt in (tr.net_.optimizer_, tr.net_.discriminator_optimizer_):
        assert opt.param_groups[0]["lr"] == pytest.approx(final)
    tr0 = CycleGANTranslator(**{**TINY, "lr": 1e-3, "lr_decay": 0.0}).fit(X, X_target=Xt)
    assert tr0.net_.discriminator_optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)


def test_generator_and_discriminator_have_separate_adam_optimizers():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "betas": (0.3, 0.9)}).fit(X, X_target=Xt)
    g_params = {id(p) for g in tr.net_.optimizer_.param_groups for p in g["params"]}
    d_params = {id(p) for g in tr.net_.discriminator_optimizer_.param_groups for p in g["params"]}
    assert g_params == {id(p) for p in tr.generator_.parameters()}
    assert d_params == {id(p) for p in tr.discriminator_.parameters()}
    assert isinstance(tr.net_.discriminator_optimizer_, torch.optim.Adam)
    assert tr.net_.discriminator_optimizer_.param_groups[0]["betas"] == (0.3, 0.9)


def state_of(est):
    """Every tensor of the fitted networks and optimizers, by name."""
    out = {f"{g}.{k}": v for g, m in (("g", est.generator_), ("d", est.discriminator_))
           for k, v in m.state_dict().items()}
    for name in ("optimizer_", "discriminator_optimizer_"):
        for i, per_param in getattr(est.net_, name).state_dict()["state"].items():
            out.update({f"{name}{i}.{k}": v for k, v in per_param.items()})
    return out


def assert_same_state(a, b):
    sa, sb = state_of(a), state_of(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


class _PoisonWeights(Callback):
    """Sets a generator weight to NaN at the start of a given epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                next(net.module_.parameters()).fill_(float("nan"))


class _StopAfter(Callback):
    """Raises KeyboardInterrupt once an epoch is complete (as EarlyStopping does)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_non_finite_loss_stops_with_clear_error_and_no_fitted_state():
    X, Xt = data()
    est = CycleGANTranslator(**{**TINY, "callbacks": [_PoisonWeights(epoch=2)]})
    with pytest.raises(FloatingPointError, match="generator loss became nan at epoch 2"):
        est.fit(X, X_target=Xt)
    assert not hasattr(est, "net_") and not hasattr(est, "generator_")
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(est)


def test_failed_warm_start_fit_leaves_the_model_exactly_as_it_was():
    X, Xt = data()
    est = CycleGANTranslator(**{**TINY, "warm_start": True}).fit(X, X_target=Xt)
    before = est.transform(X)
    est.set_params(max_epochs=8, callbacks=[_PoisonWeights(epoch=5)])
    with pytest.raises(FloatingPointError):
        est.fit(X, X_target=Xt)
    np.testing.assert_array_equal(est.transform(X), before)
    assert len(est.history_) == 4 and est.n_epochs_ == 4
    # weights, optimizers, random stream and pools too: continuing now is as if the
    # failed fit had never run
    est.set_params(callbacks=None).fit(X, X_target=Xt)
    reference = CycleGANTranslator(**{**TINY, "warm_start": True}).fit(X, X_target=Xt)
    assert_same_state(est, reference.set_params(max_epochs=8).fit(X, X_target=Xt))


def test_resuming_an_interrupted_fit_gives_the_uninterrupted_result():
    X, Xt = data()
    full = CycleGANTranslator(**{**TINY, "max_epochs": 6}).fit(X, X_target=Xt)
    stopped = CycleGANTranslator(**{**TINY, "max_epochs": 6, "callbacks": [_StopAfter(2)]})
    stopped.fit(X, X_target=Xt)
    assert stopped.n_epochs_ == 2
    resumed = stopped.set_params(warm_start=True, callbacks=None).fit(X, X_target=Xt)
    assert resumed.n_epochs_ == 6
    assert_same_state(resumed, full)  # bitwise, schedule included
    np.testing.assert_array_equal(resumed.history_[:, "lr"], full.history_[:, "lr"])
    np.testing.assert_array_equal(resumed.history_[:, "g_loss"], full.history_[:, "g_loss"])


def test_resume_from_a_pickle_and_from_a_saved_training_state(tmp_path):
    X, Xt = data()
    full = CycleGANTranslator(**{**TINY, "max_epochs": 5}).fit(X, X_target=Xt)
    stopped = CycleGANTranslator(**{**TINY, "max_epochs": 5, "callbacks": [_StopAfter(3)]})
    stopped.fit(X, X_target=Xt)
    stopped.set_params(callbacks=None)
    # through pickle (what joblib and skorch users do)
    resumed = pickle.loads(pickle.dumps(stopped)).set_params(warm_start=True)
    assert_same_state(resumed.fit(X, X_target=Xt), full)
    # through save / load, weights_only: a checkpoint file
    stopped.save(tmp_path / "checkpoint.pt", training_state=True)
    loaded = CycleGANTranslator.load(tmp_path / "checkpoint.pt", device="cpu")
    assert loaded.n_epochs_ == 3 and len(loaded.history_) == 3
    assert_same_state(loaded.set_params(warm_start=True).fit(X, X_target=Xt), full)
    np.testing.assert_array_equal(loaded.history_[:, "g_loss"], full.history_[:, "g_loss"])
    # without the training state the file is smaller and holds no history
    stopped.save(tmp_path / "weights.pt")
    assert (tmp_path / "weights.pt").stat().st_size < (tmp_path / "checkpoint.pt").stat().st_size
    assert len(CycleGANTranslator.load(tmp_path / "weights.pt").history_) == 0


def test_warm_start_schedule_continues_and_never_goes_negative():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "lr": 1e-3, "lr_decay": 0.5, "warm_start": True})
    tr.fit(X, X_target=Xt)
    tr.set_params(max_epochs=8).fit(X, X_target=Xt)
    lrs = tr.history_[:, "lr"]
    assert len(lrs) == 8 and min(lrs) > 0
    # epochs 4..7 follow the 8-epoch schedule: 1 - (e + 1 - 4) / 5
    np.testing.assert_allclose(lrs[4:], [1e-3 * (1 - (e - 3) / 5) for e in range(4, 8)])
    for opt in (tr.net_.optimizer_, tr.net_.discriminator_optimizer_):
        assert opt.param_groups[0]["lr"] == pytest.approx(1e-3 * LinearDecay(8, 0.5)(8))


def test_warm_start_applies_changed_parameters_and_keeps_scalers():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "lambda_id": 5.0, "warm_start": True}).fit(X, X_target=Xt)
    spec = tr.source_spec_
    tr.set_params(lambda_id=0.0, lr=0.5, lr_decay=0.0, batch_size=8, max_epochs=5)
    tr.fit(X * 10 + 3, X_target=Xt)  # other data: the fitted scaling is kept
    assert tr.source_spec_ is spec
    assert tr.net_.objective.lambda_id == 0.0
    assert len(tr.history_[-1, "batches"]) == len(X) // 8
    assert "identity" not in tr.history_[-1] and tr.history_[-2, "identity"] > 0
    for opt in (tr.net_.optimizer_, tr.net_.discriminator_optimizer_):
        assert opt.param_groups[0]["lr"] == 0.5


def test_warm_start_refuses_what_it_cannot_change():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "warm_start": True}).fit(X, X_target=Xt)
    before = tr.transform(X)
    with pytest.raises(ValueError, match="cannot change n_filters"):
        tr.set_params(n_filters=8, max_epochs=6).fit(X, X_target=Xt)
    with pytest.raises(ValueError, match="max_epochs=2 is less than the 4 epochs"):
        tr.set_params(n_filters=4, max_epochs=2).fit(X, X_target=Xt)
    with pytest.warns(UserWarning, match="nothing to do"):
        tr.set_params(max_epochs=4).fit(X, X_target=Xt)
    np.testing.assert_array_equal(tr.transform(X), before)
    assert tr.n_epochs_ == 4


class _InterruptAt(Callback):
    """Raises KeyboardInterrupt after a given step, as a deferred Ctrl-C does."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == self.epoch and len(net.history[-1, "batches"]) == self.batch:
            raise KeyboardInterrupt


class _SigintDuring(Callback):
    """Sends a real SIGINT to this process before a given step starts."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_begin(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch \
                and len(net.history[-1, "batches"]) == self.batch:  # its row is open
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_finishes_the_running_step_and_keeps_it():
    X, Xt = data()
    interrupted = CycleGANTranslator(**{**TINY, "callbacks": [_SigintDuring(epoch=3, batch=2)]})
    interrupted.fit(X, X_target=Xt)  # no KeyboardInterrupt escapes: skorch stops training
    assert len(interrupted.history_) == 3 and len(interrupted.history_[-1, "batches"]) == 2
    # the same weights as a run stopped cleanly right after that step
    reference = CycleGANTranslator(**{**TINY, "callbacks": [_InterruptAt(epoch=3, batch=2)]})
    reference.fit(X, X_target=Xt)
    assert_same_state(interrupted, reference)
    # and the process's own Ctrl-C handler is back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_fitted_state_holds_no_tensor_off_the_reported_device():
    X, Xt = data()
    tr = CycleGANTranslator(**{**TINY, "pool_size": 8}).fit(X, X_target=Xt)
    assert sum(len(p.samples) for p in tr.net_.image_pools_.values()) == 16
    skorch_owned = {"module_", "discriminator_", "optimizer_", "discriminator_optimizer_",
                    "criterion_"}
    seen = []

    def walk(obj, path, depth=0):
        if isinstance(obj, torch.Tensor):
            seen.append((path, obj.device))
        elif isinstance(obj, dict) and depth < 6:
            for k, v in obj.items():
                walk(v, f"{path}[{k!r}]", depth + 1)
        elif isinstance(obj, (list, tuple)) and depth < 6:
            for i, v in enumerate(obj):
                walk(v, f"{path}[{i}]", depth + 1)
        elif hasattr(obj, "__dict__") and not isinstance(obj, (torch.nn.Module, type)) \
                and depth < 6:
            walk(vars(obj), path, depth + 1)

    walk({k: v for k, v in vars(tr.net_).items() if k not in skorch_owned}, "net_")
    walk({k: v for k, v in vars(tr).items() if k != "net_"}, "estimator")
    assert any("image_pools_" in p for p, _ in seen)  # the walk reaches the pools
    # outside skorch's modules and optimizers (which it maps on unpickling) only CPU
    # tensors: a CUDA-fitted model then unpickles on a CPU-only machine
    assert all(d.type == "cpu" for _, d in seen), [p for p, d in seen if d.type != "cpu"]
    assert tr.device_ == "cpu" and all(p.device.type == "cpu" for p in tr.generator_.parameters())


def test_early_stopping_on_a_monitored_loss():
    X, Xt = data()
    es = EarlyStopping(monitor="g_loss", patience=1, threshold=10.0, threshold_mode="abs")
    tr = CycleGANTranslator(**{**TINY, "max_epochs": 10, "callbacks": [es]}).fit(X, X_target=Xt)
    assert tr.n_epochs_ == 2  # no 10-unit improvement after the first epoch
    assert np.all(np.isfinite(tr.history_[:, "g_loss"]))


def test_checkpoint_callback_writes_weights(tmp_path):
    X, Xt = data()
    cp = Checkpoint(monitor=None, dirname=str(tmp_path), f_params="gen.pt",
                    f_optimizer=None, f_criterion=None, f_history="history.json")
    CycleGANTranslator(**{**TINY, "callbacks": [cp]}).fit(X, X_target=Xt)
    state = torch.load(tmp_path / "gen.pt", weights_only=True)
    assert {k.split(".")[0] for k in state} == {"ab", "ba"}
    assert (tmp_path / "history.json").stat().st_size > 0


def test_verbose_shows_progress_and_silent_prints_nothing(capsys):
    X, Xt = data()
    CycleGANTranslator(**TINY, verbose=0).fit(X, X_target=Xt)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    CycleGANTranslator(**TINY, verbose=1).fit(X, X_target=Xt)
    out = capsys.readouterr()
    assert "g_loss" in out.out and "d_loss" in out.out  # skorch's epoch table
    assert "it/s" in out.err or "%" in out.err  # tqdm progress bar


def test_image_pool_returns_history_and_respects_size():
    g = torch.Generator().manual_seed(0)
    pool = ImagePool(4, g)
    first = pool.query(torch.arange(4.0)[:, None])
    torch.testing.assert_close(first, torch.arange(4.0)[:, None])  # filling: returned as is
    out = pool.query(torch.full((200, 1), 9.0))
    assert len(pool.samples) == 4
    from_history = (out != 9.0).sum().item()
    assert 0 < from_history <= 4  # old samples come back, each at most once
    assert ImagePool(0, g).query(torch.ones(3, 1)).sum() == 3


def test_image_pool_swaps_in_order_so_every_sample_leaves_once():
    # one slot, drawn over and over in a single batch: each swap must hand out what
    # the previous swap put in, so samples returned + the one kept = every sample once
    pool = ImagePool(1, torch.Generator().manual_seed(0))
    pool.query(torch.zeros(1, 1))
    out = pool.query(torch.arange(1.0, 101.0)[:, None])
    seen = sorted(out[:, 0].tolist() + [pool.samples[0].item()])
    assert seen == [float(v) for v in range(101)]
    assert 20 < int((out[:, 0] != torch.arange(1.0, 101.0)).sum()) < 80  # about half swapped


@pytest.mark.parametrize("kind", ["mlp", "resnet"])
def test_apply_module_results_do_not_depend_on_the_rows_passed_together(kind):
    from skgan.nn import build_generator
    from skgan.training import apply_module, seeded

    shape = (30,) if kind == "mlp" else (3, 16, 16)
    with seeded(0):
        net = build_generator(kind, in_shape=shape, out_shape=shape, n_filters=16, n_blocks=2,
                              residual=kind == "mlp")
    X = torch.randn(70, *shape, generator=torch.Generator().manual_seed(0))
    full = apply_module(net, X, batch_size=64, device="cpu")
    rows = torch.cat([apply_module(net, X[i:i + 1], batch_size=64, device="cpu")
                      for i in range(len(X))])
    # bitwise: a plain forward over 70 rows vs one row at a time differs by ~1e-7..1e-6
    torch.testing.assert_close(full, rows, rtol=0, atol=0)
    assert full.shape == (70, *shape) and net.training  # train mode restored


# ------------------------------------------------------------------ speed paths
def test_batch_independent_tells_which_modules_may_share_a_call():
    from torch import nn
    from torch.nn.utils.parametrizations import spectral_norm

    from skgan.training import batch_independent

    assert batch_independent(nn.Sequential(nn.Conv2d(1, 4, 3), nn.InstanceNorm2d(4), nn.ReLU()))
    assert not batch_independent(nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4)))
    assert batch_independent(nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4)).eval())
    assert not batch_independent(nn.Sequential(spectral_norm(nn.Linear(3, 2))))


def test_forward_batched_is_one_call_only_where_results_cannot_tell():
    from torch import nn

    from skgan.nn import ResnetGenerator

    X, Xt = data()
    net = CycleGANTranslator(**{**TINY, "max_epochs": 1}).fit(X, X_target=Xt).net_
    gen = ResnetGenerator(3, 3, image_size=8, n_filters=4, n_blocks=1)
    calls = []
    gen.register_forward_hook(lambda m, i, o: calls.append(len(i[0])))
    x, z = torch.randn(2, 3, 8, 8), torch.randn(3, 3, 8, 8)
    out_x, out_z = net.forward_batched(gen, x, z)
    assert calls == [5]  # one call on the five samples
    torch.testing.assert_close(out_x, gen(x), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out_z, gen(z), rtol=1e-5, atol=1e-6)

    bn = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))  # batch statistics: one call each
    torch.manual_seed(0)
    a, b = torch.randn(4, 3), torch.randn(4, 3) + 5
    out_a, out_b = net.forward_batched(bn, a, b)
    torch.testing.assert_close(out_b, bn(b))
    assert abs(float(out_b.detach().mean())) < 1e-5  # normalised with b's own statistics


def test_cycle_gan_losses_with_shared_calls_are_the_written_out_losses():
    import torch.nn.functional as F

    from skgan.training import reencode

    X, Xt = data()
    net = CycleGANTranslator(**{**TINY, "max_epochs": 1}).fit(X, X_target=Xt).net_
    obj, g, d, gan = net.objective, net.module_, net.discriminator_, net.criterion_
    torch.manual_seed(0)
    a, b = torch.randn(8, 3), torch.randn(8, 3)
    net.image_pools_ = {}  # a pool's first batch returns its input
    terms, fakes = obj.generator_losses(net, a, b, None)
    fake_a, fake_b = a.flip(0), b.flip(0)
    d_terms = obj.discriminator_losses(net, a, b, {"a": fake_a, "b": fake_b})
    with torch.no_grad():
        expected = {
            "g_adv": gan.generator_loss(d["b"](g["ab"](a))) + gan.generator_loss(d["a"](g["ba"](b))),
            "cycle": obj.lambda_cyc * (F.l1_loss(g["ba"](g["ab"](a)), a) + F.l1_loss(g["ab"](g["ba"](b)), b)),
            "identity": obj.lambda_id * (F.l1_loss(g["ab"](reencode(b, obj.b_as_a)), b)
                                         + F.l1_loss(g["ba"](reencode(a, obj.a_as_b)), a)),
            "d_adv": gan.discriminator_loss(d["b"](b), d["b"](fake_b))
            + gan.discriminator_loss(d["a"](a), d["a"](fake_a)),
        }
        torch.testing.assert_close(fakes["b"], g["ab"](a), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(fakes["a"], g["ba"](b), rtol=1e-5, atol=1e-6)
    assert set(terms) == {"g_adv", "cycle", "identity"}
    for name, value in {**terms, **d_terms}.items():
        torch.testing.assert_close(value.detach(), expected[name], rtol=1e-5, atol=1e-6)


def test_adam_runs_fused_unless_asked_otherwise():
    X, Xt = data()
    net = CycleGANTranslator(**{**TINY, "max_epochs": 1}).fit(X, X_target=Xt).net_
    for opt in (net.optimizer_, net.discriminator_optimizer_):
        assert opt.param_groups[0]["fused"] is True
    params = {k: v for k, v in net.get_params(deep=False).items() if not k.endswith("_")}
    looped = type(net)(**{**params, "optimizer__foreach": False}).initialize()
    assert not looped.optimizer_.param_groups[0]["fused"]
    assert looped.optimizer_.param_groups[0]["foreach"] is False


@pytest.mark.parametrize("precision, dtype", [("bf16", torch.bfloat16), ("fp16", torch.float16)])
def test_reduced_precision_trains_under_autocast_and_keeps_float32_state(precision, dtype):
    rng = np.random.RandomState(0)
    X = rng.rand(16, 1, 8, 8).astype(np.float32)
    Xt = 1.0 - rng.rand(16, 1, 8, 8).astype(np.float32) ** 2
    seen = []
    tr = CycleGANTranslator(**{**TINY, "max_epochs": 2, "batch_size": 4, "precision": precision})
    tr.fit(X, X_target=Xt)
    conv = next(m for m in tr.net_.module_.modules() if isinstance(m, torch.nn.Conv2d))
    conv.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    tr.set_params(warm_start=True, max_epochs=3).fit(X, X_target=Xt)
    assert seen and set(seen[:-1]) == {dtype}  # training passes ran in reduced precision
    out = tr.transform(X)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert seen[-1] == torch.float32  # transform runs in float32
    assert all(p.dtype == torch.float32 for p in tr.net_.module_.parameters())
    assert all(s.dtype == torch.float32 for pool in tr.net_.image_pools_.values() for s in pool.samples)
    h = tr.history_
    assert np.isfinite(h[:, "g_loss"]).all() and np.isfinite(h[:, "d_loss"]).all()
    assert (tr.net_.grad_scaler_ is not None) == (precision == "fp16")


def test_fp16_resume_carries_the_gradient_scaler():
    rng = np.random.RandomState(0)
    X, Xt = rng.rand(16, 1, 8, 8), rng.rand(16, 1, 8, 8) ** 2
    params = {**TINY, "max_epochs": 2, "batch_size": 4, "precision": "fp16"}
    tr = CycleGANTranslator(**params).fit(X, X_target=Xt)
    state = tr.net_.training_state()
    assert state["grad_scaler"]["scale"] > 0
    restored = pickle.loads(pickle.dumps(tr))
    assert restored.net_.grad_scaler_.get_scale() == tr.net_.grad_scaler_.get_scale()
    restored.set_params(warm_start=True, max_epochs=3).fit(X, X_target=Xt)
    tr.set_params(warm_start=True, max_epochs=3).fit(X, X_target=Xt)
    np.testing.assert_array_equal(restored.transform(X), tr.transform(X))


def test_unknown_precision_is_refused_before_training():
    from sklearn.utils._param_validation import InvalidParameterError

    X, Xt = data()
    with pytest.raises(InvalidParameterError, match="precision"):
        CycleGANTranslator(**{**TINY, "precision": "int8"}).fit(X, X_target=Xt)


def test_epoch_log_sync_records_the_same_history_as_per_step_reads():
    X, Xt = data()
    eager = CycleGANTranslator(**{**TINY, "max_epochs": 1, "warm_start": True}).fit(X, X_target=Xt)
    lazy = pickle.loads(pickle.dumps(eager))
    lazy.net_.log_sync = "epoch"
    recorded = []

    class Peek(Callback):  # what a per-batch callback sees in the middle of the epoch
        def on_batch_end(self, net, **kwargs):
            recorded.append(type(net.history[-1, "batches", -1, "g_loss"]))

    lazy.set_params(max_epochs=3, callbacks=[Peek()]).fit(X, X_target=Xt)
    eager.set_params(max_epochs=3).fit(X, X_target=Xt)
    assert recorded and set(recorded) == {torch.Tensor}  # not read back inside the epoch
    for key in ("g_loss", "d_loss", "cycle", "train_loss"):
        assert all(isinstance(v, float) for v in lazy.history_[:, "batches", :, key][-1])
        np.testing.assert_array_equal(lazy.history_[:, key], eager.history_[:, key])
    np.testing.assert_array_equal(lazy.transform(X), eager.transform(X))


def test_epoch_log_sync_still_stops_a_non_finite_fit_and_leaves_nothing_fitted():
    X, Xt = data()
    est = CycleGANTranslator(**{**TINY, "warm_start": True, "max_epochs": 1}).fit(X, X_target=Xt)
    before = est.transform(X)
    est.net_.log_sync = "epoch"
    est.set_params(max_epochs=4, callbacks=[_PoisonWeights(epoch=3)])
    with pytest.raises(FloatingPointError, match="at the end of the epoch"):
        est.fit(X, X_target=Xt)
    np.testing.assert_array_equal(est.transform(X), before)
    assert est.n_epochs_ == 1


# ------------------------------------------------------- channels_last, compile
def _digits_pair(n=64):
    rng = np.random.RandomState(0)
    X = rng.rand(n, 1, 8, 8).astype(np.float32)
    return X, np.repeat(1.0 - X, 3, axis=1)


LAYOUT_KW = dict(generator="unet", n_filters=8, lambda_id=0.0, max_epochs=1, batch_size=16,
                 random_state=0)


class WatchTraining(Callback):
    """Records, per training batch, the input layout of G_ab and whether it is compiled."""

    def initialize(self):
        self.channels_last, self.compiled = [], []
        return self

    def on_train_begin(self, net, **kwargs):
        record = self.channels_last.append
        self.hook_ = net.module_["ab"].register_forward_pre_hook(
            lambda m, args: record(args[0].is_contiguous(memory_format=torch.channels_last)))

    def on_batch_end(self, net, **kwargs):
        self.compiled.append(net.module_["ab"]._compiled_call_impl is not None)

    def on_train_end(self, net, **kwargs):
        self.hook_.remove()
        del self.hook_


def test_channels_last_trains_in_that_layout_with_the_same_results():
    X, Xt = _digits_pair()
    watch = WatchTraining()
    cl = CycleGANTranslator(channels_last=True, callbacks=[watch], **LAYOUT_KW)
    cl.fit(X, X_target=Xt)
    assert watch.channels_last and all(watch.channels_last)  # every batch G_ab saw
    weights = [p for p in cl.generator_.parameters() if p.dim() == 4]
    assert weights and all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    plain = CycleGANTranslator(**LAYOUT_KW).fit(X, X_target=Xt)
    np.testing.assert_allclose(cl.transform(X), plain.transform(X), atol=1e-4)
    longer = CycleGANTranslator(**{**LAYOUT_KW, "max_epochs": 2}).fit(X, X_target=Xt)
    assert np.abs(cl.transform(X) - longer.transform(X)).max() > 1e-2  # the bar tells fits apart
    assert pickle.loads(pickle.dumps(cl)).transform(X[:4]).shape == (4, 3, 8, 8)


def test_compile_compiles_for_training_only_and_changes_nothing_else():
    X, Xt = _digits_pair()
    watch = WatchTraining()
    # the "eager" backend traces with TorchDynamo and runs the same kernels (no codegen)
    tr = CycleGANTranslator(compile={"backend": "eager"}, callbacks=[watch], **LAYOUT_KW)
    tr.fit(X, X_target=Xt)
    assert watch.compiled and all(watch.compiled)
    assert all(m._compiled_call_impl is None for m in tr.generator_.values())
    plain = CycleGANTranslator(**LAYOUT_KW).fit(X, X_target=Xt)
    np.testing.assert_allclose(tr.transform(X), plain.transform(X), atol=1e-5)
    assert list(tr.generator_.state_dict()) == list(plain.generator_.state_dict())
    restored = pickle.loads(pickle.dumps(tr))
    np.testing.assert_array_equal(restored.transform(X[:8]), tr.transform(X[:8]))
    with pytest.raises(ValueError, match="compile"):
        CycleGANTranslator(compile="yes").fit(X, X_target=Xt)


def test_native_precision_reads_the_cpu_instructions(monkeypatch):
    from skgan.training import native_precision

    for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported", "_is_amx_fp16_supported"):
        monkeypatch.setattr(torch.cpu, name, lambda: False)
    assert native_precision("bf16", "cpu") is False
    assert native_precision("fp16", torch.device("cpu")) is False
    assert native_precision("fp32", "cpu") is True
    assert native_precision("bf16", "cuda") is True  # accelerators are not judged here
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert native_precision("bf16", "cpu") is True
    assert native_precision("fp16", "cpu") is False
    monkeypatch.delattr(torch.cpu, "_is_amx_fp16_supported")
    assert native_precision("fp16", "cpu") is None  # this torch cannot tell: no warning


def test_emulated_precision_warns_before_training(monkeypatch):
    import skgan.base

    X, Xt = data()
    monkeypatch.setattr(skgan.base, "native_precision", lambda precision, device: precision == "fp32")
    seen = []  # the warnings issued by the time training begins

    class Probe(Callback):
        def on_train_begin(self, net, **kwargs):
            seen.append(len(record))

    with pytest.warns(UserWarning, match="precision='bf16' on this CPU has no native") as record:
        CycleGANTranslator(**{**TINY, "max_epochs": 1, "precision": "bf16",
                              "callbacks": [Probe()]}).fit(X, X_target=Xt)
    assert seen and seen[0] >= 1
    with warnings.catch_warnings(record=True) as quiet:
        warnings.simplefilter("always")
        CycleGANTranslator(**{**TINY, "max_epochs": 1}).fit(X, X_target=Xt)
    assert not [w for w in quiet if "no native" in str(w.message)]
