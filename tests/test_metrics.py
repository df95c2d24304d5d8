"""FID/KID with pluggable feature extractors, the scorers, and pickling them."""

import pickle
import subprocess
import sys
import types

import numpy as np
import pytest
import scipy.linalg
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import skgan.feature_extraction
import skgan.metrics
from skgan import GAN, GANDomainAdapter, Unsplit
from skgan.metrics import (
    ClassifierFeatureExtractor,
    DomainGapScorer,
    SampleDistanceScorer,
    TargetScorer,
    TorchFeatureExtractor,
    domain_gap,
    frechet_distance,
    kernel_distance,
    make_domain_gap_scorer,
    make_fid_scorer,
    make_kid_scorer,
    make_target_scorer,
)
from skgan.nn import BackboneFeatures

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def with_moments(mean, cov, n, seed):
    """Samples whose sample mean and (ddof=1) covariance are exactly ``mean`` and ``cov``."""
    Z = np.random.RandomState(seed).randn(n, len(mean))
    Z -= Z.mean(0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False)).T)  # whiten exactly
    return Z @ np.linalg.cholesky(cov).T + mean


def test_frechet_distance_matches_the_closed_form_for_two_gaussians():
    rng = np.random.RandomState(0)
    A, B = rng.randn(3, 3), rng.randn(3, 3)
    cov_a, cov_b = A @ A.T + 0.1 * np.eye(3), B @ B.T + 0.5 * np.eye(3)
    mu_a, mu_b = np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 3.0])
    root = scipy.linalg.sqrtm(scipy.linalg.sqrtm(cov_a) @ cov_b @ scipy.linalg.sqrtm(cov_a)).real
    expected = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root)
    X_a, X_b = with_moments(mu_a, cov_a, 500, 1), with_moments(mu_b, cov_b, 700, 2)
    assert frechet_distance(X_a, X_b) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(X_a, X_a) == pytest.approx(0.0, abs=1e-8)
    # large independent samples approach the population value
    big_a = rng.multivariate_normal(mu_a, cov_a, 50000)
    big_b = rng.multivariate_normal(mu_b, cov_b, 50000)
    assert frechet_distance(big_a, big_b) == pytest.approx(expected, rel=0.03)


def test_kernel_distance_is_unbiased_and_grows_with_the_shift():
    rng = np.random.RandomState(0)
    same = [kernel_distance(rng.randn(300, 5), rng.randn(300, 5), n_subsets=10, random_state=i)
            for i in range(10)]
    assert abs(np.mean(same)) < 0.01  # unbiased: zero in expectation, can be negative
    assert min(same) < 0 < max(same)
    a = rng.randn(500, 5)
    small = kernel_distance(a, rng.randn(500, 5) + 0.5)
    large = kernel_distance(a, rng.randn(500, 5) + 2.0)
    assert 0.05 < small < large


def test_kernel_distance_with_a_linear_kernel_is_the_squared_mean_gap():
    rng = np.random.RandomState(0)
    a, b = rng.randn(3000, 2), rng.randn(3000, 2) + [1.0, 2.0]
    mmd = kernel_distance(a, b, degree=1, gamma=1.0, coef0=0.0, n_subsets=2, subset_size=3000)
    assert mmd == pytest.approx(5.0, abs=0.15)  # ||mu_a - mu_b||^2


def test_kernel_distance_std_subsets_and_errors():
    rng = np.random.RandomState(0)
    a, b = rng.randn(50, 3), rng.randn(80, 3) + 1
    mean, std = kernel_distance(a, b, n_subsets=7, subset_size=1000, return_std=True)
    assert std > 0 and mean == kernel_distance(a, b, n_subsets=7, subset_size=1000)
    with pytest.raises(ValueError, match="subset_size must be an int >= 2"):
        kernel_distance(a, b, subset_size=1)
    with pytest.raises(ValueError, match="X_a has 3 features per sample but X_b has 4"):
        kernel_distance(a, rng.randn(10, 4))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X.reshape(-1, 8, 8) / 16.0).astype(np.float32), y


