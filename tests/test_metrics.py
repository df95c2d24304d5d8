"""FID/KID with pluggable feature extractors, and the generative scorers."""

import numpy as np
import pytest
import scipy.linalg
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skgan import GAN
from skgan.metrics import (
    ClassifierFeatureExtractor,
    TorchFeatureExtractor,
    frechet_distance,
    kernel_distance,
    make_fid_scorer,
    make_kid_scorer,
)
from skgan.nn import BackboneFeatures


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
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 2 and np.all(scores < 0)
    assert search.best_estimator_.sample(3, random_state=0).shape == (3, 2)
