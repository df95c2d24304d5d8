"""The adversarial engine on skorch: schedules, callbacks, failures, interrupts."""

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


class _PoisonWeights(Callback):
    """Sets a generator weight to NaN at the start of a given epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                next(net.module_.parameters()).fill_(float("nan"))


def test_non_finite_loss_stops_with_clear_error_and_no_fitted_state():
    X, Xt = data()
    est = CycleGANTranslator(**{**TINY, "callbacks": [_PoisonWeights(epoch=2)]})
    with pytest.raises(FloatingPointError, match="generator loss became nan at epoch 2"):
        est.fit(X, X_target=Xt)
    assert not hasattr(est, "net_") and not hasattr(est, "generator_")
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(est)


def test_failed_warm_start_fit_restores_previous_weights():
    X, Xt = data()
    est = CycleGANTranslator(**{**TINY, "warm_start": True}).fit(X, X_target=Xt)
    before = est.transform(X)
    est.set_params(callbacks=[_PoisonWeights(epoch=5)])
    with pytest.raises(FloatingPointError):
        est.fit(X, X_target=Xt)
    np.testing.assert_array_equal(est.transform(X), before)
    assert len(est.history_) == 4


class _InterruptAt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) in the middle of an epoch."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == self.epoch and len(net.history[-1, "batches"]) == self.batch:
            raise KeyboardInterrupt


class _StopAfter(Callback):
    """Raises KeyboardInterrupt once an epoch is complete (as EarlyStopping does)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_the_last_completed_epoch():
    X, Xt = data()
    interrupted = CycleGANTranslator(**{**TINY, "callbacks": [_InterruptAt(epoch=3, batch=2)]})
    interrupted.fit(X, X_target=Xt)
    assert len(interrupted.history_) == 2 and interrupted.n_epochs_ == 2
    # same weights as a run of the same schedule stopped cleanly after epoch 2
    reference = CycleGANTranslator(**{**TINY, "callbacks": [_StopAfter(epoch=2)]})
    reference.fit(X, X_target=Xt)
    assert len(reference.history_) == 2
    np.testing.assert_array_equal(interrupted.transform(X), reference.transform(X))


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
