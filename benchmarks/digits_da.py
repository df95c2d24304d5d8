"""MNIST <-> USPS domain adaptation with GANDomainAdapter (classic protocol, 28x28 grey).

For each direction, one table row per method, evaluated on the target's test split:

* ``source-only``: the classifier trained on labelled source data;
* ``skgan``: ``Pipeline([GANDomainAdapter, classifier])`` fitted on labelled source
  and *unlabelled* target training data, predicting on ``transform(X_test)``
  (what ``pipe.predict`` does), which returns the real target rows as they are;
  ``skgan (X_t through G)``: the same classifier on the target test rows passed
  through the generator as if they were source rows (``sample_domain="source"``),
  the path ``transform`` took before target rows passed through;
* ``skgan task net``: the adapter's internal task classifier (PixelDA's classifier);
* ``DANN (skada)``: skada's ``DANN`` peer with the same LeNet and epochs (when
  skada is installed: ``pip install skada``);
* ``skgan + ... + pseudo-labels``: the classifier on the renderings and the target
  rows the task net labels confidently (``AdaptedClassifier``'s computation); with
  ``(balanced)``, the two sides weigh the same in total (``domain_weight="balanced"``);
* ``target-only``: the classifier trained on labelled target data (the oracle).

``M->MM`` is MNIST -> MNIST-M-style colour digits (``skgan.datasets.make_mnist_m``
on MNIST's training and test images, blended with scikit-learn's two sample
photos): grey source, colour target, so ``transform`` renders 1-channel rows and
passes 3-channel rows through, and the source-only classifiers read the grey
digits as RGB.

The classifier is LeNet (skgan's ConvClassifier) as a skorch ``NeuralNetClassifier``;
``--sklearn-clf`` adds the same rows for a plain scikit-learn classifier
(logistic regression), to show that any classifier can follow the adapter.
Columns: accuracy (mean and spread over ``--seeds``), fit wall time, and the
process's peak RSS so far. Data come from a local torchvision layout (see
``../shared/data/README.md``); nothing is downloaded.

    python benchmarks/digits_da.py --root ../shared/data --sklearn-clf       # full protocol
    python benchmarks/digits_da.py --root ../shared/data --n-source 5000 --epochs 3 --seeds 0

The adapter runs with ``GANDomainAdapter``'s defaults (16-filter U-Net, batch 64,
lr 2e-3, ``max_epochs="auto"``: about 6,500 steps, i.e. 7 epochs for M->U over
60,000 MNIST images and 57 for U->M over 7,291 USPS images; self-training of its
task net on target rows it classifies with probability >= 0.95, learnt from
shifted copies); options override them: ``--epochs``, ``--lr``, ``--batch-size``,
``--generator``, ``--n-filters``, ``--pseudo-threshold`` (0 turns it off),
``--pseudo-augment`` (``none`` turns it off), ``--adapter-params`` (JSON).
Earlier settings, as in BENCHMARKS.md: ``--pseudo-augment none --epochs 7 60``
(self-training alone), ``--pseudo-threshold 0 --epochs 7 64`` (two threads) and
``--pseudo-threshold 0 --epochs 4 32 --threads 1``; before the defaults changed,
``--epochs 5 40`` with today's defaults was the benchmark's setting.

``--save-adapters DIR`` writes each fitted adapter to ``DIR/<direction>_s<seed>.pt``
(``GANDomainAdapter.save``); a later run with ``--load-adapters DIR`` reads them
instead of fitting, so the classifiers after one fixed adapter can be compared in
minutes (the adapter rows then have no fit time).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import has_fit_parameter
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from skgan import GANDomainAdapter
from skgan._data import DomainSpec
from skgan.adapted_classifier import _weigh_domains
from skgan.datasets import load_mnist, load_usps, make_mnist_m
from skgan.nn import ConvClassifier
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def to_tensor_images(X, channels=1):
    """uint8 (n, 28, 28), (n, C, 28, 28) or flat -> float32 (n, channels, 28, 28) in [0, 1].

    Grey images are repeated over the channels when the classifier reads colour
    (a source-only classifier for a colour target sees grey digits as RGB).
    """
    X = np.asarray(X, dtype=np.float32) / 255.0
    X = X.reshape(len(X), -1, 28, 28)
    return np.repeat(X, channels, axis=1) if X.shape[1] == 1 < channels else X


def lenet(seed, epochs, channels=1):
    torch.manual_seed(seed)  # skorch initialises from torch's global RNG
    return Pipeline([
        ("scale", FunctionTransformer(to_tensor_images, kw_args={"channels": channels})),
        ("net", NeuralNetClassifier(
            ConvClassifier, module__in_channels=channels, module__image_size=(28, 28),
            module__n_classes=10, module__n_filters=32, criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam, lr=1e-3, batch_size=128, max_epochs=epochs,
            train_split=None, verbose=0, device="cuda" if torch.cuda.is_available() else "cpu",
        )),
    ])


def logreg(seed, epochs, channels=1):
    flat = FunctionTransformer(
        lambda X: to_tensor_images(X, channels).reshape(len(X), -1))
    return Pipeline([("flat", flat), ("lr", LogisticRegression(max_iter=300, random_state=seed))])


class SkadaLeNet(ConvClassifier):
    """The same LeNet, accepting the ``sample_weight`` skada passes to forward."""

    def forward(self, x, sample_weight=None):
        return super().forward(x)


def dann(seed, epochs, channels=1):
    """skada's DANN on the same LeNet; None when skada is not installed."""
    try:
        from skada.deep import DANN
    except ImportError:
        return None
    torch.manual_seed(seed)
    return DANN(
        SkadaLeNet(channels, (28, 28), 10, n_filters=32), layer_name="blocks.2", reg=1.0,
        num_features=128, optimizer=torch.optim.Adam, lr=1e-3, batch_size=128,
        max_epochs=epochs, train_split=None, verbose=0,
        device="cuda" if torch.cuda.is_available() else "cpu",
    )


