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
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._data import DomainSpec, check_input, sample_shape, validate_features
from .nn import build_classifier
from .training import apply_module, seeded

__all__ = [
    "ClassifierFeatureExtractor",
    "TorchFeatureExtractor",
    "domain_gap",
    "frechet_distance",
    "kernel_distance",
    "make_domain_gap_scorer",
    "make_fid_scorer",
    "make_kid_scorer",
    "make_target_scorer",
]


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
    if isinstance(feature_extractor, nn.Module):
        feature_extractor = TorchFeatureExtractor(feature_extractor)
    if feature_extractor is not None:
        X = np.asarray(feature_extractor(X))
    return X.reshape(len(X), -1).astype(np.float64)


class TorchFeatureExtractor:
    """Use a torch module as the feature extractor of FID/KID.

    Arrays are turned into float32 tensors: ``(n, H, W)`` images get a channel
    axis, flattened images are reshaped with ``image_shape``, and with
    ``scale="auto"`` uint8 data (0..255) is mapped to [-1, 1], the range of
    skgan's networks and of :class:`~skgan.nn.BackboneFeatures`; float data is
    passed as it is. The module runs in eval mode without gradients, in
    batches; its outputs are flattened to ``(n, d)``.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a batch to features (e.g. ``skgan.nn.BackboneFeatures("resnet18",
        weights="resnet18.pth")``, or a network's body).
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample when images come flattened as 2-D arrays.
    scale : {"auto", "none"}, default="auto"
        "auto" maps uint8 to [-1, 1]; "none" only casts to float32.
    batch_size : int, default=256
    device : str, default="cpu"

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skgan.metrics import TorchFeatureExtractor
    >>> extract = TorchFeatureExtractor(torch.nn.Conv2d(1, 4, 3), image_shape=(1, 8, 8))
    >>> extract(np.zeros((5, 64), dtype=np.uint8)).shape
    (5, 144)
    """

    def __init__(self, module, *, image_shape=None, scale="auto", batch_size=256, device="cpu"):
        if scale not in ("auto", "none"):
            raise ValueError(f"scale must be 'auto' or 'none'; got {scale!r}.")
        self.module = module
        self.image_shape = image_shape
        self.scale = scale
        self.batch_size = batch_size
        self.device = device

    def __call__(self, X):
        X = check_input(X, input_name="X")
        uint8 = X.dtype == np.uint8
        if X.ndim == 3:
            X = X[:, None]
        elif X.ndim == 2 and self.image_shape is not None:
            X = X.reshape(len(X), *sample_shape(X, self.image_shape))
        T = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        if uint8 and self.scale == "auto":
            T = T / 127.5 - 1.0
        self.module.to(self.device)
        out = apply_module(self.module, T, batch_size=self.batch_size, device=self.device)
        return out.reshape(len(out), -1).numpy()


