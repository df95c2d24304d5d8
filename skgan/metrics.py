"""Distances between samples (FID, KID) with pluggable features, and scorers for GridSearchCV.

Feature extractors for :func:`frechet_distance` and :func:`kernel_distance`:

* None: the raw (flattened) features, for tabular data;
* :class:`ClassifierFeatureExtractor`: a small classifier network fitted on
  labelled data, whose penultimate layer gives the features (for digits this is
  the "LeNet FID" used in domain-adaptation and few-shot GAN papers);
* any torch module, wrapped by :class:`TorchFeatureExtractor`, e.g.
  ``skgan.nn.BackboneFeatures("resnet18", weights="resnet18.pth")`` for a
  torchvision network with weights from a local file (nothing is downloaded);
* any callable mapping an array to ``(n, d)`` features.

The two extractor classes live in :mod:`skgan.feature_extraction` and are
re-exported here.

Scorers for ``GridSearchCV`` are module-level callable classes holding their
data as attributes, so they (and a fitted search that used them) pickle:
:class:`TargetScorer`, :class:`DomainGapScorer` and :class:`SampleDistanceScorer`,
made by :func:`make_target_scorer`, :func:`make_domain_gap_scorer`,
:func:`make_fid_scorer` and :func:`make_kid_scorer`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from torch import nn

from ._data import check_input, spread_rows
from .base import transform_source
from .feature_extraction import ClassifierFeatureExtractor, TorchFeatureExtractor

__all__ = [
    "ClassifierFeatureExtractor",
    "DomainGapScorer",
    "SampleDistanceScorer",
    "TargetScorer",
    "TorchFeatureExtractor",
    "domain_gap",
    "energy_distance",
    "frechet_distance",
    "kernel_distance",
    "make_domain_gap_scorer",
    "make_fid_scorer",
    "make_kid_scorer",
    "make_target_scorer",
]


class TargetScorer:
    """Rate a fitted model on a labelled *target* validation set, whatever fold it is given.

    ``GridSearchCV`` calls scorers on held-out *source* folds; for domain
    adaptation what matters is the target. ``scorer(estimator, X, y)`` ignores
    ``X`` and ``y`` and returns ``metric(y_val, estimator.predict(X_val))``.
    Made by :func:`make_target_scorer`; it pickles when ``metric`` does (a
    module-level function, not a lambda).

    Parameters
    ----------
    X_val : array-like
        Labelled target samples (a few hundred is typical).
    y_val : array-like
        Their labels.
    metric : callable, default=accuracy_score
        ``metric(y_true, y_pred)``, higher is better.

    Attributes
    ----------
    X_val : ndarray
    y_val : ndarray
    metric : callable

    See Also
    --------
    make_target_scorer : the factory, the usual entry point.

    Examples
    --------
    >>> import numpy as np, pickle
    >>> from sklearn.dummy import DummyClassifier
    >>> from skgan.metrics import TargetScorer
    >>> X_val, y_val = np.zeros((4, 2)), np.array([0, 0, 0, 1])
    >>> scorer = pickle.loads(pickle.dumps(TargetScorer(X_val, y_val)))
    >>> scorer(DummyClassifier().fit(X_val, y_val), None, None)
    0.75
    """

    def __init__(self, X_val, y_val, *, metric=accuracy_score):
        self.X_val = np.asarray(X_val)
        self.y_val = np.asarray(y_val)
        self.metric = metric

    def __call__(self, estimator, X=None, y=None):
        """``metric(y_val, estimator.predict(X_val))``; ``X`` and ``y`` are ignored."""
        return float(self.metric(self.y_val, estimator.predict(self.X_val)))

    def __repr__(self):
        name = getattr(self.metric, "__name__", repr(self.metric))
        return f"TargetScorer(n_val={len(self.X_val)}, metric={name})"


def make_target_scorer(X_val, y_val, *, metric=accuracy_score):
    """Scorer that rates a fitted model on a small labelled *target* validation set.

    ``GridSearchCV`` calls scorers on held-out *source* folds; for domain
    adaptation what matters is the target. This scorer ignores the fold it is
    given and returns ``metric(y_val, estimator.predict(X_val))``.

    Parameters
    ----------
    X_val : array-like
        Labelled target samples (a few hundred is typical).
    y_val : array-like
        Their labels.
    metric : callable, default=accuracy_score
        ``metric(y_true, y_pred)``, higher is better.

    Returns
    -------
    scorer : TargetScorer
        Callable ``scorer(estimator, X, y) -> float``; picklable.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skgan.metrics import make_target_scorer
    >>> X_val, y_val = np.zeros((4, 2)), np.array([0, 0, 0, 1])
    >>> scorer = make_target_scorer(X_val, y_val)
    >>> scorer(DummyClassifier().fit(X_val, y_val), None, None)
    0.75
    """
    return TargetScorer(X_val, y_val, metric=metric)


def _features(X, feature_extractor, name):
    X = check_input(X, input_name=name, ensure_min_samples=2)
    if isinstance(feature_extractor, nn.Module):
        feature_extractor = TorchFeatureExtractor(feature_extractor)
    if feature_extractor is not None:
        X = np.asarray(feature_extractor(X))
    return X.reshape(len(X), -1).astype(np.float64)


def frechet_distance(X_a, X_b, *, feature_extractor=None):
    """Fréchet distance between Gaussians fitted to two samples' features.

    ``||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``: FID when the features
    come from an Inception network; here raw (flattened) features by default.
    The trace of the matrix square root is computed from the eigenvalues of
    ``S_a S_b``, which are real and non-negative, so singular covariances are fine.

    Parameters
    ----------
    X_a, X_b : array-like
        Samples in the same layout.
    feature_extractor : callable, torch.nn.Module or None, default=None
        Maps a validated array to features ``(n, d)``: e.g. a fitted
        :class:`ClassifierFeatureExtractor` ("LeNet FID"), or a torch module
        (wrapped in :class:`TorchFeatureExtractor`). None uses the flattened
        data.

    Returns
    -------
    distance : float >= 0

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import frechet_distance
    >>> rng = np.random.RandomState(0)
    >>> a = rng.randn(5000, 2)
    >>> round(frechet_distance(a, a + [3.0, 4.0]), 3)
    25.0
    """
    A = _features(X_a, feature_extractor, "X_a")
    B = _features(X_b, feature_extractor, "X_b")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X_a has {A.shape[1]} features per sample but X_b has {B.shape[1]}.")
    cov_a = np.atleast_2d(np.cov(A, rowvar=False))
    cov_b = np.atleast_2d(np.cov(B, rowvar=False))
    eig = np.linalg.eigvals(cov_a @ cov_b).real
    tr_sqrt = np.sqrt(np.clip(eig, 0.0, None)).sum()
    mean_term = float(((A.mean(0) - B.mean(0)) ** 2).sum())
    return max(0.0, mean_term + float(np.trace(cov_a) + np.trace(cov_b) - 2.0 * tr_sqrt))


def kernel_distance(X_a, X_b, *, feature_extractor=None, n_subsets=100, subset_size=1000,
                    degree=3, gamma=None, coef0=1.0, random_state=0, return_std=False):
    """Kernel distance: the unbiased squared MMD with a polynomial kernel (KID).

    The Kernel Inception Distance of Bińkowski et al. (2018) with any
    features: ``k(x, y) = (gamma <x, y> + coef0) ** degree`` (``gamma =
    1 / d`` by default), the unbiased MMD² estimate on ``n_subsets`` random
    subsets of ``subset_size`` samples from each set (without replacement),
    averaged. Unlike FID it is unbiased, so it compares fairly across sample
    sizes, and it can be slightly negative when the sets match.

    Parameters
    ----------
    X_a, X_b : array-like
        Samples in the same layout.
    feature_extractor : callable, torch.nn.Module or None, default=None
        As for :func:`frechet_distance`.
    n_subsets : int, default=100
    subset_size : int, default=1000
        Capped at the size of the smaller set.
    degree : int, default=3
    gamma : float or None, default=None
        None uses ``1 / n_features``.
    coef0 : float, default=1.0
    random_state : int, RandomState instance or None, default=0
        Draws the subsets.
    return_std : bool, default=False
        Also return the standard deviation over subsets.

    Returns
    -------
    distance : float
        Mean over subsets.
    std : float
        Standard deviation over subsets (only when ``return_std=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import kernel_distance
    >>> rng = np.random.RandomState(0)
    >>> a, b = rng.randn(500, 4), rng.randn(500, 4)
    >>> abs(kernel_distance(a, b)) < 0.01, kernel_distance(a, b + 1.0) > 0.5
    (True, True)
    """
    A = _features(X_a, feature_extractor, "X_a")
    B = _features(X_b, feature_extractor, "X_b")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X_a has {A.shape[1]} features per sample but X_b has {B.shape[1]}.")
    for name, value, low in (("n_subsets", n_subsets, 1), ("subset_size", subset_size, 2),
                             ("degree", degree, 1)):
        if not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    gamma = 1.0 / A.shape[1] if gamma is None else float(gamma)
    m = min(subset_size, len(A), len(B))
    rng = check_random_state(random_state)
    off_diag = m * (m - 1)
    values = np.empty(n_subsets)
    for i in range(n_subsets):
        a = A[rng.choice(len(A), m, replace=False)]
        b = B[rng.choice(len(B), m, replace=False)]
        k_aa = (gamma * a @ a.T + coef0) ** degree
        k_bb = (gamma * b @ b.T + coef0) ** degree
        k_ab = (gamma * a @ b.T + coef0) ** degree
        values[i] = ((k_aa.sum() - np.trace(k_aa)) / off_diag
                     + (k_bb.sum() - np.trace(k_bb)) / off_diag
                     - 2.0 * k_ab.mean())
    mean, std = float(values.mean()), float(values.std())
    return (mean, std) if return_std else mean


def _generated(estimator, n_samples, random_state):
    out = estimator.sample(n_samples, random_state=random_state)
    return out[0] if isinstance(out, tuple) else out


class SampleDistanceScorer:
    """Minus a distance (FID or KID) between a generative model's samples and real data.

    ``scorer(estimator, X=None, y=None)`` draws samples with
    ``estimator.sample(n, random_state=random_state)`` and compares their
    features with those of ``X_target`` when given, else with those of the
    held-out fold ``X`` that cross-validation passes. Higher (closer to 0) is
    better. ``X_target``'s features are computed on the first call and kept in
    :attr:`reference_features_`, a numpy array, so the scorer pickles (with its
    cache) whenever ``feature_extractor`` does. Made by :func:`make_fid_scorer`
    and :func:`make_kid_scorer`.

    Parameters
    ----------
    X_target : array-like or None, default=None
        Held-out real samples; None compares with the scored fold.
    distance : {"frechet", "kernel"}, default="frechet"
        :func:`frechet_distance` (FID) or :func:`kernel_distance` (KID).
    feature_extractor : callable, torch.nn.Module or None, default=None
        See :func:`frechet_distance`.
    n_samples : int or None, default=None
        Samples to generate; None generates as many as there are real ones.
    random_state : int, default=0
        Passed to ``sample`` (so every candidate is scored on the same noise)
        and, for "kernel", seeds the KID subsets.
    n_subsets : int, default=50
        For "kernel": see :func:`kernel_distance`.
    subset_size : int, default=1000
        For "kernel": see :func:`kernel_distance`.

    Attributes
    ----------
    X_target : ndarray or None
        The validated real samples.
    reference_features_ : ndarray or None
        Features of ``X_target``, once the scorer has been called.

    See Also
    --------
    make_fid_scorer, make_kid_scorer : the factories, the usual entry points.

    Examples
    --------
    >>> import numpy as np, pickle
    >>> from skgan import GAN
    >>> from skgan.metrics import SampleDistanceScorer
    >>> X = np.random.RandomState(0).randn(200, 2)
    >>> scorer = SampleDistanceScorer(X, distance="frechet")
    >>> gan = GAN(max_epochs=1, random_state=0).fit(X)
    >>> score = scorer(gan)
    >>> scorer.reference_features_.shape
    (200, 2)
    >>> pickle.loads(pickle.dumps(scorer))(gan) == score
    True
    """

    _distances = ("frechet", "kernel")

    def __init__(self, X_target=None, *, distance="frechet", feature_extractor=None,
                 n_samples=None, random_state=0, n_subsets=50, subset_size=1000):
        if distance not in self._distances:
            raise ValueError(f"distance must be 'frechet' or 'kernel'; got {distance!r}.")
        if X_target is not None:
            X_target = check_input(X_target, input_name="X_target", ensure_min_samples=2)
        self.X_target = X_target
        self.distance = distance
        self.feature_extractor = feature_extractor
        self.n_samples = n_samples
        self.random_state = random_state
        self.n_subsets = n_subsets
        self.subset_size = subset_size
        self.reference_features_ = None

    def _distance(self, A, B):
        if self.distance == "frechet":
            return frechet_distance(A, B)
        return kernel_distance(A, B, n_subsets=self.n_subsets, subset_size=self.subset_size,
                               random_state=self.random_state)

    def _reference(self, X):
        if self.X_target is None:
            if X is None:
                raise ValueError(f"{self._name} needs X_target, or held-out samples X to "
                                 "compare with.")
            return _features(X, self.feature_extractor, "X")
        if self.reference_features_ is None:  # computed once, reused for every candidate
            self.reference_features_ = _features(self.X_target, self.feature_extractor,
                                                 "X_target")
        return self.reference_features_

    @property
    def _name(self):
        return "fid_scorer" if self.distance == "frechet" else "kid_scorer"

    def __call__(self, estimator, X=None, y=None):
        """Minus the distance between ``estimator``'s samples and the real data."""
        ref = self._reference(X)
        n = len(ref) if self.n_samples is None else self.n_samples
        fake = _features(_generated(estimator, n, self.random_state), self.feature_extractor,
                         "samples")
        return -self._distance(ref, fake)

    def __repr__(self):
        target = "None" if self.X_target is None else f"<{len(self.X_target)} samples>"
        return (f"SampleDistanceScorer(X_target={target}, distance={self.distance!r}, "
                f"n_samples={self.n_samples}, random_state={self.random_state!r})")


def make_fid_scorer(X_target=None, *, feature_extractor=None, n_samples=None, random_state=0):
    """Scorer: minus the Fréchet distance between a model's samples and real data.

    For generative estimators (:class:`~skgan.GAN`,
    :class:`~skgan.PretrainedGANFineTuner`, anything with ``sample``) in
    ``GridSearchCV``: ``scorer(estimator, X)`` draws samples with
    ``estimator.sample(n, random_state=random_state)`` and compares them with
    ``X_target`` when given (a held-out target set, whose features are
    computed once), else with the held-out fold ``X`` that cross-validation
    passes. Higher (closer to 0) is better.

    Parameters
    ----------
    X_target : array-like or None, default=None
        Held-out real samples; None compares with the scored fold.
    feature_extractor : callable, torch.nn.Module or None, default=None
        See :func:`frechet_distance`; e.g. a fitted
        :class:`ClassifierFeatureExtractor` for "LeNet FID".
    n_samples : int or None, default=None
        Samples to generate; None generates as many as there are real ones.
    random_state : int, default=0
        Passed to ``sample``, so every candidate is scored on the same noise.

    Returns
    -------
    scorer : SampleDistanceScorer
        Callable ``scorer(estimator, X=None, y=None) -> float``; picklable.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN
    >>> from skgan.metrics import make_fid_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2) + 3.0
    >>> scorer = make_fid_scorer(X)
    >>> gan = GAN(max_epochs=2, random_state=0).fit(X)
    >>> scorer(gan) < 0
    True
    """
    return SampleDistanceScorer(X_target, distance="frechet", feature_extractor=feature_extractor,
                                n_samples=n_samples, random_state=random_state)


def make_kid_scorer(X_target=None, *, feature_extractor=None, n_samples=None, random_state=0,
                    n_subsets=50, subset_size=1000):
    """Scorer: minus the kernel distance (KID) between a model's samples and real data.

    As :func:`make_fid_scorer`, with :func:`kernel_distance`.

    Parameters
    ----------
    X_target : array-like or None, default=None
    feature_extractor : callable, torch.nn.Module or None, default=None
    n_samples : int or None, default=None
    random_state : int, default=0
        Seeds ``sample`` and the KID subsets.
    n_subsets, subset_size : int, default=50, 1000

    Returns
    -------
    scorer : SampleDistanceScorer
        Callable ``scorer(estimator, X=None, y=None) -> float``; picklable.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN
    >>> from skgan.metrics import make_kid_scorer
    >>> X = np.random.RandomState(0).randn(200, 2)
    >>> isinstance(make_kid_scorer(X)(GAN(max_epochs=1, random_state=0).fit(X)), float)
    True
    """
    return SampleDistanceScorer(X_target, distance="kernel", feature_extractor=feature_extractor,
                                n_samples=n_samples, random_state=random_state,
                                n_subsets=n_subsets, subset_size=subset_size)


def domain_gap(X_a, X_b, *, cv=3, max_samples=2000, random_state=0):
    """Proxy A-distance between two samples: how well a classifier tells them apart.

    A standardised logistic regression is cross-validated on "A or B?" with
    balanced classes; with its accuracy ``acc`` the gap is ``2 * (2 * acc - 1)``,
    clipped to [0, 2] (Ben-David et al., 2007). 0 means indistinguishable.

    Parameters
    ----------
    X_a, X_b : array-like
        Samples of the two domains in the same layout (flattened internally).
    cv : int, default=3
    max_samples : int, default=2000
        Per domain; larger samples are subsampled.
    random_state : int, default=0

    Returns
    -------
    gap : float in [0, 2]

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import domain_gap
    >>> rng = np.random.RandomState(0)
    >>> round(domain_gap(rng.randn(200, 3), rng.randn(200, 3) + 5), 2)
    2.0
    """
    X_a = check_input(X_a, input_name="X_a", ensure_min_samples=cv)
    X_b = check_input(X_b, input_name="X_b", ensure_min_samples=cv)
    X_a, X_b = X_a.reshape(len(X_a), -1), X_b.reshape(len(X_b), -1)
    if X_a.shape[1] != X_b.shape[1]:
        raise ValueError(
            f"X_a has {X_a.shape[1]} features per sample but X_b has {X_b.shape[1]}."
        )
    rng = check_random_state(random_state)
    n = min(len(X_a), len(X_b), max_samples)
    X = np.vstack([X_a[rng.permutation(len(X_a))[:n]], X_b[rng.permutation(len(X_b))[:n]]])
    y = np.repeat([0, 1], n)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    acc = cross_val_score(clf, X.astype(np.float64), y, cv=cv).mean()
    return float(np.clip(2.0 * (2.0 * acc - 1.0), 0.0, 2.0))


def energy_distance(X_a, X_b, *, max_samples=1000):
    """Energy distance between two samples (Székely and Rizzo, 2004).

    ``2 E|a - b| - E|a - a'| - E|b - b'|`` over Euclidean distances of the
    flattened rows (the V-statistic: pairs of a row with itself included):
    0 for identical samples, larger the more the two distributions differ, in
    location, scale or shape, jointly over the features. Used by
    :class:`~skgan.GANDomainAdapter` to choose its ``encoding``.

    Parameters
    ----------
    X_a, X_b : array-like
        Samples in the same layout.
    max_samples : int, default=1000
        Per sample; larger samples are subsampled (evenly spaced rows, no
        randomness), so the cost stays at most ``max_samples ** 2`` distances.

    Returns
    -------
    distance : float

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.metrics import energy_distance
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(400, 3)
    >>> near, far = energy_distance(X[:200], X[200:]), energy_distance(X[:200], X[200:] + 2)
    >>> bool(near < 0.05 < 1.0 < far)
    True
    """
    from scipy.spatial.distance import cdist

    X_a = check_input(X_a, input_name="X_a", ensure_min_samples=2)
    X_b = check_input(X_b, input_name="X_b", ensure_min_samples=2)

    def rows(X):
        keep = spread_rows(len(X), max_samples)
        return np.asarray(X[keep], dtype=np.float64).reshape(len(keep), -1)

    A, B = rows(X_a), rows(X_b)
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"X_a has {A.shape[1]} features per sample but X_b has {B.shape[1]}."
        )
    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


