"""AdaptedClassifier: renderings plus confidently pseudo-labelled target rows."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skgan import AdaptedClassifier, GANDomainAdapter
from test_domain_adaptation import coral, recalibration

FAST = dict(max_epochs=10, random_state=0)


class RecordingLR(LogisticRegression):
    """LogisticRegression that keeps what it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.fit_X_, self.fit_y_, self.fit_weight_ = X, y, sample_weight
        return super().fit(X, y, sample_weight)


class NoWeightLR(ClassifierMixin, BaseEstimator):
    """A classifier whose ``fit`` takes no ``sample_weight`` (as a Pipeline's or skorch's)."""

    def fit(self, X, y):
        self.fit_X_, self.fit_y_ = X, y
        self.lr_ = LogisticRegression().fit(X, y)
        self.classes_ = self.lr_.classes_
        return self

    def predict(self, X):
        return self.lr_.predict(X)


@pytest.fixture(scope="module")
def data():
    return recalibration()


def test_defaults_beat_what_a_user_would_try_first(data):
    Xs, ys, Xt, Xt_test, yt_test = data
    clf = AdaptedClassifier().fit(Xs, ys, X_target=Xt)  # GANDomainAdapter() + LogisticRegression

    def z(X, ref):
        return (X - ref.mean(0)) / ref.std(0)

    source_only = LogisticRegression().fit(Xs, ys).score(Xt_test, yt_test)
    standardised = LogisticRegression().fit(z(Xs, Xs), ys).score(z(Xt_test, Xt), yt_test)
    coral_acc = LogisticRegression().fit(coral(Xs, Xt), ys).score(Xt_test, yt_test)
    adapted = clf.score(Xt_test, yt_test)
    # seed 0: source-only 0.70, per-domain standardisation 0.96, CORAL 0.94, this
    # 0.96 at two threads (above 0.96 at one); the Pipeline (renderings alone)
    # reaches 0.98 here: on this easy shift the pseudo-labelled rows add nothing
    # and can cost a few rows (their gain is on the image benchmarks, BENCHMARKS.md),
    # so the bar is "above source-only and CORAL, level with standardisation"
    # (within 6 of the 300 test rows)
    assert adapted > max(source_only, coral_acc), (source_only, coral_acc, adapted)
    assert adapted >= standardised - 0.02, (standardised, adapted)
    assert clf.n_pseudo_labelled_ > len(Xt) // 2
    assert clf.classes_.tolist() == sorted(set(ys))
    assert clf.predict_proba(Xt_test).shape == (len(Xt_test), len(clf.classes_))


def test_it_is_the_documented_pseudo_label_recipe(data):
    # what the benchmark's "+ pseudo-labels (balanced)" figures computed by hand
    Xs, ys, Xt, Xt_test, _ = data
    adapter = GANDomainAdapter(**FAST)
    clf = AdaptedClassifier(adapter, RecordingLR(), threshold=0.8).fit(Xs, ys, X_target=Xt)
    by_hand = clone(adapter)
    X_rendered = by_hand.fit_transform(Xs, ys, X_target=Xt)
    X_conf, y_conf = by_hand.pseudo_label(Xt, threshold=0.8)
    assert 0 < len(y_conf) == clf.n_pseudo_labelled_
    np.testing.assert_array_equal(clf.estimator_.fit_X_, np.concatenate([X_rendered, X_conf]))
    np.testing.assert_array_equal(clf.estimator_.fit_y_, np.concatenate([ys, y_conf]))
    # the default domain_weight="balanced": each side weighs half of the fit
    n = len(ys) + len(y_conf)
    weight = np.r_[np.full(len(ys), n / (2 * len(ys))), np.full(len(y_conf), n / (2 * len(y_conf)))]
    np.testing.assert_allclose(clf.estimator_.fit_weight_, weight)
    lr = LogisticRegression().fit(np.concatenate([X_rendered, X_conf]), np.concatenate([ys, y_conf]),
                                  sample_weight=weight)
    np.testing.assert_array_equal(clf.predict(Xt_test), lr.predict(by_hand.transform(Xt_test)))
    # without pseudo-labels it is the Pipeline
    alone = AdaptedClassifier(adapter, LogisticRegression(), pseudo_label=False).fit(Xs, ys, X_target=Xt)
    pipe = Pipeline([("adapt", clone(adapter)), ("clf", LogisticRegression())])
    pipe.fit(Xs, ys, adapt__X_target=Xt)
    assert alone.n_pseudo_labelled_ == 0
    np.testing.assert_array_equal(alone.predict(Xt_test), pipe.predict(Xt_test))