class ClassifierFeatureExtractor(TransformerMixin, BaseEstimator):
    """Features from a small classifier network fitted on labelled data ("LeNet FID").

    Inception features mean little for 28x28 digits; few-shot GAN and domain
    adaptation work on digits measures FID in the feature space of a small
    classifier trained on the target domain's labelled data. ``fit`` trains
    skgan's LeNet-style :class:`~skgan.nn.ConvClassifier` (an MLP for tabular
    data) with Adam and cross-entropy; ``transform`` (or calling the fitted
    object) returns its penultimate-layer activations, which is what
    :func:`frechet_distance` and :func:`kernel_distance` take as
    ``feature_extractor``. Data are scaled as the GAN estimators scale them
    (uint8 0..255 to [-1, 1], float images by the fitted data's range,
    tabular data standardised), fitted once and applied to every sample.

    Parameters
    ----------
    n_filters : int, default=32
        Channels of the first convolution; the features have ``4 * n_filters``
        dimensions (``max(n_filters, 16)`` for tabular data).
    max_epochs : int, default=5
    batch_size : int, default=128
    lr : float, default=1e-3
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample when images come flattened.
    device : str, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and shuffling (locally).

    Attributes
    ----------
    module_ : torch.nn.Module
        The fitted classifier.
    classes_ : ndarray
    spec_ : skgan._data.DomainSpec
        Layout and scaling of the data.
    n_features_in_ : int
    n_features_out_ : int
        Feature dimension.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgan.metrics import ClassifierFeatureExtractor, frechet_distance
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 8, 8) / 16.0
    >>> lenet = ClassifierFeatureExtractor(n_filters=8, max_epochs=2, random_state=0).fit(X, y)
    >>> lenet.transform(X[:5]).shape
    (5, 32)
    >>> round(frechet_distance(X[:500], X[:500], feature_extractor=lenet), 6)
    0.0
    """

    _parameter_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "image_shape": [tuple, list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_filters=32, max_epochs=5, batch_size=128, lr=1e-3, image_shape=None,
                 device="auto", random_state=None):
        self.n_filters = n_filters
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the classifier on labelled samples.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Tabular data, images, or flattened images with ``image_shape``.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : ClassifierFeatureExtractor
        """
        from skorch import NeuralNetClassifier

        from .base import resolve_device

        X_raw = X
        X = check_input(X, ensure_min_samples=2)
        validate_features(self, X_raw, X, reset=True)
        shape = sample_shape(X, self.image_shape)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} labels but X has {len(X)} samples.")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y has a single class ({encoder.classes_[0]!r}); a classifier "
                             "needs at least two.")
        spec = DomainSpec.fit(X, shape)
        init_seed, train_seed = (int(s) for s in
                                 check_random_state(self.random_state).randint(0, 2**31 - 1, 2))
        with seeded(init_seed):
            module = build_classifier(in_shape=shape, n_classes=len(encoder.classes_),
                                      n_filters=self.n_filters)
        device = resolve_device(self.device)
        net = NeuralNetClassifier(
            module, criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=self.lr,
            batch_size=self.batch_size, max_epochs=self.max_epochs, train_split=None,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(train_seed),
            device=device, verbose=0,
        )
        net.fit(spec.encode(X), torch.from_numpy(encoder.transform(y).astype(np.int64)))
        self.module_ = net.module_.cpu().eval()
        self.classes_ = encoder.classes_
        self.spec_ = spec
        self.device_ = device
        self.n_features_out_ = int(self.module_.blocks[-1].in_features)
        return self

    def _check(self, X):
        check_is_fitted(self)
        X_raw = X
        X = check_input(X)
        validate_features(self, X_raw, X, reset=False)
        image_shape = self.spec_.shape if (self.spec_.is_image and X.ndim == 2) else None
        shape = sample_shape(X, image_shape, spatial=self.spec_.shape[1:] if self.spec_.is_image else None)
        if shape != self.spec_.shape:
            raise ValueError(f"X samples have shape {shape} but the classifier was fitted on "
                             f"samples of shape {self.spec_.shape}.")
        return self.spec_.encode(X)

    def _run(self, module, X):
        self.module_.to(self.device_)
        return apply_module(module, self._check(X), batch_size=max(self.batch_size, 256),
                            device=self.device_)

    def transform(self, X):
        """Penultimate-layer activations of the classifier.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out_), float32
        """
        return self._run(self.module_.blocks[:-1], X).flatten(1).numpy()

    __call__ = transform

    def predict(self, X):
        """Class predictions of the classifier.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[self._run(self.module_, X).argmax(1).numpy()]

    def score(self, X, y):
        """Accuracy of the classifier on ``(X, y)`` (to check the features are meaningful).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)

        Returns
        -------
        accuracy : float
        """
        return float(accuracy_score(column_or_1d(y), self.predict(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        tags.non_deterministic = False
        return tags


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


def _make_sample_scorer(distance, name, X_target, feature_extractor, n_samples, random_state):
    cache = {}
    if X_target is not None:
        X_target = check_input(X_target, input_name="X_target", ensure_min_samples=2)

    def reference_features(X):
        if X_target is None:
            return _features(X, feature_extractor, "X")
        if "ref" not in cache:  # computed once, reused for every candidate
            cache["ref"] = _features(X_target, feature_extractor, "X_target")
        return cache["ref"]

    def scorer(estimator, X=None, y=None):
        if X_target is None and X is None:
            raise ValueError(f"{name} needs X_target, or held-out samples X to compare with.")
        ref = reference_features(X)
        n = len(ref) if n_samples is None else n_samples
        fake = _features(_generated(estimator, n, random_state), feature_extractor, "samples")
        return -distance(ref, fake)

    scorer.__name__ = name
    return scorer


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
    scorer : callable ``scorer(estimator, X=None, y=None) -> float``

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
    return _make_sample_scorer(frechet_distance, "fid_scorer", X_target, feature_extractor,
                               n_samples, random_state)


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
    scorer : callable ``scorer(estimator, X=None, y=None) -> float``

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import GAN
    >>> from skgan.metrics import make_kid_scorer
    >>> X = np.random.RandomState(0).randn(200, 2)
    >>> isinstance(make_kid_scorer(X)(GAN(max_epochs=1, random_state=0).fit(X)), float)
    True
    """
    def kid(A, B):
        return kernel_distance(A, B, n_subsets=n_subsets, subset_size=subset_size,
                               random_state=random_state)

    return _make_sample_scorer(kid, "kid_scorer", X_target, feature_extractor, n_samples,
                               random_state)


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