TRACES = {}  # "direction seed N" -> [{"step", "task net", "task net (ema)"}, ...]


class TaskTrace(Callback):
    """Every ``every`` training steps, the task net's accuracy on the target test set
    (last weights and, with ``ema``, the averaged ones), into ``TRACES[key]``."""

    def __init__(self, key, X, y, every):
        self.key, self.X, self.y, self.every = key, X, y, every

    def initialize(self):
        shape = (1, *self.X.shape[1:]) if self.X.ndim == 3 else self.X.shape[1:]
        self.Z_ = DomainSpec.fit(self.X, shape).encode(self.X)  # as the adapter encodes uint8
        self.step_ = 0
        TRACES[self.key] = []
        return self

    def accuracy(self, module):
        training = module.training
        module.eval()
        with torch.no_grad():
            pred = torch.cat([module(self.Z_[i:i + 512]).argmax(1)
                              for i in range(0, len(self.Z_), 512)])
        module.train(training)
        return float(np.mean(pred.numpy() == self.y))

    def on_batch_end(self, net, training=True, **kwargs):
        if not training:
            return
        self.step_ += 1
        if self.step_ % self.every == 0:
            row = {"step": self.step_, "task net": self.accuracy(net.module_["task"])}
            if getattr(net, "module_ema_", None) is not None:
                row["task net (ema)"] = self.accuracy(net.module_ema_["task"])
            TRACES[self.key].append(row)
            print(self.key, row, flush=True)


def live_task_accuracy(adapter, X, y):
    """Target accuracy of the adapter's task net with its last weights, not the
    averaged ones ``predict_task`` uses when the adapter keeps an ``ema``."""
    net = adapter.generator_["task"].eval()
    Z = adapter.target_spec_.encode(X)
    with torch.no_grad():
        pred = torch.cat([net(Z[i:i + 512].to(adapter.device_)).argmax(1).cpu()
                          for i in range(0, len(Z), 512)])
    return float(np.mean(adapter.classes_[pred.numpy()] == y))


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def subsample(X, y, n, seed):
    if n is None or n >= len(X):
        return X, y
    idx = np.random.RandomState(seed).permutation(len(X))[:n]
    return X[idx], y[idx]


