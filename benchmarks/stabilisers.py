"""GAN stabilisers on MNIST: historical averaging and an EMA generator against a plain GAN.

A :class:`~skgan.GAN` (DCGAN, 32 filters, vanilla loss, the estimator's defaults
otherwise) is trained on ``--n-train`` MNIST training images for ``--epochs``
epochs, one epoch at a time (``warm_start``), under each setting:

* ``plain``: no stabiliser;
* ``hist-avg=w``: historical averaging (Salimans et al., 2016) with weight ``w``
  (``--hist-avg``, several values);
* ``ema=d``: sampling from an exponential moving average of the generator's
  weights with decay ``d`` (``--ema``); ``ema=d+warmup``: the same with
  ``ema_warmup=True``, the decay ramped up over the first updates (``--ema-warmup``).

After every epoch, LeNet FID (features of a LeNet fitted on labelled MNIST)
between ``--n-eval`` samples and as many MNIST test images. Per setting and
seed the table gives the last and best FID and the FID's standard deviation
over the second half of the epochs (lower = steadier training), then means
over ``--seeds``. The JSON keeps every curve.

    python benchmarks/stabilisers.py --root ../shared/data --threads 1
    python benchmarks/stabilisers.py --n-train 2000 --epochs 2 --seeds 0   # quick look

Data come from a local torchvision layout (see ``../shared/data/README.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from skgan import GAN
from skgan.datasets import load_mnist
from skgan.metrics import ClassifierFeatureExtractor, frechet_distance
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def settings(args):
    out = [("plain", {})]
    out += [(f"hist-avg={w:g}", {"historical_averaging": w}) for w in args.hist_avg]
    out += [(f"ema={d:g}", {"ema": d}) for d in args.ema]
    out += [(f"ema={d:g}+warmup", {"ema": d, "ema_warmup": True}) for d in args.ema_warmup]
    return out


def run(name, extra, seed, X_train, X_test, lenet, args):
    gan = GAN(n_filters=32, batch_size=64, max_epochs=1, warm_start=True, random_state=seed, **extra)
    curve, fit_s = [], 0.0
    for epoch in range(1, args.epochs + 1):
        gan.set_params(max_epochs=epoch)
        start = time.perf_counter()
        gan.fit(X_train)
        fit_s += time.perf_counter() - start
        fake = gan.sample(len(X_test), random_state=1000 + epoch)
        curve.append(frechet_distance(X_test, fake, feature_extractor=lenet))
    late = curve[len(curve) // 2:]
    row = {"setting": name, "seed": seed, "params": extra, "fid_curve": curve, "fid_last": curve[-1],
           "fid_best": min(curve), "fid_late_std": float(np.std(late)), "fit_s": fit_s}
    print(f"{name:>16} seed {seed}: FID last {curve[-1]:7.2f}  best {min(curve):7.2f}  "
          f"late std {row['fid_late_std']:6.2f}  fit {fit_s:5.0f} s  curve "
          + " ".join(f"{v:.0f}" for v in curve), flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/data")
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--n-eval", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--hist-avg", type=float, nargs="*", default=[0.01, 1.0])
    parser.add_argument("--ema", type=float, nargs="*", default=[0.999])
    parser.add_argument("--ema-warmup", type=float, nargs="*", default=[0.999],
                        help="EMA decays run with ema_warmup=True")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--lenet-epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default="stabilisers.json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    run_start = time.perf_counter()
    X_all, y_all = load_mnist(Path(args.root))
    X_test = load_mnist(Path(args.root), train=False)[0][: args.n_eval]
    X_train = X_all[: args.n_train]
    lenet = ClassifierFeatureExtractor(max_epochs=args.lenet_epochs, random_state=0).fit(X_all, y_all)

    rows = []
    for seed in args.seeds:
        for name, extra in settings(args):
            rows.append(run(name, extra, seed, X_train, X_test, lenet, args))
    summary = {}
    for name, _ in settings(args):
        mine = [r for r in rows if r["setting"] == name]
        summary[name] = {key: float(np.mean([r[key] for r in mine]))
                         for key in ("fid_last", "fid_best", "fid_late_std", "fit_s")}
    print(f"\n{'setting':>16} {'FID last':>9} {'FID best':>9} {'late std':>9} {'fit s':>7}  "
          f"(means over seeds {args.seeds})")
    for name, s in summary.items():
        print(f"{name:>16} {s['fid_last']:9.2f} {s['fid_best']:9.2f} {s['fid_late_std']:9.2f} "
              f"{s['fit_s']:7.0f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({
        "benchmark": "stabilisers",
        "command": "python benchmarks/stabilisers.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": vars(args), "date": datetime.now(timezone.utc).isoformat(),
        "machine": machine_info(),
        "total_s": time.perf_counter() - run_start,
        "rows": rows, "summary": summary}, indent=1))
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