class DomainGapScorer:
    """Unsupervised scorer: minus a distance between adapted data and the target.

    Needs no target labels. ``scorer(estimator, X, y=None)`` transforms the
    held-out fold ``X`` with the fitted adapter (the estimator itself, or every
    step of a ``Pipeline`` but the last) and measures how far the result still
    is from ``X_target``. Higher (closer to 0) is better. Made by
    :func:`make_domain_gap_scorer`; it pickles whenever ``feature_extractor``
    does.

    Parameters
    ----------
    X_target : array-like or Unsplit
        Target-domain samples (held-out ones are best).
    method : {"frechet", "classifier"}, default="frechet"
        "frechet": :func:`frechet_distance`; "classifier": :func:`domain_gap`.
    feature_extractor : callable or None, default=None
        For "frechet": features to compare.
    random_state : int, default=0
        For "classifier".

    Attributes
    ----------
    X_target : ndarray
        The validated target samples.

    See Also
    --------
    make_domain_gap_scorer : the factory, the usual entry point.

    Examples
    --------
    >>> import numpy as np, pickle
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgan.metrics import DomainGapScorer
    >>> rng = np.random.RandomState(0)
    >>> scorer = pickle.loads(pickle.dumps(DomainGapScorer(rng.randn(300, 2))))
    >>> X = 3.0 * rng.randn(300, 2) + 5.0
    >>> bool(scorer(StandardScaler().fit(X), X) > -0.1)  # standardising closes the gap
    True
    """

    def __init__(self, X_target, *, method="frechet", feature_extractor=None, random_state=0):
        if method not in ("frechet", "classifier"):
            raise ValueError(f"method must be 'frechet' or 'classifier'; got {method!r}.")
        self.X_target = check_input(X_target, input_name="X_target", ensure_min_samples=3)
        self.method = method
        self.feature_extractor = feature_extractor
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        """Minus the distance between ``X`` as the fitted adapter renders it and ``X_target``."""
        steps = ([s for _, s in estimator.steps[:-1]] if isinstance(estimator, Pipeline)
                 else [estimator])
        X_adapted = X
        for step in steps:  # the held-out fold is source data: ask adapters to render it
            if step is None or step == "passthrough":
                continue
            X_adapted = transform_source(step, X_adapted)
        if self.method == "frechet":
            return -frechet_distance(X_adapted, self.X_target,
                                     feature_extractor=self.feature_extractor)
        return -domain_gap(X_adapted, self.X_target, random_state=self.random_state)

    def __repr__(self):
        return (f"DomainGapScorer(X_target=<{len(self.X_target)} samples>, "
                f"method={self.method!r})")