@pytest.fixture(scope="module")
def lenet(digits):
    X, y = digits
    return ClassifierFeatureExtractor(n_filters=8, max_epochs=20, batch_size=32,
                                      random_state=0).fit(X[:1200], y[:1200])


def test_classifier_features_are_learned_and_reproducible(digits, lenet):
    X, y = digits
    assert lenet.score(X[1200:], y[1200:]) > 0.9
    F = lenet.transform(X[1200:])
    assert F.shape == (len(X) - 1200, 32) and F.dtype == np.float32
    np.testing.assert_array_equal(lenet(X[:5]), lenet.transform(X[:5]))
    again = clone(lenet).fit(X[:1200], y[:1200])
    np.testing.assert_array_equal(again.transform(X[:50]), lenet.transform(X[:50]))
    # flattened images are read with the fitted shape
    np.testing.assert_array_equal(lenet.transform(X[:5].reshape(5, -1)), lenet.transform(X[:5]))


def test_lenet_fid_separates_classes_better_than_pixels(digits, lenet):
    X, y = digits
    ones, sevens = X[y == 1], X[y == 7]
    half = len(ones) // 2
    same = frechet_distance(ones[:half], ones[half:], feature_extractor=lenet)
    other = frechet_distance(ones[:half], sevens, feature_extractor=lenet)
    assert other > 5 * same
    assert frechet_distance(X, X, feature_extractor=lenet) == pytest.approx(0.0, abs=1e-6)


def test_classifier_feature_extractor_errors(digits):
    X, y = digits
    with pytest.raises(ValueError, match="single class"):
        ClassifierFeatureExtractor(max_epochs=1).fit(X[:10], np.zeros(10))
    fitted = ClassifierFeatureExtractor(n_filters=4, max_epochs=1, random_state=0).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        fitted.transform(np.zeros((3, 1, 4, 16)))


def test_torch_module_as_feature_extractor():
    conv = torch.nn.Conv2d(1, 2, 3)
    extract = TorchFeatureExtractor(conv)
    X = np.random.RandomState(0).randint(0, 256, size=(6, 5, 5)).astype(np.uint8)
    expected = conv(torch.from_numpy(X[:, None] / 127.5 - 1).float()).flatten(1).detach().numpy()
    np.testing.assert_allclose(extract(X), expected, rtol=1e-5, atol=1e-6)
    # a module passed directly is wrapped the same way
    assert frechet_distance(X, X[::-1], feature_extractor=conv) == pytest.approx(
        frechet_distance(X, X[::-1], feature_extractor=extract))


def test_torchvision_backbone_features_from_a_local_file(tmp_path, monkeypatch):
    import torch.hub
    from torchvision.models import resnet18

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    net = resnet18(weights=None)
    torch.save(net.state_dict(), tmp_path / "r18.pth")
    features = BackboneFeatures("resnet18", weights=tmp_path / "r18.pth")
    assert torch.equal(features[0][1][0].weight, net.conv1.weight)
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(20, 16, 16)).astype(np.uint8)
    assert frechet_distance(X, X, feature_extractor=features) == pytest.approx(0.0, abs=1e-4)
    white = np.full_like(X, 255)
    assert kernel_distance(X, white, feature_extractor=features, n_subsets=2) > 0
    # resnet34 has a third block in layer1 where resnet18's weights have none
    with pytest.raises(ValueError, match="first mismatched layer 'layer1.2.conv1'"):
        BackboneFeatures("resnet34", weights=tmp_path / "r18.pth")


@pytest.fixture(scope="module")
def blob_gans():
    X = np.random.RandomState(0).randn(400, 2) @ [[2.0, 1.2], [0.0, 0.5]] + [5.0, -3.0]
    settings = dict(max_epochs=100, batch_size=64, lr=1e-3, latent_dim=8, random_state=0)
    good = GAN(**settings).fit(X)
    bad = GAN(**settings).fit(X * [1.0, -1.0])  # learns the mirrored distribution
    return X, good, bad


