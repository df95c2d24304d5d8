"""Generator distillation on MNIST: a GAN teacher against students of 1/2, 1/4, 1/8 its width.

A :class:`~skgan.GAN` (DCGAN, ``--teacher-filters`` wide) is fitted on MNIST's
training images; :class:`~skgan.GANDistiller` then trains students of
``--widths`` filters on the teacher alone (``fit()``: shared fresh noise, the
per-sample L1 output loss; ``--feature`` adds the teacher-discriminator feature
loss). For the teacher and every student the table gives: generator parameters,
sampling throughput (images/s, median of ``--repeats`` timings of
``sample(--n-eval)``), and LeNet FID / KID (features of a LeNet fitted on labelled
MNIST) against MNIST's test images and against the teacher's own samples.
Target (issue 16): a student with <= 1/4 of the teacher's parameters, >= 3x its
sampling throughput and FID <= 1.2x the teacher's.

    python benchmarks/distill.py --root ../shared/data
    python benchmarks/distill.py --root ../shared/data --n-train 10000 --teacher-epochs 2 --epochs 2

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

from skgan import GAN, GANDistiller
from skgan.datasets import load_mnist
from skgan.metrics import ClassifierFeatureExtractor, frechet_distance, kernel_distance
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def throughput(model, n, repeats):
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        model.sample(n, random_state=r)
        times.append(time.perf_counter() - start)
    return n / float(np.median(times))


def evaluate(name, model, X_test, teacher_samples, lenet, args, fit_s):
    X = model.sample(args.n_eval, random_state=12345)
    row = {
        "model": name, "n_filters": int(model.n_filters),
        "parameters": n_params(model.generator_["g"]),
        "images_per_s": throughput(model, args.n_eval, args.repeats),
        "fid_real": frechet_distance(X_test, X, feature_extractor=lenet),
        "kid_real": kernel_distance(X_test, X, feature_extractor=lenet, n_subsets=args.kid_subsets),
        "fid_teacher": frechet_distance(teacher_samples, X, feature_extractor=lenet),
        "fit_s": fit_s,
    }
    print(f"{name:>12} {row['n_filters']:>4} {row['parameters']:>10,} "
          f"{row['images_per_s']:>10.0f} {row['fid_real']:>9.2f} {row['kid_real']:>9.4f} "
          f"{row['fid_teacher']:>9.2f} {fit_s:>7.0f}", flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/data")
    parser.add_argument("--n-train", type=int, default=None, help="MNIST training images")
    parser.add_argument("--teacher-filters", type=int, default=32)
    parser.add_argument("--teacher-epochs", type=int, default=6)
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 8, 4])
    parser.add_argument("--epochs", type=int, default=120, help="student epochs (GANDistiller's default)")
    parser.add_argument("--n-samples", type=int, default=8192, help="noise draws per epoch")
    parser.add_argument("--feature", type=float, default=0.0, help="lambda_feature")
    parser.add_argument("--n-eval", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kid-subsets", type=int, default=20)
    parser.add_argument("--lenet-epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default="distill.json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    root = Path(args.root)
    X_train, y_train = load_mnist(root)
    X_test, _ = load_mnist(root, train=False)
    if args.n_train:
        X_train, y_train = X_train[: args.n_train], y_train[: args.n_train]
    X_test = X_test[: args.n_eval]
    lenet = ClassifierFeatureExtractor(max_epochs=args.lenet_epochs,
                                       random_state=args.seed).fit(X_train, y_train)

    start = time.perf_counter()
    teacher = GAN(n_filters=args.teacher_filters, max_epochs=args.teacher_epochs,
                  random_state=args.seed).fit(X_train)
    teacher_s = time.perf_counter() - start
    teacher_samples = teacher.sample(args.n_eval, random_state=999)
    print(f"{'model':>12} {'nf':>4} {'params':>10} {'img/s':>10} {'FID real':>9} "
          f"{'KID real':>9} {'FID tchr':>9} {'fit s':>7}")
    rows = [evaluate("teacher", teacher, X_test, teacher_samples, lenet, args, teacher_s)]
    for width in args.widths:
        start = time.perf_counter()
        student = GANDistiller(teacher, n_filters=width, max_epochs=args.epochs,
                               n_samples=args.n_samples, lambda_feature=args.feature,
                               random_state=args.seed).fit()
        rows.append(evaluate(f"student/{args.teacher_filters // width}", student, X_test,
                             teacher_samples, lenet, args, time.perf_counter() - start))
    base = rows[0]
    for row in rows:
        row["parameters_ratio"] = row["parameters"] / base["parameters"]
        row["throughput_ratio"] = row["images_per_s"] / base["images_per_s"]
        row["fid_ratio"] = row["fid_real"] / base["fid_real"]
    print("\nratios to the teacher (parameters, throughput, FID to real):")
    for row in rows[1:]:
        print(f"  {row['model']:>12}: {row['parameters_ratio']:.3f}  {row['throughput_ratio']:.2f}x"
              f"  {row['fid_ratio']:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({
        "benchmark": "distill", "command": "python benchmarks/distill.py " + " ".join(
            sys.argv[1:] if argv is None else argv),
        "settings": vars(args), "date": datetime.now(timezone.utc).isoformat(),
        "machine": machine_info(),
        "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
