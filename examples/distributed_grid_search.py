"""Spread skgan's grid searches over a Dask cluster (joblib's "dask" backend).

Two searches on scikit-learn's bundled digits (grey digits -> restyled digits):

1. ``GridSearchCV`` over a ``Pipeline([GANDomainAdapter(), LogisticRegression()])``,
   searching ``adapt__lambda_cyc`` x ``adapt__lambda_content`` with a labelled target
   validation set as the scorer (``make_target_scorer``) and the unlabelled target
   passed whole to every fold (``Unsplit``);
2. ``GridSearchCV`` over ``PretrainedGANFineTuner(freeze_discriminator=...)``, from a
   GAN pretrained on grey digits to 40 inverted digits, scored by FID.

Each candidate x fold fit is one joblib task; under ``joblib.parallel_backend("dask")``
the tasks run on the cluster's workers::

    pip install "skgan[dask]"
    python examples/distributed_grid_search.py                  # LocalCluster, 2 workers
    python examples/distributed_grid_search.py --workers 4      # more local workers
    python examples/distributed_grid_search.py --scheduler tcp://10.0.0.1:8786
    python examples/distributed_grid_search.py --compare        # also n_jobs=1: same numbers?

GPUs: give each worker its own device with ``CUDA_VISIBLE_DEVICES`` when starting it
(``CUDA_VISIBLE_DEVICES=0 dask worker tcp://...:8786 --nthreads 1``, one command per
GPU, or dask-cuda's ``LocalCUDACluster``, which does the same). skgan's
``device="auto"`` resolves to ``"cuda"`` -- the worker's current device, the one it
was given -- never to a fixed ``cuda:0`` of the whole machine.

Whatever the pipeline holds must be importable on the workers: a function defined in
the script that builds the search (a ``FunctionTransformer(my_flatten)``) is not,
when that script is imported rather than run.

Results are bitwise those of ``n_jobs=1`` when the workers use as many threads as
the serial run, in torch and in the BLAS / OpenMP pools (Dask's nanny starts workers
with ``OMP_NUM_THREADS=1``; the serial run here limits both to one thread with
``threadpoolctl``, which scikit-learn installs), since every fit draws its randomness
from its own ``random_state``.
"""

import argparse
import time
from contextlib import contextmanager

import joblib
import numpy as np
import torch
from threadpoolctl import threadpool_limits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skgan import GAN, GANDomainAdapter, PretrainedGANFineTuner, Unsplit
from skgan.datasets import load_digits_domains, restyle_images
from skgan.metrics import make_fid_scorer, make_target_scorer


def flat(X):
    return X.reshape(len(X), -1)


def make_searches(quick=False, random_state=0):
    """The two searches, unfitted, with what each one's ``fit`` takes.

    Returns a dict ``name -> (search, X, y, fit_params)``. ``quick``: a few epochs
    each (tests, smoke runs).
    """
    d = load_digits_domains(target="restyled", random_state=random_state)
    n = len(d.y_target) // 2
    # flattened digits in and out (image_shape), so no step of the pipeline is a
    # function of this script: the workers must be able to import whatever it holds
    adapter = GANDomainAdapter(image_shape=(1, 8, 8), max_epochs=2 if quick else 20,
                               random_state=random_state)
    pipe = Pipeline([("adapt", adapter), ("clf", LogisticRegression(max_iter=500))])
    adapt = GridSearchCV(
        pipe, {"adapt__lambda_cyc": [0.0, 5.0], "adapt__lambda_content": [0.0, 0.3]},
        scoring=make_target_scorer(flat(d.X_target[n:]), d.y_target[n:]), cv=2, n_jobs=-1,
    )
    inverted = restyle_images(d.X_source[:, 0], tint=(1.0,))  # dark strokes on light ground
    gan = GAN(n_filters=16, max_epochs=2 if quick else 40, random_state=random_state)
    gan.fit(d.X_source)
    freeze = GridSearchCV(
        PretrainedGANFineTuner(pretrained=gan, max_epochs=5 if quick else 100,
                               random_state=random_state),
        {"freeze_discriminator": [0, 1]},
        scoring=make_fid_scorer(inverted[200:], n_samples=500), cv=2, n_jobs=-1,
    )
    return {
        "adapter pipeline": (adapt, flat(d.X_source), d.y_source,
                             {"adapt__X_target": Unsplit(flat(d.X_target[:n]))}),
        "fine-tuner freezing": (freeze, inverted[:40], None, {}),
    }


@contextmanager
def threads(n):
    """Run the body with ``n`` threads in torch and in the native pools (BLAS, OpenMP:
    scikit-learn's classifiers), as a Dask worker started with ``OMP_NUM_THREADS=1``
    has; then restore the counts. Limiting torch alone is not enough: with
    OpenBLAS at two threads, one fold's LogisticRegression scored 1/450 apart."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield
    finally:
        torch.set_num_threads(before)


def fit_search(search, X, y, fit_params, backend=None):
    """Fit ``search`` (under joblib ``backend`` when given, else with ``n_jobs=1``);
    return the wall time in s. This process uses one thread meanwhile, as the
    workers do, since the final refit on the best candidate runs here."""
    start = time.perf_counter()
    with threads(1):
        if backend is None:
            search.set_params(n_jobs=1).fit(X, y, **fit_params)
        else:
            with joblib.parallel_backend(backend):
                search.fit(X, y, **fit_params)
    return time.perf_counter() - start


def report(name, search, seconds):
    res = search.cv_results_
    print(f"\n[{name}] {len(res['params'])} candidates x {search.n_splits_} folds, "
          f"{seconds:.1f} s; best {search.best_params_}")
    for params, mean, std in zip(res["params"], res["mean_test_score"], res["std_test_score"]):
        print(f"  {params}: {mean:.4f} +- {std:.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler "
                        "(default: start a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--compare", action="store_true",
                        help="also fit with n_jobs=1 and check that the scores are equal")
    parser.add_argument("--quick", action="store_true", help="a few epochs per fit")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster  # the optional extra: skgan[dask]

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers ({client})")
    try:
        for name, (search, X, y, fit_params) in make_searches(args.quick).items():
            seconds = fit_search(search, X, y, fit_params, backend="dask")
            report(name, search, seconds)
            if args.compare:
                serial = GridSearchCV(**search.get_params(deep=False))
                serial_s = fit_search(serial, X, y, fit_params)
                same = all(np.array_equal(search.cv_results_[k], serial.cv_results_[k])
                           for k in search.cv_results_ if "_test_" in k)
                print(f"  n_jobs=1: {serial_s:.1f} s ({serial_s / seconds:.2f}x the Dask "
                      f"run's time); scores bitwise equal: {same}")
    finally:
        client.close()


if __name__ == "__main__":
    main()