@pytest.mark.parametrize("make", [make_fid_scorer, make_kid_scorer])
def test_generative_scorers_rank_a_trained_gan_first(blob_gans, make):
    X, good, bad = blob_gans
    scorer = make(X)
    assert scorer(good) > scorer(bad)
    assert scorer(good) == scorer(good)  # same noise every call
    fold_scorer = make()  # compares with the fold it is given
    assert fold_scorer(good, X[:150]) > fold_scorer(bad, X[:150])
    with pytest.raises(ValueError, match="needs X_target"):
        fold_scorer(good)


def test_fid_scorer_in_grid_search(blob_gans):
    X, _, _ = blob_gans
    search = GridSearchCV(GAN(max_epochs=3, batch_size=64, random_state=0),
                          {"latent_dim": [2, 8]}, scoring=make_fid_scorer(), cv=2)
    search.fit(X)
    # fold 0's scores: minus the FID of a GAN fitted on the second half, on the first
    half = len(X) // 2
    for i, latent_dim in enumerate([2, 8]):
        gan = GAN(max_epochs=3, batch_size=64, random_state=0, latent_dim=latent_dim)
        by_hand = make_fid_scorer()(gan.fit(X[half:]), X[:half])
        assert search.cv_results_["split0_test_score"][i] == pytest.approx(by_hand)
    assert search.best_estimator_.sample(3, random_state=0).shape == (3, 2)


# ------------------------------------------------------------------ module layout


