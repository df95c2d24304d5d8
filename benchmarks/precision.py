"""What reduced precision does to training: fp32 against bf16 (and fp16) on the demo pairs.

The same fits as ``examples/demo.py``, under each ``--precisions`` value and
``--seeds``: a ``CycleGANTranslator`` between grey and restyled digits (cycle
error |A->B->A - A| in [0, 1] pixels, and a restyled-digit LogisticRegression's
accuracy on the translated grey digits), and ``GANDomainAdapter()`` (defaults)
in a Pipeline with an SVC on the restyled pair (accuracy on held-out real
target digits). Same number of steps in every precision; fit wall time too
(8x8 images on a CPU: the time says little about larger images, see
``benchmarks/throughput.py`` for that).

    python benchmarks/precision.py --threads 1
    python benchmarks/precision.py --seeds 0 --precisions fp32 bf16 --quick
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
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skgan import CycleGANTranslator, GANDomainAdapter
from skgan.datasets import load_digits_domains
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def flat(X):
    return X.reshape(len(X), -1)


def translation(precision, seed, quick):
    d = load_digits_domains(random_state=seed)
    n = len(d.y_target) // 2
    clf = LogisticRegression(max_iter=2000).fit(flat(d.X_target[:n]), d.y_target[:n])
    tr = CycleGANTranslator(generator="unet", n_filters=16, lambda_cyc=5.0, lambda_id=0.0,
                            max_epochs=3 if quick else 25, random_state=seed, precision=precision)
    start = time.perf_counter()
    tr.fit(d.X_source, X_target=d.X_target)
    fit_s = time.perf_counter() - start
    X_ab = tr.transform(d.X_source)
    return {"cycle_error": float(np.abs(tr.inverse_transform(X_ab) - d.X_source).mean()),
            "accuracy_on_translations": float(clf.score(flat(X_ab), d.y_source)),
            "translation_fit_s": fit_s}


def adaptation(precision, seed, quick):
    d = load_digits_domains(target="restyled", random_state=seed)
    n = len(d.y_target) // 2
    settings = {"max_epochs": 3} if quick else {}
    pipe = Pipeline([("adapt", GANDomainAdapter(image_shape=(1, 8, 8), random_state=seed,
                                                precision=precision, **settings)),
                     ("clf", SVC())])
    start = time.perf_counter()
    pipe.fit(flat(d.X_source), d.y_source, adapt__X_target=flat(d.X_target[:n]))
    fit_s = time.perf_counter() - start
    return {"adapted_accuracy": float(pipe.score(flat(d.X_target[n:]), d.y_target[n:])),
            "adapter_fit_s": fit_s}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"],
                        choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default="precision.json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for seed in args.seeds:
        for precision in args.precisions:
            row = {"seed": seed, "precision": precision,
                   **translation(precision, seed, args.quick), **adaptation(precision, seed, args.quick)}
            rows.append(row)
            print(f"seed {seed} {precision}: cycle error {row['cycle_error']:.4f}, accuracy on "
                  f"translations {row['accuracy_on_translations']:.3f}, adapted SVC "
                  f"{row['adapted_accuracy']:.3f}  (fits {row['translation_fit_s']:.0f} s + "
                  f"{row['adapter_fit_s']:.0f} s)", flush=True)
    keys = ("cycle_error", "accuracy_on_translations", "adapted_accuracy",
            "translation_fit_s", "adapter_fit_s")
    summary = {p: {k: float(np.mean([r[k] for r in rows if r["precision"] == p])) for k in keys}
               for p in args.precisions}
    print(f"\n{'precision':>9} " + " ".join(f"{k:>24}" for k in keys) + f"  (means over seeds {args.seeds})")
    for p, s in summary.items():
        print(f"{p:>9} " + " ".join(f"{s[k]:>24.4f}" for k in keys))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({
        "benchmark": "precision",
        "command": "python benchmarks/precision.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": vars(args), "date": datetime.now(timezone.utc).isoformat(),
        "machine": machine_info(),
        "rows": rows, "summary": summary}, indent=1))
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