def make_domain_gap_scorer(X_target, *, method="frechet", feature_extractor=None,
                           random_state=0):
    """Unsupervised scorer: minus a distance between adapted data and the target.

    Needs no target labels. It transforms the held-out fold with the fitted
    adapter (the estimator itself, or every step of a ``Pipeline`` but the last)
    and measures how far the result still is from ``X_target``. Higher (closer to
    0) is better. A mapping can close the gap and still lose the classes; use it
    with the task-preserving losses of :class:`~skgan.GANDomainAdapter`, or check
    with a few target labels.

    Parameters
    ----------
    X_target : array-like or Unsplit
        Target-domain samples (held-out ones are best).
    method : {"frechet", "classifier"}, default="frechet"
        "frechet": :func:`frechet_distance` (graded, never saturates);
        "classifier": :func:`domain_gap`, the proxy A-distance, which saturates at
        2 once a linear classifier separates the domains perfectly.
    feature_extractor : callable or None, default=None
        For "frechet": features to compare (e.g. a network's embeddings).
    random_state : int, default=0
        For "classifier".

    Returns
    -------
    scorer : DomainGapScorer
        Callable ``scorer(estimator, X, y=None) -> float``; picklable.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skgan.metrics import make_domain_gap_scorer
    >>> rng = np.random.RandomState(0)
    >>> scorer = make_domain_gap_scorer(rng.randn(200, 2) + 5)
    >>> shift = FunctionTransformer(lambda X: X + 5).fit(rng.randn(10, 2))
    >>> keep = FunctionTransformer().fit(rng.randn(10, 2))
    >>> bool(scorer(shift, rng.randn(200, 2)) > scorer(keep, rng.randn(200, 2)))
    True
    """
    return DomainGapScorer(X_target, method=method, feature_extractor=feature_extractor,
                           random_state=random_state)