def run_direction(name, src, tgt, tgt_test, args, seed, epochs):
    Xs, ys = subsample(*src, args.n_source, seed)
    Xt, yt = subsample(*tgt, args.n_target, seed)
    Xtt, ytt = tgt_test
    channels = 1 if Xtt.ndim == 3 else Xtt.shape[1]  # the classifiers read the target
    rows = {}

    def record(method, accuracy, fit_s=None):
        rows[method] = {"accuracy": float(accuracy), "fit_s": fit_s, "peak_rss_mib": peak_mib()}
        print(f"{name:>6} seed {seed} {method:>22}: acc {accuracy:.4f}"
              + (f"  fit {fit_s:.0f} s" if fit_s else ""), flush=True)

    def timed(fn):
        start = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - start

    classifiers = {"LeNet": lenet}
    if args.sklearn_clf:
        classifiers["LogReg"] = logreg
    for clf_name, make in classifiers.items():
        if args.no_baselines:
            break
        clf, fit_s = timed(lambda: make(seed, args.clf_epochs, channels).fit(Xs, ys))
        record(f"source-only {clf_name}", clf.score(Xtt, ytt), fit_s)
    net = None if args.no_dann else dann(seed, args.dann_epochs or args.clf_epochs, channels)
    if net is not None:
        Xd = np.concatenate([to_tensor_images(Xs, channels), to_tensor_images(Xt, channels)])
        yd = np.concatenate([ys, np.full(len(Xt), -1)])
        domain = np.concatenate([np.ones(len(Xs)), -2 * np.ones(len(Xt))]).astype(np.int64)
        _, fit_s = timed(lambda: net.fit(Xd, yd, sample_domain=domain))
        pred = net.predict(to_tensor_images(Xtt, channels), sample_domain=-2 * np.ones(len(Xtt), np.int64))
        record("DANN (skada) LeNet", np.mean(pred == ytt), fit_s)
    for clf_name, make in classifiers.items():
        if args.no_baselines:
            break
        clf, fit_s = timed(lambda: make(seed, args.clf_epochs, channels).fit(Xt, yt))
        record(f"target-only {clf_name}", clf.score(Xtt, ytt), fit_s)
    if args.no_adapter:
        return rows
    # the adapter's defaults, except what the command line sets
    given = {"generator": args.generator, "n_filters": args.n_filters,
             "n_blocks": args.n_blocks, "max_epochs": epochs, "lr": args.lr,
             "batch_size": args.batch_size, "pseudo_threshold": args.pseudo_threshold,
             "pseudo_augment": args.pseudo_augment}
    given = {k: v for k, v in given.items() if v is not None}
    if args.pseudo_threshold == 0:
        given["pseudo_threshold"] = None
    # only an explicit "--pseudo-augment none" turns the augmentation off (until
    # 2026-12-02 an absent option did too: str(None) is "None")
    if args.pseudo_augment is not None and args.pseudo_augment.lower() in ("none", ""):
        given["pseudo_augment"] = None
    if args.trace_every:  # labels of the target test set, read only by the trace
        given["callbacks"] = [TaskTrace(f"{name} seed {seed}", Xtt, ytt, args.trace_every)]
    saved = Path(args.load_adapters or args.save_adapters or ".") / f"{name.replace('>', '')}_s{seed}.pt"
    if args.load_adapters:  # an adapter this script fitted and saved: no refit
        adapter = GANDomainAdapter.load(saved)
        X_pseudo, fit_s = adapter.transform(Xs, sample_domain="source"), None
    else:
        adapter = GANDomainAdapter(random_state=seed, verbose=args.verbose,
                                   **given, **json.loads(args.adapter_params))
        X_pseudo, fit_s = timed(lambda: adapter.fit_transform(Xs, ys, X_target=Xt))
    if args.save_adapters:
        saved.parent.mkdir(parents=True, exist_ok=True)
        adapter.save(saved)
    record("skgan task net", np.mean(adapter.predict_task(Xtt) == ytt), fit_s)
    if adapter.generator_ema_ is not None:  # predict_task read the averaged weights
        record("skgan task net (last weights)", live_task_accuracy(adapter, Xtt, ytt))
    # the Pipeline: a classifier trained on rendered source, predicting on real target
    # rows as they are (transform's default); and, for comparison, on target rows
    # passed through the generator as if they were source rows
    same_shape = Xs.shape[1:] == Xtt.shape[1:]
    X_test_g = adapter.transform(Xtt, sample_domain="source") if same_shape else None
    for clf_name, make in classifiers.items():
        clf = make(seed, args.clf_epochs, channels).fit(X_pseudo, ys)
        record(f"skgan + {clf_name}", clf.score(adapter.transform(Xtt), ytt))
        if same_shape:
            record(f"skgan + {clf_name} (X_t through G)", clf.score(X_test_g, ytt))
    # the documented route past fit_transform: rendered source rows and the target
    # rows the task net labels confidently, both given to the classifier
    X_conf, y_conf = adapter.pseudo_label(Xt)
    threshold = adapter.pseudo_threshold or 0.95
    right = yt[adapter.predict_proba_task(Xt).max(1) >= threshold] == y_conf
    print(f"{name:>6} seed {seed} pseudo-labelled target rows: {len(y_conf)} of {len(Xt)}",
          flush=True)
    record("pseudo-labels (share right)", right.mean() if len(right) else 0.0)
    X_conf = X_conf.reshape((len(X_conf), *X_pseudo.shape[1:]))
    for weighting in args.domain_weight:  # AdaptedClassifier's domain_weight
        for clf_name, make in classifiers.items():
            clf = make(seed, args.clf_epochs, channels)
            X_fit, y_fit, w = _weigh_domains([X_pseudo, X_conf], [ys, y_conf],
                                             None if weighting == "none" else weighting,
                                             has_fit_parameter(clf, "sample_weight"))
            clf.fit(X_fit, y_fit, **({} if w is None else {"sample_weight": w}))
            tag = "" if weighting == "none" else f" ({weighting})"
            record(f"skgan + {clf_name} + pseudo-labels{tag}", clf.score(adapter.transform(Xtt), ytt))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/data")
    parser.add_argument("--directions", nargs="+", default=["M->U", "U->M"], choices=["M->U", "U->M", "M->MM"],
                        help="M->MM: MNIST -> MNIST-M-style colour digits (make_mnist_m)")
    parser.add_argument("--n-source", type=int, default=None)
    parser.add_argument("--n-target", type=int, default=None)
    parser.add_argument("--epochs", type=int, nargs="+", default=None,
                        help="adapter epochs, one value or one per direction "
                             "(default: the adapter's, max_epochs='auto')")
    parser.add_argument("--clf-epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--generator", default=None)
    parser.add_argument("--n-filters", type=int, default=None)
    parser.add_argument("--n-blocks", type=int, default=None)
    parser.add_argument("--pseudo-threshold", type=float, default=None,
                        help="GANDomainAdapter pseudo_threshold (self-training of the task "
                             "net on target rows); 0 turns it off")
    parser.add_argument("--pseudo-augment", default=None,
                        help="GANDomainAdapter pseudo_augment: pseudo-labelled rows learnt "
                             "from augmented copies (FixMatch); 'none' turns it off")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--adapter-params", default="{}",
                        help="JSON dict of further GANDomainAdapter parameters")
    parser.add_argument("--sklearn-clf", action="store_true",
                        help="also run a plain scikit-learn classifier (logistic regression)")
    parser.add_argument("--no-dann", action="store_true", help="skip the skada DANN peer")
    parser.add_argument("--dann-epochs", type=int, default=None,
                        help="epochs of skada's DANN (default: --clf-epochs); raise it to "
                             "give DANN the adapter's wall time")
    parser.add_argument("--no-adapter", action="store_true",
                        help="only the peers and baselines (e.g. DANN at a longer --dann-epochs)")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip source-only and target-only (when comparing adapter settings)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice, all cores)")
    parser.add_argument("--trace-every", type=int, default=0,
                        help="log the task net's target test accuracy every N training "
                             "steps (and its averaged weights' with ema) into the JSON")
    parser.add_argument("--domain-weight", nargs="+", default=["none", "balanced"],
                        choices=["none", "balanced"],
                        help="AdaptedClassifier's domain_weight for the rows on renderings plus "
                             "pseudo-labelled target rows, one row each")
    parser.add_argument("--save-adapters", default=None, metavar="DIR",
                        help="save each fitted adapter to DIR/<direction>_s<seed>.pt")
    parser.add_argument("--load-adapters", default=None, metavar="DIR",
                        help="load the adapters --save-adapters wrote instead of fitting "
                             "them (to compare the classifiers after a fixed adapter)")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--out", default="digits_da.json", help="file name in benchmarks/results")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    root = Path(args.root)
    mnist_train, mnist_test = load_mnist(root), load_mnist(root, train=False)
    usps_train = load_usps(root / "usps", size=28)
    usps_test = load_usps(root / "usps", train=False, size=28)
    pairs = {"M->U": (mnist_train, usps_train, usps_test),
             "U->M": (usps_train, mnist_train, mnist_test)}
    if "M->MM" in args.directions:
        # MNIST-M's recipe on MNIST's own splits (as Ganin et al.), with the photos
        # that ship with scikit-learn; the target's training images are listed in
        # another order than the source's and their labels are never used
        order = np.random.RandomState(12345).permutation(len(mnist_train[1]))
        pairs["M->MM"] = (
            mnist_train,
            (make_mnist_m(mnist_train[0][order], random_state=0), mnist_train[1][order]),
            (make_mnist_m(mnist_test[0], random_state=1), mnist_test[1]),
        )

    if args.epochs is None:
        epochs = [None] * len(args.directions)
    else:
        epochs = args.epochs if len(args.epochs) > 1 else args.epochs * len(args.directions)
    if len(epochs) != len(args.directions):
        parser.error("--epochs takes one value or one per direction")
    runs = {}
    for direction, n_epochs in zip(args.directions, epochs):
        runs[direction] = []
        for seed in args.seeds:
            runs[direction].append(run_direction(direction, *pairs[direction], args, seed, n_epochs))
            table = summarise(runs)
            # written after every run, so an interrupted benchmark keeps what it measured
            path = write_results(args, table, complete=False)
    path = write_results(args, table, complete=True)
    print(f"\n{'direction':>9} {'method':>26} {'accuracy % (std)':>17} {'fit s':>7} "
          f"{'peak RSS MiB':>13}")
    for r in table:
        fit = f"{r['fit_s_mean']:.0f}" if r["fit_s_mean"] else "-"
        print(f"{r['direction']:>9} {r['method']:>26} "
              f"{100 * r['accuracy_mean']:>8.2f} ± {100 * r['accuracy_std']:<5.2f} {fit:>7} "
              f"{r['peak_rss_mib']:>13.0f}")
    print(f"peak RSS of the whole run: {peak_mib():.0f} MiB")
    print(f"wrote {path}")


def summarise(runs):
    """One row per (direction, method): mean and spread over the seeds run so far."""
    table = []
    for direction, seed_runs in runs.items():
        for method in seed_runs[0]:
            accs = [r[method]["accuracy"] for r in seed_runs if method in r]
            fits = [r[method]["fit_s"] for r in seed_runs if r.get(method, {}).get("fit_s")]
            table.append({
                "direction": direction, "method": method,
                "accuracy_mean": float(np.mean(accs)), "accuracy_std": float(np.std(accs)),
                "accuracies": accs, "fit_s_mean": float(np.mean(fits)) if fits else None,
                "peak_rss_mib": max(r[method]["peak_rss_mib"] for r in seed_runs if method in r),
            })
    return table


def write_results(args, table, complete):
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "digits_da",
        "command": "python benchmarks/digits_da.py " + " ".join(sys.argv[1:]),
        "settings": vars(args),
        "complete": complete,
        "machine": machine_info(),
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "peak_rss_mib": peak_mib(),
        "rows": table,
        "traces": TRACES,
    }
    path = RESULTS / args.out
    path.write_text(json.dumps(payload, indent=2))
    return path


if __name__ == "__main__":
    main()
