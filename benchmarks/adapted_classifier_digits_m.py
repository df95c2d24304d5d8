"""AdaptedClassifier against the Pipeline on the demo's digits -> digits-M pair.

One ``AdaptedClassifier(GANDomainAdapter(image_shape=(1, 8, 8)), SVC(), domain_weight=None)``
fit per seed, adapter defaults, on the demo's split (first half of the target digits unlabelled
training data, second half test). The Pipeline's figure comes from the same adapter
fit (``fit_transform`` is ``fit`` then ``transform(X, sample_domain="source")``), and
so does the ``domain_weight="balanced"`` figure, AdaptedClassifier's default (the same
rows, with the weights ``AdaptedClassifier()`` passes to ``SVC.fit``)::

    OMP_NUM_THREADS=1 python benchmarks/adapted_classifier_digits_m.py --seeds 0 1 2 --threads 1
"""

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from sklearn.svm import SVC

from skgan import AdaptedClassifier, GANDomainAdapter
from skgan.adapted_classifier import _weigh_domains
from skgan.datasets import load_digits_domains

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402


def flat(X):
    return X.reshape(len(X), -1)


def run(seed):
    d = load_digits_domains(target="digits-m", random_state=seed)
    n = len(d.y_target) // 2
    Xs, ys = flat(d.X_source), d.y_source
    Xt, Xt_test, yt_test = flat(d.X_target[:n]), flat(d.X_target[n:]), d.y_target[n:]
    start = time.perf_counter()
    clf = AdaptedClassifier(GANDomainAdapter(image_shape=(1, 8, 8), random_state=seed), SVC(),
                            domain_weight=None)
    clf.fit(Xs, ys, X_target=Xt)
    fit_s = time.perf_counter() - start
    rendered = clf.adapter_.transform(Xs, sample_domain="source")
    X_conf, y_conf = clf.adapter_.pseudo_label(Xt)
    X_fit, y_fit, w = _weigh_domains([rendered, X_conf], [ys, y_conf], "balanced", True)
    balanced = SVC().fit(X_fit, y_fit, sample_weight=w)
    return {
        "seed": seed,
        "source_only": SVC().fit(flat(np.repeat(d.X_source, 3, axis=1)), ys).score(Xt_test, yt_test),
        "pipeline": SVC().fit(rendered, ys).score(Xt_test, yt_test),
        "adapted_classifier": clf.score(Xt_test, yt_test),
        "adapted_classifier_balanced": balanced.score(clf.adapter_.transform(Xt_test), yt_test),
        "task_net": float(np.mean(clf.adapter_.predict_task(Xt_test) == yt_test)),
        "oracle": SVC().fit(Xt, d.y_target[:n]).score(Xt_test, yt_test),
        "n_pseudo_labelled": int(clf.n_pseudo_labelled_), "n_target": n, "fit_s": fit_s,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", default="adapted_classifier_digits_m.json",
                        help="file name in benchmarks/results")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = [run(seed) for seed in args.seeds]
    keys = ["source_only", "pipeline", "adapted_classifier", "adapted_classifier_balanced",
            "task_net", "oracle"]
    print(f"{'seed':>4} " + " ".join(f"{k:>27}" for k in keys) + "  pseudo-labelled  fit s")
    for r in rows:
        print(f"{r['seed']:>4} " + " ".join(f"{r[k]:>27.3f}" for k in keys)
              + f"  {r['n_pseudo_labelled']:>7} of {r['n_target']}  {r['fit_s']:>5.0f}")
    out = Path(__file__).resolve().parent / "results" / args.out
    out.write_text(json.dumps({
        "benchmark": "adapted_classifier_digits_m", "command": " ".join(sys.argv),
        "machine": machine_info(),
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"), "rows": rows,
    }, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