def test_known_target_labels_join_with_their_labels_and_only_the_others_are_pseudo_labelled(data):
    Xs, ys, Xt, _, _ = data
    rng = np.random.RandomState(0)
    y_target = np.full(len(Xt), -1)
    known = rng.rand(len(Xt)) < 0.2
    y_target[known] = rng.randint(0, 2, known.sum())  # labels nothing else would give
    clf = AdaptedClassifier(GANDomainAdapter(**FAST), RecordingLR(), threshold=0.8)
    clf.fit(Xs, ys, X_target=Xt, y_target=y_target)
    X_fit, y_fit = clf.estimator_.fit_X_, clf.estimator_.fit_y_
    n = len(Xs)
    np.testing.assert_array_equal(X_fit[n:n + known.sum()], Xt[known])
    np.testing.assert_array_equal(y_fit[n:n + known.sum()], y_target[known])
    assert 0 < clf.n_pseudo_labelled_ <= (~known).sum()
    assert len(y_fit) == n + known.sum() + clf.n_pseudo_labelled_


@pytest.fixture(scope="module")
def few_known(data):
    # 60 target rows with known labels that contradict the source's rule (each
    # class moved to the next), beside the 600 renderings: what domain_weight weighs
    Xs, ys, Xt, _, _ = data
    y_target = np.full(len(Xt), -1)
    y_target[:60] = (LogisticRegression().fit(coral(Xs, Xt), ys).predict(Xt[:60]) + 1) % 3
    return Xs, ys, Xt, y_target


def test_balanced_domain_weight_gives_renderings_and_target_rows_half_the_weight_each(few_known):
    Xs, ys, Xt, y_target = few_known
    fits = {}
    for weight in (None, "balanced"):
        clf = AdaptedClassifier(GANDomainAdapter(**FAST), RecordingLR(), pseudo_label=False,
                                domain_weight=weight)
        fits[weight] = clf.fit(Xs, ys, X_target=Xt, y_target=y_target)
    assert fits[None].estimator_.fit_weight_ is None
    w = fits["balanced"].estimator_.fit_weight_
    n, n_target = len(Xs), 60
    assert w.shape == (n + n_target,)
    np.testing.assert_allclose(w[:n].sum(), w[n:].sum())
    np.testing.assert_allclose(w.mean(), 1.0)
    np.testing.assert_allclose(w[n:], (n + n_target) / (2 * n_target))
    # the same rows as with None, only weighed: the classifier now follows the
    # few target rows' (contradicting) labels far more than as 9 % of the fit
    np.testing.assert_array_equal(fits["balanced"].estimator_.fit_X_, fits[None].estimator_.fit_X_)
    agree = {k: np.mean(c.predict(Xt[:60]) == y_target[:60]) for k, c in fits.items()}
    assert agree["balanced"] >= agree[None] + 0.2, agree  # seed 0: 0.15 -> 0.42


