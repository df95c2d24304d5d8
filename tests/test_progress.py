"""verbose=1 shows skorch's progress bar with running G/D losses and its epoch table;
verbose=0 prints nothing."""

import re
import time

import numpy as np
import pytest
from skorch.callbacks import Callback, ProgressBar

from skgan import CycleGANTranslator, GANDomainAdapter

TINY = dict(max_epochs=2, batch_size=16, n_filters=4, n_blocks=1, random_state=0)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class SlowBatches(Callback):
    """Make each batch last longer than tqdm's 0.1 s refresh interval.

    Tiny test batches take milliseconds, so tqdm would never redraw the bar (and
    its postfix) before skorch erases it at the end of the epoch; real batches
    are slower. This only waits: it prints nothing and changes no state.
    """

    def on_batch_end(self, net, **kwargs):
        time.sleep(0.12)


def fit(kind, verbose, callbacks=None):
    rng = np.random.RandomState(0)
    X, y = rng.randn(48, 2), np.tile([0, 1], 24)
    if kind == "cyclegan":
        est = CycleGANTranslator(verbose=verbose, callbacks=callbacks, **TINY)
        return est.fit(X, X_target=X + 1.0)
    est = GANDomainAdapter(verbose=verbose, callbacks=callbacks, **TINY)
    return est.fit(X, y, X_target=X + 1.0)


@pytest.mark.parametrize("kind", ["cyclegan", "adapter"])
def test_verbose_0_prints_nothing(kind, capsys):
    est = fit(kind, verbose=0)
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert "progress_bar" not in dict(est.net_.callbacks_)
    assert est.n_epochs_ == 2


@pytest.mark.parametrize("kind", ["cyclegan", "adapter"])
def test_verbose_1_shows_progress_bar_with_losses_and_epoch_table(kind, capsys):
    est = fit(kind, verbose=1, callbacks=[SlowBatches()])
    out, err = capsys.readouterr()

    # skorch's own ProgressBar, asked for the running generator/discriminator losses
    bar = dict(est.net_.callbacks_)["progress_bar"]
    assert type(bar) is ProgressBar
    assert bar.postfix_keys == ["g_loss", "d_loss"]

    # the tqdm bar goes to stderr: batch counts of the 3 batches per epoch, and the
    # latest batch's losses as its postfix
    assert "/3 [" in err
    postfix = re.findall(r"g_loss=(-?[\d.e+-]+), d_loss=(-?[\d.e+-]+)", err)
    assert postfix, err
    batch_g = est.history_[:, "batches", :, "g_loss"]
    shown_g = {float(g) for g, _ in postfix}
    # the postfix shows batch values (tqdm rounds them to 3 significant digits)
    assert all(any(abs(s - b) <= 0.01 * abs(b) + 1e-3 for e in batch_g for b in e)
               for s in shown_g)

    # skorch's PrintLog epoch table goes to stdout: a header with the losses, one row
    # per epoch
    lines = [ANSI.sub("", line) for line in out.splitlines() if line.strip()]
    header = lines[0].split()
    for column in ("epoch", "g_loss", "d_loss", "g_adv", "d_adv", "dur"):
        assert column in header
    assert set(lines[1]) <= {"-", " "}
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["1", "2"]
    g_col = header.index("g_loss")
    np.testing.assert_allclose([float(r[g_col]) for r in rows], est.history_[:, "g_loss"],
                               atol=1e-4)


def test_verbose_1_in_a_notebook_without_ipywidgets_falls_back_to_a_text_bar(monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(ProgressBar, "in_ipynb", lambda self: True)  # pretend: Jupyter
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else find_spec(name, *a))
    est = fit("adapter", verbose=1)  # tqdm's notebook widget would raise ImportError here
    assert est.n_epochs_ == 2
    assert "g_loss" in ANSI.sub("", capsys.readouterr().out)
