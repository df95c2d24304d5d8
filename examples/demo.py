"""skgan demo: pixel-level domain adaptation and unpaired translation on bundled digits.

Runs on data that ships with scikit-learn, on CPU in about a minute (2 cores):

    make demo            # or: python examples/demo.py [--out DIR] [--seed N] [--quick]

Deterministic on CPU for a given seed and ``--threads`` (default 2): another thread
count sums floats in another order, and adversarial training amplifies the rounding
(seen with earlier code: digits-M, seed 0, 0.598 with one thread and 0.464
with two).

1. Domain adaptation. ``Pipeline([GANDomainAdapter(), SVC()])`` (the adapter's default
   parameters) learns from labelled grey
   digits and *unlabelled* colour digits, then predicts on held-out colour digits.
   It prints the accuracy of the same classifier trained on the source digits
   (source-only), through the adapter, and on labelled target digits (the
   oracle), for two targets: "digits-M" (digits blended with photo patches, the
   MNIST-M recipe) and "restyled" (inverted, tinted digits). PNG grids: source /
   translated / real target.
2. Translation. A ``CycleGANTranslator`` between grey and restyled digits (no
   labels), with the cycle error and a target-style classifier's accuracy on
   translations. PNG grid: source / translated / reconstructed / real target.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from torchvision.utils import save_image

from skgan import CycleGANTranslator, GANDomainAdapter
from skgan.datasets import load_digits_domains

TARGETS = ("digits-m", "restyled")


def flat(X):
    return X.reshape(len(X), -1)


def save_grid(rows, path, k=12):
    grid = torch.from_numpy(np.concatenate([r[:k] for r in rows]).astype(np.float32))
    save_image(torch.nn.functional.interpolate(grid, scale_factor=4, mode="nearest"), path,
               nrow=k, padding=2, pad_value=1.0)


def adaptation(target, args):
    d = load_digits_domains(target=target, random_state=args.seed)
    n = len(d.y_target) // 2  # first half: unlabelled training data; second half: test
    X_train, X_test, y_test = d.X_target[:n], d.X_target[n:], d.y_target[n:]
    # 2-D in, 2-D out: the adapter takes flattened grey digits with image_shape and
    # returns flattened colour digits, so any scikit-learn classifier can follow
    source = flat(d.X_source)
    source_only = SVC().fit(flat(np.repeat(d.X_source, 3, axis=1)), d.y_source)
    oracle = SVC().fit(flat(X_train), d.y_target[:n])
    settings = {"max_epochs": 3} if args.quick else {}  # the adapter's defaults otherwise
    pipe = Pipeline([
        ("adapt", GANDomainAdapter(image_shape=(1, 8, 8), random_state=args.seed, **settings)),
        ("clf", SVC()),
    ])
    start = time.perf_counter()
    pipe.fit(source, d.y_source, adapt__X_target=flat(X_train))
    fit_s = time.perf_counter() - start
    print(f"\n[{target}] {len(source)} labelled grey digits -> {n} unlabelled colour digits; "
          f"adapter fit {fit_s:.1f} s ({pipe[0].n_epochs_} epochs)")
    print(f"  SVC accuracy on {len(y_test)} held-out real {target} digits:")
    print(f"    source-only (trained on grey digits as RGB): "
          f"{source_only.score(flat(X_test), y_test):.3f}")
    print(f"    skgan-adapted (trained on pseudo-target):    {pipe.score(flat(X_test), y_test):.3f}")
    print(f"    target-only oracle (trained on {n} labelled):  "
          f"{oracle.score(flat(X_test), y_test):.3f}")
    translated = pipe[0].transform(source, sample_domain="source").reshape(-1, 3, 8, 8)
    path = args.out / f"adapt_{target}.png"
    save_grid([np.repeat(d.X_source, 3, axis=1), translated, X_test], path)
    print(f"  saved {path} (rows: source, translated, real target)")


def translation(args):
    d = load_digits_domains(random_state=args.seed)
    # a classifier that knows only domain B (first half of its labelled digits)
    n = len(d.y_target) // 2
    clf = LogisticRegression(max_iter=2000).fit(flat(d.X_target[:n]), d.y_target[:n])
    tr = CycleGANTranslator(
        generator="unet", n_filters=16, lambda_cyc=5.0, lambda_id=0.0,
        max_epochs=3 if args.quick else 25, random_state=args.seed,
    )
    start = time.perf_counter()
    tr.fit(d.X_source, X_target=d.X_target)  # no labels used
    fit_s = time.perf_counter() - start
    X_ab = tr.transform(d.X_source)
    X_aba = tr.inverse_transform(X_ab)
    grey_as_rgb = np.repeat(d.X_source, 3, axis=1)
    print(f"\n[translation] CycleGAN grey <-> restyled digits, fit {fit_s:.1f} s "
          f"({tr.n_epochs_} epochs, {tr.device_})")
    print(f"  cycle error |A->B->A - A| (pixels in [0, 1]): {np.abs(X_aba - d.X_source).mean():.4f}")
    print(f"  B-classifier accuracy on held-out real B digits:   "
          f"{clf.score(flat(d.X_target[n:]), d.y_target[n:]):.3f}")
    print(f"  B-classifier accuracy on untranslated A digits:    "
          f"{clf.score(flat(grey_as_rgb), d.y_source):.3f}")
    print(f"  B-classifier accuracy on A digits translated to B: "
          f"{clf.score(flat(X_ab), d.y_source):.3f}")
    path = args.out / "cyclegan_digits.png"
    save_grid([grey_as_rgb, X_ab, np.repeat(X_aba, 3, axis=1), d.X_target], path)
    print(f"  saved {path} (rows: source A, A->B, A->B->A, real B)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo_output"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3 epochs each (a smoke run)")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch intra-op threads (default 2): the figures depend on it, "
                             "since the order of float sums does")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        for target in TARGETS:
            adaptation(target, args)
        translation(args)
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    main()
