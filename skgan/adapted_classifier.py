"""A classifier trained on a domain adapter's renderings and pseudo-labelled target rows."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._data import check_input
from .domain_adaptation import GANDomainAdapter


def _estimator_has(method):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, method)
        return hasattr(self.estimator if self.estimator is not None else LogisticRegression(), method)
    return check


def _weigh_domains(rows, labels, domain_weight, takes_weights):
    """Training rows, labels and sample weights; ``rows[0]`` are the renderings.

    ``"balanced"`` gives the renderings and the target rows the same total
    weight: as per-row weights when the estimator takes them, else by repeating
    the smaller side a whole number of times. None weighs every row one.
    """
    X, y = np.concatenate(rows), np.concatenate(labels)
    n_source, n_target = len(rows[0]), len(X) - len(rows[0])
    if domain_weight is None or n_target == 0:
        return X, y, None
    if takes_weights:
        weight = np.where(np.arange(len(X)) < n_source, len(X) / (2 * n_source),
                          len(X) / (2 * n_target))
        return X, y, weight
    source, target = (X[:n_source], y[:n_source]), (X[n_source:], y[n_source:])
    small, large = (source, target) if n_source < n_target else (target, source)
    repeats = max(1, round(len(large[0]) / len(small[0])))
    X = np.concatenate([large[0]] + [small[0]] * repeats)
    y = np.concatenate([large[1]] + [small[1]] * repeats)
    return X, y, None


class AdaptedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Train a classifier on rendered source rows *and* confidently pseudo-labelled target rows.

    ``Pipeline([("adapt", GANDomainAdapter()), ("clf", estimator)])`` trains
    ``estimator`` on the labelled source rows rendered in the target's look
    (``fit_transform``, one row per source row, as scikit-learn requires). The
    adapter's own task classifier reads real target data and is self-trained on
    it, so it often classifies the target better than a classifier trained on the
    renderings alone (MNIST -> USPS and back: BENCHMARKS.md). This meta-estimator
    gives ``estimator`` both: the renderings with their labels, and the target
    rows the adapter labels with confidence ``>= threshold``
    (:meth:`GANDomainAdapter.pseudo_label`), with those labels. Prediction is
    the Pipeline's: rows go through ``adapter_.transform`` (target rows come back
    unchanged) and then ``estimator_``.

    Parameters
    ----------
    adapter : GANDomainAdapter or None, default=None
        The adapter to fit (cloned); None is ``GANDomainAdapter()``.
    estimator : classifier or None, default=None
        The classifier to fit (cloned) on rows in the caller's layout (2-D for
        scikit-learn's classifiers: pass flattened images with the adapter's
        ``image_shape``, or use a skorch net). None is
        ``LogisticRegression(max_iter=1000)``.
    pseudo_label : bool, default=True
        Add the confidently pseudo-labelled target rows; False trains on the
        renderings alone (the Pipeline's training set).
    threshold : float in (0, 1] or None, default=None
        Confidence a target row needs; None is the adapter's
        ``pseudo_threshold`` (0.95 when that is None).
    domain_weight : {"balanced", None}, default="balanced"
        How the two kinds of rows weigh in the classifier's fit.
        ``"balanced"``: the rendered source rows and the target rows
        (known and pseudo-labelled) weigh the same in total, as
        ``class_weight="balanced"`` does for classes: passed as
        ``sample_weight`` (``n / (2 * n_domain)`` per row, mean 1) when the
        estimator's ``fit`` takes one, otherwise by repeating the smaller
        side's rows ``round(n_larger / n_smaller)`` times (a ``Pipeline`` or a
        skorch net). It matters when one side is much larger, as 60,000 MNIST
        renderings beside 7,000 pseudo-labelled USPS rows: there a LeNet
        gains 0.6 / 0.7 / 0.8 points over None (seeds 0-2, 97.26 / 96.81 /
        96.36 %); on USPS -> MNIST 0.1-0.6, on digits-M it is level with None.
        It trusts the pseudo-labels more, which pays where they are right (98-99 %
        on the digits pairs); on the tabular tests' recalibration data it is
        mixed (0.960 / 0.850 / 0.777 against None's 0.960 / 0.817 / 0.830,
        seeds 0-2; BENCHMARKS.md). None: one per row.

    Attributes
    ----------
    adapter_ : GANDomainAdapter
        The fitted adapter.
    estimator_ : classifier
        The fitted classifier.
    classes_ : ndarray
        Class labels.
    n_pseudo_labelled_ : int
        Target rows added with pseudo-labels.
    n_features_in_ : int
        Features of ``X`` (``C * H * W`` for images).
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    GANDomainAdapter.pseudo_label : the target rows and labels added here.

    Notes
    -----
    The benchmark's "LeNet + pseudo-labels (balanced)" figures (USPS -> MNIST
    97.97 / 97.08 / 97.93 %, MNIST -> USPS 97.26 / 96.81 / 96.36, seeds 0-2,
    against 95.08 / 94.53 / 94.13 and 95.67 / 94.77 / 94.02 on renderings
    alone) are this estimator's computation with a LeNet as ``estimator``
    (``tests/test_adapted_classifier.py`` checks the equivalence).
    Its training set holds only the pseudo-labels the adapter is sure of; where
    the adapter's self-training locked in wrong ones (USPS -> MNIST seed 1: 97.8 %
    of the kept labels right), the classifier inherits them. The rows help most
    where the renderings only approach the target's look: on scikit-learn's
    digits -> digits-M (photo patches) with ``SVC()`` and the adapter's defaults,
    0.791 / 0.787 / 0.773 (None: 0.791 / 0.789 / 0.776) against the
    Pipeline's 0.760 / 0.771 / 0.758 (seeds 0-2,
    ``benchmarks/adapted_classifier_digits_m.py``, one thread, an Intel AVX512
    host; an AMD AVX512 host, None: 0.787 / 0.809 / 0.793 against 0.751 /
    0.758 / 0.704); on inverted digits, which the renderings match, they add
    nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import AdaptedClassifier, GANDomainAdapter
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 300)
    >>> X = rng.randn(300, 2) + 3 * y[:, None]
    >>> X_target = 2 * X[:150] + 1                     # the same task, recalibrated
    >>> clf = AdaptedClassifier(GANDomainAdapter(max_epochs=70, random_state=0))
    >>> clf.fit(X[150:], y[150:], X_target=X_target).predict(X_target[:3]).shape
    (3,)
    >>> 50 < clf.n_pseudo_labelled_ <= 150    # target rows it was sure of (117 here)
    True
    >>> clf.score(X_target, y[:150]) > 0.95
    True
    """

    _parameter_constraints: dict = {
        "adapter": [HasMethods(["fit_transform", "pseudo_label", "transform"]), None],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "pseudo_label": ["boolean"],
        "threshold": [Interval(Real, 0, 1, closed="right"), None],
        "domain_weight": [StrOptions({"balanced"}), None],
    }

    def __init__(self, adapter=None, estimator=None, *, pseudo_label=True, threshold=None,
                 domain_weight="balanced"):
        self.adapter = adapter
        self.estimator = estimator
        self.pseudo_label = pseudo_label
        self.threshold = threshold
        self.domain_weight = domain_weight

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, X_target=None, y_target=None):
        """Fit the adapter, then the classifier on renderings and pseudo-labelled target rows.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Labelled source samples.
        y : array-like of shape (n_samples,)
        X_target : array-like or torch.Tensor, default=None
            Unlabelled target samples, as for :meth:`GANDomainAdapter.fit`.
            None: the adapter adapts to ``X`` itself (it warns) and no row is
            pseudo-labelled.
        y_target : array-like of shape (n_target,), default=None
            Known target labels, -1 where unknown: the adapter learns from them,
            and the classifier gets the known rows with their labels and
            pseudo-labels for the others only.

        Returns
        -------
        self : AdaptedClassifier
        """
        adapter = clone(self.adapter) if self.adapter is not None else GANDomainAdapter()
        estimator = (clone(self.estimator) if self.estimator is not None
                     else LogisticRegression(max_iter=1000))
        fit_params = {} if X_target is None else {"X_target": X_target}
        if y_target is not None:
            fit_params["y_target"] = y_target
        X_rendered = adapter.fit_transform(X, y, **fit_params)  # validates everything
        rows, labels = [X_rendered], [np.asarray(y)]
        n_pseudo = 0
        if X_target is not None and not getattr(adapter, "adapts_to_itself_", False):
            X_unknown = X_target
            if y_target is not None:
                X_t, y_t = check_input(X_target, input_name="X_target"), np.asarray(y_target)
                known = y_t != -1
                rows.append(X_t[known])
                labels.append(y_t[known])
                X_unknown = X_t[~known]
            if self.pseudo_label and len(X_unknown):
                X_conf, y_conf = adapter.pseudo_label(X_unknown, threshold=self.threshold)
                rows.append(X_conf)
                labels.append(y_conf)
                n_pseudo = len(y_conf)
        shape = X_rendered.shape[1:]  # target rows, in the renderings' layout
        rows = [rows[0]] + [np.asarray(r).reshape((len(r), *shape)) for r in rows[1:]]
        X_fit, y_fit, weight = _weigh_domains(rows, labels, self.domain_weight,
                                              has_fit_parameter(estimator, "sample_weight"))
        extra = {} if weight is None else {"sample_weight": weight}
        self.estimator_ = estimator.fit(X_fit, y_fit, **extra)
        self.adapter_ = adapter
        self.classes_ = (self.estimator_.classes_ if hasattr(self.estimator_, "classes_")
                         else np.unique(np.concatenate(labels)))
        self.n_pseudo_labelled_ = n_pseudo
        self.n_features_in_ = adapter.n_features_in_
        if hasattr(adapter, "feature_names_in_"):
            self.feature_names_in_ = adapter.feature_names_in_
        return self

    def _call(self, method, X):
        check_is_fitted(self)
        return getattr(self.estimator_, method)(self.adapter_.transform(X))

    def predict(self, X):
        """Classes of target rows (``estimator_`` on ``adapter_.transform(X)``).

        Parameters
        ----------
        X : array-like or torch.Tensor

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return self._call("predict", X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of target rows, from ``estimator_``.

        Parameters
        ----------
        X : array-like or torch.Tensor

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._call("predict_proba", X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision values of target rows, from ``estimator_``.

        Parameters
        ----------
        X : array-like or torch.Tensor

        Returns
        -------
        scores : ndarray
        """
        return self._call("decision_function", X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        adapter = self.adapter if self.adapter is not None else GANDomainAdapter()
        tags.input_tags = adapter.__sklearn_tags__().input_tags
        return tags
