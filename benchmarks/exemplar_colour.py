"""Experiment (not library code): colour the adapter's renderings from a target exemplar.

The ``grey-polarity`` head is in the library now, as
``GANDomainAdapter(exemplar_colour=...)`` (``skgan.nn.exemplar``; there the exemplars'
statistics are computed once at fit instead of from the target walk's batches); this
script keeps the experiment's figures and the AdaIN-style ``recolour`` head reproducible.

Reproduces BENCHMARKS.md's digits-M figures ("Bundled demo pair"). The adapter's
source->target generator is wrapped so that its output is re-coloured per sample
from a random real target image (the *exemplar*), whose statistics also reach the
generator as noise channels (``noise_dim``); at ``transform`` each source row gets
a random target row's statistics.

Heads (``--head``):

* ``recolour``: the rendering's channels standardised, then given the exemplar's
  per-channel mean and std (AdaIN-style);
* ``grey-polarity``: the rendering averaged to one grey map, standardised, oriented
  with its strokes (the skewed minority side) positive, then coloured per channel
  with the exemplar's mean and std and the exemplar's *polarity*: per channel, the
  sign of its weight in the exemplar's first principal component times the sign of
  that component's skewness (whether the channel is brighter on the exemplar's
  minority side).

SVC on the renderings, scored on the real target test half; one fit per call:

    OMP_NUM_THREADS=1 python benchmarks/exemplar_colour.py --seed 0 --target digits-m \
        --head grey-polarity
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.svm import SVC
from torch import nn

import skgan.domain_adaptation as da
from skgan import GANDomainAdapter
from skgan.datasets import load_digits_domains
from skgan.nn.exemplar import polarity, skewness


class ExemplarColour(nn.Module):
    """``inner``'s rendering, coloured from the statistics appended to its input."""

    def __init__(self, inner, c_in, c_out, head):
        super().__init__()
        self.inner, self.c_in, self.c_out, self.head = inner, c_in, c_out, head

    def forward(self, x):
        out = self.inner(x)
        c = self.c_out
        s = x[:, self.c_in :, 0, 0]
        mean, std = s[:, :c, None, None], s[:, c : 2 * c, None, None]
        if self.head == "recolour":
            z = (out - out.mean((2, 3), keepdim=True)) / (out.std((2, 3), keepdim=True) + 1e-3)
            return (z * std + mean).clamp(-1, 1)
        sign = s[:, 2 * c : 3 * c, None, None]
        grey = out.mean(1, keepdim=True)
        grey = (grey - grey.mean((2, 3), keepdim=True)) / (grey.std((2, 3), keepdim=True) + 1e-3)
        grey = grey * torch.sign(skewness(grey.flatten(1)) + 1e-12)[:, None, None, None]
        return (mean + sign * std * grey).clamp(-1, 1)


def statistics(images, head):
    parts = [images.mean((2, 3)), images.std((2, 3))]
    if head == "grey-polarity":
        parts.append(polarity(images))
    return torch.cat(parts, 1)


def make_adapter(head, **params):
    class Objective(da.DomainAdaptationObjective):
        def _noise(self, net, n, exemplars=None):
            exemplars, _ = net.draw_target(n)
            return statistics(exemplars, head)

    class Adapter(GANDomainAdapter):
        def _build_modules(self, source_shape, target_shape, fitted):
            g, d = super()._build_modules(source_shape, target_shape, fitted)
            g["st"] = ExemplarColour(g["st"], source_shape[0], target_shape[0], head)
            return g, d

        def _objective(self, fitted):
            base = super()._objective(fitted)
            objective = Objective.__new__(Objective)
            objective.__dict__.update(base.__dict__)
            return objective

        def fit(self, X, y, *, X_target=None, y_target=None):
            self.exemplars_ = np.asarray(X_target)
            return super().fit(X, y, X_target=X_target, y_target=y_target)

        def _render(self, X, noise_seed):
            Z = self.source_spec_.encode(X)
            rng = np.random.RandomState(noise_seed)
            rows = self.exemplars_[rng.randint(len(self.exemplars_), size=len(Z))]
            noise = statistics(self.target_spec_.encode(rows), head)
            return self.target_spec_.decode(self._generate("st", da.add_noise(Z, noise)), X.ndim)

    return Adapter(exemplar_colour=False, **params)  # the library's head off: this one


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default="digits-m", choices=["digits-m", "restyled"])
    parser.add_argument("--head", default="grey-polarity", choices=["recolour", "grey-polarity"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--params", default="{}", help="JSON of extra GANDomainAdapter params")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    flat = lambda X: X.reshape(len(X), -1)  # noqa: E731
    d = load_digits_domains(target=args.target, random_state=args.seed)
    half = len(d.y_target) // 2
    X_train, X_test, y_test = d.X_target[:half], d.X_target[half:], d.y_target[half:]
    n_stats = 3 if args.head == "grey-polarity" else 2
    adapter = make_adapter(args.head, random_state=args.seed, noise_dim=n_stats * X_train.shape[1],
                           **json.loads(args.params))
    start = time.perf_counter()
    adapter.fit(d.X_source, d.y_source, X_target=X_train)
    rendered = adapter.transform(d.X_source, sample_domain="source")
    svc = SVC().fit(flat(rendered), d.y_source).score(flat(X_test), y_test)
    task = float((adapter.predict_task(X_test) == y_test).mean())
    print(json.dumps({"seed": args.seed, "target": args.target, "head": args.head,
                      "svc": round(svc, 3), "task_net": round(task, 3),
                      "fit_s": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
