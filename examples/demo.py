"""skgan demo: unpaired translation of digits <-> restyled colour digits.

Runs on data that ships with scikit-learn, on CPU in about a minute:

    make demo            # or: python examples/demo.py [--epochs N] [--out DIR]

It fits a CycleGANTranslator between grey digits (domain A) and inverted,
orange-tinted digits (domain B, different images), then prints

* the cycle reconstruction error A -> B -> A,
* the accuracy of a classifier trained on labelled domain-B digits, on
  untranslated A digits and on A digits translated to B,

and saves a PNG grid: source / translated / reconstructed rows.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torchvision.utils import save_image

from skgan import CycleGANTranslator
from skgan.datasets import load_digits_domains


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--out", type=Path, default=Path("demo_output"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    d = load_digits_domains(random_state=args.seed)
    print(f"domain A: {d.X_source.shape} grey digits; domain B: {d.X_target.shape} restyled digits")

    # a classifier that knows only domain B (first half of its labelled digits)
    n = len(d.y_target) // 2
    clf = LogisticRegression(max_iter=2000).fit(d.X_target[:n].reshape(n, -1), d.y_target[:n])
    acc_b = clf.score(d.X_target[n:].reshape(len(d.y_target) - n, -1), d.y_target[n:])

    tr = CycleGANTranslator(
        generator="unet", n_filters=16, lambda_cyc=5.0, lambda_id=0.0, max_epochs=args.epochs,
        random_state=args.seed, verbose=1,
    )
    start = time.perf_counter()
    tr.fit(d.X_source, X_target=d.X_target)  # no labels used
    fit_s = time.perf_counter() - start

    X_ab = tr.transform(d.X_source)
    X_aba = tr.inverse_transform(X_ab)
    grey_as_rgb = np.repeat(d.X_source, 3, axis=1)
    flat = len(X_ab), -1
    print(f"\nfit: {fit_s:.1f} s for {tr.n_epochs_} epochs on {tr.device_}")
    print(f"cycle error |A->B->A - A| (pixels in [0, 1]): {np.abs(X_aba - d.X_source).mean():.4f}")
    print(f"B-classifier accuracy on held-out real B digits:   {acc_b:.3f}")
    print(f"B-classifier accuracy on untranslated A digits:    {clf.score(grey_as_rgb.reshape(flat), d.y_source):.3f}")
    print(f"B-classifier accuracy on A digits translated to B: {clf.score(X_ab.reshape(flat), d.y_source):.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    k = 12
    rows = [grey_as_rgb[:k], X_ab[:k], np.repeat(X_aba[:k], 3, axis=1), d.X_target[:k]]
    grid = torch.from_numpy(np.concatenate(rows))
    path = args.out / "cyclegan_digits.png"
    save_image(torch.nn.functional.interpolate(grid, scale_factor=4, mode="nearest"), path,
               nrow=k, padding=2, pad_value=1.0)
    print(f"saved {path} (rows: source A, A->B, A->B->A, real B)")


if __name__ == "__main__":
    main()
