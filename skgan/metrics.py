"""Scorers for choosing transfer hyper-parameters with GridSearchCV."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from ._data import check_input

__all__ = ["domain_gap", "frechet_distance", "make_domain_gap_scorer", "make_target_scorer"]


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
    scorer : callable ``scorer(estimator, X, y) -> float``

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
    X_val, y_val = np.asarray(X_val), np.asarray(y_val)

    def target_scorer(estimator, X=None, y=None):
        return float(metric(y_val, estimator.predict(X_val)))

    return target_scorer


def _features(X, feature_extractor, name):
    X = check_input(X, input_name=name, ensure_min_samples=2)
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
    feature_extractor : callable or None, default=None
        Maps a validated array to features ``(n, d)``; None uses the flattened data.

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
    scorer : callable ``scorer(estimator, X, y=None) -> float``

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
    if method not in ("frechet", "classifier"):
        raise ValueError(f"method must be 'frechet' or 'classifier'; got {method!r}.")
    X_target = check_input(X_target, input_name="X_target", ensure_min_samples=3)

    def domain_gap_scorer(estimator, X, y=None):
        adapter = estimator[:-1] if isinstance(estimator, Pipeline) else estimator
        X_adapted = adapter.transform(X)
        if method == "frechet":
            return -frechet_distance(X_adapted, X_target, feature_extractor=feature_extractor)
        return -domain_gap(X_adapted, X_target, random_state=random_state)

    return domain_gap_scorer