def test_metrics_reexports_the_feature_extractors_and_imports_stay_one_way():
    for name in ("ClassifierFeatureExtractor", "TorchFeatureExtractor"):
        assert getattr(skgan.metrics, name) is getattr(skgan.feature_extraction, name)
        assert name in skgan.metrics.__all__ and name in skgan.feature_extraction.__all__
    # a fresh interpreter: nn/ does not load feature_extraction, which does not load metrics
    code = ("import sys, skgan.nn; assert 'skgan.feature_extraction' not in sys.modules; "
            "import skgan.feature_extraction; assert 'skgan.metrics' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------- feature extractors off the GPU


def reachable_tensors(obj, seen=None):
    """Every torch tensor reachable from ``obj``: attributes, containers, modules' state."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (str, bytes, type, types.ModuleType)):
        return
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        yield obj
        return
    if isinstance(obj, torch.nn.Module):
        yield from obj.state_dict(keep_vars=True).values()
    if isinstance(obj, dict):
        children = [*obj.keys(), *obj.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
        children += [getattr(obj, slot) for cls in type(obj).__mro__
                     for slot in getattr(cls, "__slots__", ()) if hasattr(obj, slot)]
    for child in children:
        yield from reachable_tensors(child, seen)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=requires_cuda)])
def test_fitted_extractor_keeps_every_tensor_on_the_cpu_and_pickles(digits, device):
    X, y = digits
    extractor = ClassifierFeatureExtractor(n_filters=4, max_epochs=1, device=device,
                                           random_state=0).fit(X[:200], y[:200])
    assert extractor.device_.startswith(device)
    n_state = len(extractor.module_.state_dict())
    tensors = list(reachable_tensors(extractor))
    assert len(tensors) >= n_state > 0  # the walk reaches the network's weights
    assert {t.device.type for t in tensors} == {"cpu"}
    F = extractor.transform(X[:50])
    extractor.predict(X[:5])
    # transform and predict run on device_ and leave the network on the CPU
    assert {t.device.type for t in reachable_tensors(extractor)} == {"cpu"}
    loaded = pickle.loads(pickle.dumps(extractor))
    assert {t.device.type for t in reachable_tensors(loaded)} == {"cpu"}
    np.testing.assert_array_equal(loaded.transform(X[:50]), F)
    np.testing.assert_array_equal(loaded.predict(X[:50]), extractor.predict(X[:50]))


def test_extractor_fitted_on_a_gpu_runs_on_the_cpu_of_a_machine_without_one(digits,
                                                                            monkeypatch):
    X, y = digits
    extractor = ClassifierFeatureExtractor(n_filters=4, max_epochs=1,
                                           random_state=0).fit(X[:200], y[:200])
    F = extractor.transform(X[:50])
    extractor.device_ = "cuda"  # as after fit(device="cuda"): the network itself is on the CPU
    blob = pickle.dumps(extractor)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="CUDA is not available here"):
        loaded = pickle.loads(blob)
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.transform(X[:50]), F)


@requires_cuda
def test_torch_feature_extractor_puts_the_module_back_where_it_was():
    conv = torch.nn.Conv2d(1, 2, 3)
    X = np.random.RandomState(0).randint(0, 256, size=(6, 5, 5)).astype(np.uint8)
    TorchFeatureExtractor(conv, device="cuda")(X)
    assert conv.weight.device.type == "cpu"


# ---------------------------------------------------------- scorers: values


def shift(X, by):
    """Module-level (picklable) function for FunctionTransformer."""
    return np.asarray(X, dtype=np.float64) + by


def test_target_scorer_is_the_metric_on_the_validation_set_whatever_the_fold():
    X, y = make_classification(n_samples=300, n_features=4, flip_y=0.2, random_state=0)
    clf = LogisticRegression().fit(X[:200], y[:200])
    X_val, y_val = X[200:], y[200:]
    by_hand = np.mean(clf.predict(X_val) == y_val)
    assert 0.5 < by_hand < 1.0  # a value that tells right from wrong
    scorer = make_target_scorer(X_val, y_val)
    assert isinstance(scorer, TargetScorer)
    assert scorer(clf, X[:200], y[:200]) == by_hand == scorer(clf, None, None)

    def weighted(y_true, y_pred):  # tells which argument is which
        return float(np.mean(y_true) + 10 * np.mean(y_pred))

    expected = weighted(y_val, clf.predict(X_val))
    assert make_target_scorer(X_val, y_val, metric=weighted)(clf, X, y) == expected


@pytest.mark.parametrize("method", ["frechet", "classifier"])
def test_domain_gap_scorer_prefers_the_output_closer_to_the_target(method):
    rng = np.random.RandomState(0)
    X, X_target = rng.randn(300, 2), rng.randn(300, 2) + [4.0, -2.0]
    y = (X[:, 0] > 0).astype(int)

    def pipe(by):
        return Pipeline([("adapt", FunctionTransformer(shift, kw_args={"by": by})),
                         ("clf", LogisticRegression())]).fit(X, y)

    close, far = pipe(np.array([4.0, -2.0])), pipe(np.zeros(2))
    scorer = make_domain_gap_scorer(X_target, method=method)
    assert isinstance(scorer, DomainGapScorer)
    good, bad = scorer(close, X), scorer(far, X)
    assert good > bad
    if method == "frechet":
        assert bad == -frechet_distance(X, X_target)
        assert good > -0.1 and bad < -10
    else:
        assert bad == -domain_gap(X, X_target)
        assert good > -0.5 and bad < -1.5
    # the adapter alone (not in a pipeline) is scored the same way
    assert scorer(close[0], X) == good
    assert pickle.loads(pickle.dumps(scorer))(close, X) == good


@pytest.mark.parametrize("make", [make_fid_scorer, make_kid_scorer])
def test_generative_scorers_are_minus_the_distance_to_the_samples(blob_gans, make):
    X, good, _ = blob_gans
    samples = good.sample(100, random_state=3)
    scorer = make(X, n_samples=100, random_state=3)
    assert isinstance(scorer, SampleDistanceScorer)
    if make is make_fid_scorer:
        expected = frechet_distance(X, samples)
    else:
        expected = kernel_distance(X, samples, n_subsets=50, subset_size=1000, random_state=3)
    assert expected != 0.0  # KID of a good model can be negative (it is unbiased)
    assert scorer(good) == -expected
    assert isinstance(scorer.reference_features_, np.ndarray)
    assert pickle.loads(pickle.dumps(scorer))(good) == -expected


# ---------------------------------------------- scorers: fitted searches pickle


def assert_search_pickles(search, X, y=None):
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)), scores
    loaded = pickle.loads(pickle.dumps(search))
    assert type(loaded.scorer_) is type(search.scorer_)
    expected = search.scorer_(search.best_estimator_, X, y)
    assert np.isfinite(expected)
    assert loaded.scorer_(loaded.best_estimator_, X, y) == expected
    assert loaded.scorer_(search.best_estimator_, X, y) == expected
    assert loaded.best_params_ == search.best_params_
    np.testing.assert_array_equal(loaded.cv_results_["mean_test_score"], scores)
    return loaded


@pytest.fixture(scope="module")
def shifted_sensors():
    """Labelled source rows, unlabelled target rows (an affine distortion), target validation."""
    X, y = make_classification(n_samples=240, n_features=4, n_informative=3, n_redundant=0,
                               class_sep=2.0, random_state=0)
    rng = np.random.RandomState(0)
    X_target = X[120:] @ (np.eye(4) + 0.3 * rng.randn(4, 4)) + 1.5
    return X[:120], y[:120], X_target[:80], X_target[80:], y[200:]


TINY_ADAPTER = dict(n_filters=4, n_blocks=1, max_epochs=1, batch_size=16, random_state=0)
TINY_GAN = dict(latent_dim=4, n_filters=4, max_epochs=1, batch_size=16, random_state=0)


@pytest.mark.parametrize("kind", ["target", "domain_gap"])
def test_fitted_adapter_search_pickles_with_its_scorer(shifted_sensors, kind):
    X, y, X_target, X_val, y_val = shifted_sensors
    if kind == "target":
        scoring, scorer_type = make_target_scorer(X_val, y_val), TargetScorer
    else:
        scoring, scorer_type = make_domain_gap_scorer(X_val), DomainGapScorer
    pipe = Pipeline([("adapt", GANDomainAdapter(**TINY_ADAPTER)), ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"adapt__lambda_id": [0.0, 1.0]}, scoring=scoring, cv=2,
                          error_score="raise")
    search.fit(X, y, adapt__X_target=Unsplit(X_target))
    assert isinstance(search.scorer_, scorer_type)
    loaded = assert_search_pickles(search, X, y)
    if kind == "target":
        best = loaded.best_estimator_
        assert loaded.scorer_(best, X, y) == accuracy_score(y_val, best.predict(X_val))


@pytest.mark.parametrize("make", [make_fid_scorer, make_kid_scorer])
def test_fitted_gan_search_pickles_with_its_scorer(make):
    rng = np.random.RandomState(0)
    X = rng.randn(160, 2) @ [[1.5, 0.5], [0.0, 0.5]] + [2.0, -1.0]
    X_fit, X_held = X[:96], X[96:]
    if make is make_fid_scorer:  # compares with held-out data in "LeNet" (MLP) features
        mlp = ClassifierFeatureExtractor(n_filters=4, max_epochs=2, random_state=0)
        mlp.fit(X_held, (X_held[:, 0] > 2.0).astype(int))
        scoring = make_fid_scorer(X_held, feature_extractor=mlp)
    else:  # compares with the fold
        scoring = make_kid_scorer(n_subsets=5)
    search = GridSearchCV(GAN(**TINY_GAN), {"lr": [2e-4, 1e-3]}, scoring=scoring, cv=2,
                          error_score="raise")
    search.fit(X_fit)
    assert isinstance(search.scorer_, SampleDistanceScorer)
    assert_search_pickles(search, X_held)
    if make is make_fid_scorer:
        assert isinstance(search.scorer_.reference_features_, np.ndarray)
        assert search.scorer_.reference_features_.shape == (len(X_held), mlp.n_features_out_)