def test_balanced_domain_weight_repeats_the_smaller_side_when_fit_takes_no_weights(few_known):
    Xs, ys, Xt, y_target = few_known
    clf = AdaptedClassifier(GANDomainAdapter(**FAST), NoWeightLR(), pseudo_label=False,
                            domain_weight="balanced").fit(Xs, ys, X_target=Xt, y_target=y_target)
    X_fit, y_fit = clf.estimator_.fit_X_, clf.estimator_.fit_y_
    n, repeats = len(Xs), round(len(Xs) / 60)
    assert len(X_fit) == n + 60 * repeats
    rendered = clf.adapter_.transform(Xs, sample_domain="source")
    np.testing.assert_allclose(X_fit[:n], rendered, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(X_fit[n:], np.tile(Xt[:60], (repeats, 1)))
    np.testing.assert_array_equal(y_fit[n:], np.tile(y_target[:60], repeats))


def test_bad_parameters_are_refused_before_training(data):
    Xs, ys, Xt, _, _ = data
    for bad in (dict(threshold=0.0), dict(threshold=1.5), dict(adapter="gan"),
                dict(estimator=object()), dict(pseudo_label="yes"),
                dict(domain_weight="equal"), dict(domain_weight=0.5)):
        clf = AdaptedClassifier(**bad)
        with pytest.raises(InvalidParameterError):
            clf.fit(Xs, ys, X_target=Xt)
        assert not hasattr(clf, "adapter_")


def test_on_digits_m_defaults_beat_the_pipeline_and_source_only():
    # scikit-learn's 8x8 digits -> the same digits blended with photo patches
    # (the README demo's pair); GANDomainAdapter's defaults and a plain SVC. The
    # Pipeline's figure comes from the same adapter fit: fit_transform is fit
    # followed by transform(X, sample_domain="source")
    from sklearn.svm import SVC
    from skgan.datasets import load_digits_domains

    d = load_digits_domains(target="digits-m", random_state=0)
    n = len(d.y_target) // 2  # first half: unlabelled training data; second half: test
    flat = lambda X: X.reshape(len(X), -1)  # noqa: E731
    Xs, ys = flat(d.X_source), d.y_source
    Xt, Xt_test, yt_test = flat(d.X_target[:n]), flat(d.X_target[n:]), d.y_target[n:]
    clf = AdaptedClassifier(GANDomainAdapter(image_shape=(1, 8, 8), random_state=0), SVC())
    clf.fit(Xs, ys, X_target=Xt)
    rendered = clf.adapter_.transform(Xs, sample_domain="source")
    pipeline = SVC().fit(rendered, ys).score(Xt_test, yt_test)
    source_only = SVC().fit(flat(np.repeat(d.X_source, 3, axis=1)), ys).score(Xt_test, yt_test)
    adapted = clf.score(Xt_test, yt_test)
    # seeds 0 / 1 / 2 (benchmarks/adapted_classifier_digits_m.py, one thread, an
    # Intel AVX512 host): source-only 0.609 / 0.616 / 0.560, Pipeline 0.760 /
    # 0.771 / 0.758, this 0.791 / 0.787 / 0.773 (domain_weight=None: 0.791 /
    # 0.789 / 0.776; an AMD AVX512 host, None: Pipeline 0.751 / 0.758 / 0.704,
    # this 0.787 / 0.809 / 0.793 with 367 / 366 / 349 of the 449 target rows
    # pseudo-labelled; an AVX2 host: +0.05..+0.07; seed 0 at two threads here:
    # Pipeline 0.700, the README demo's figure): on a look the renderings only
    # approach, the real target rows the adapter is sure of carry what they miss.
    # Red when the pseudo-labelled rows are dropped (then this is the Pipeline)
    assert adapted >= pipeline + 0.02, (pipeline, adapted)
    assert adapted >= source_only + 0.1, (source_only, adapted)
    assert n // 2 < clf.n_pseudo_labelled_ < n
    assert clf.classes_.tolist() == list(range(10))
    # the classifier's own methods, and only those, are offered
    assert not hasattr(clf, "predict_proba")  # SVC() has none
    assert clf.decision_function(Xt_test[:5]).shape == (5, 10)
