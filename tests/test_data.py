"""Layout detection, validation and scaling round trips (skgan._data)."""

import numpy as np
import pytest
import torch

from skgan import Unsplit
from skgan._data import DomainSpec, Reencoder, check_input, sample_shape


@pytest.mark.parametrize(
    "shape, image_shape, expected",
    [
        ((5, 7), None, (7,)),
        ((5, 48), (3, 4, 4), (3, 4, 4)),
        ((5, 8, 6), None, (1, 8, 6)),
        ((5, 3, 8, 6), None, (3, 8, 6)),
        ((5, 3, 8, 6), (3, 8, 6), (3, 8, 6)),
    ],
)
def test_sample_shape_layouts(shape, image_shape, expected):
    assert sample_shape(np.zeros(shape), image_shape) == expected


def test_sample_shape_infers_target_channels_from_spatial_size():
    assert sample_shape(np.zeros((4, 3 * 8 * 8)), spatial=(8, 8)) == (3, 8, 8)
    with pytest.raises(ValueError, match="X_target has 65 features"):
        sample_shape(np.zeros((4, 65)), spatial=(8, 8), input_name="X_target")


@pytest.mark.parametrize(
    "shape, image_shape, match",
    [
        ((5, 10), (1, 3, 3), "implies 9 features"),
        ((5, 1, 4, 4), (3, 4, 4), "does not match X"),
        ((5, 16), (4, 4), r"image_shape must be a tuple \(C, H, W\)"),
    ],
)
def test_sample_shape_errors_name_the_argument(shape, image_shape, match):
    with pytest.raises(ValueError, match=match):
        sample_shape(np.zeros(shape), image_shape)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.zeros(5), "2D array"),
        (np.zeros((2, 2, 2, 2, 2)), "got a 5-D array"),
        (np.array([["a", "b"], ["c", "d"]]), "strings"),
        (np.array([["a", 1.0], ["c", 2.0]], dtype=object), "could not convert"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros((1, 3)), "1 sample"),
    ],
)
def test_check_input_rejects_bad_arrays(X, match):
    with pytest.raises(ValueError, match=match):
        check_input(X, ensure_min_samples=2)


def test_check_input_accepts_tensors_unsplit_and_keeps_uint8():
    X = torch.arange(12, dtype=torch.uint8).reshape(3, 4)
    out = check_input(Unsplit(X))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, X.numpy())
    obj = np.array([[1, 2.5], [3, 4]], dtype=object)
    assert check_input(obj).dtype == np.float64
    np.testing.assert_array_equal(check_input(obj), [[1.0, 2.5], [3.0, 4.0]])


def test_uint8_images_round_trip_and_scale_to_unit_range():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(6, 1, 5, 5)).astype(np.uint8)
    spec = DomainSpec.fit(X, (1, 5, 5))
    Z = spec.encode(X)
    assert Z.dtype == torch.float32 and Z.shape == (6, 1, 5, 5)
    # 0..255 maps linearly onto [-1, 1] whatever the batch holds: 0 -> -1, 255 -> 1
    np.testing.assert_allclose(Z.numpy(), X / 127.5 - 1.0, atol=1e-6)
    dark = DomainSpec.fit(np.full((2, 1, 5, 5), 10, np.uint8), (1, 5, 5))  # a dim batch
    np.testing.assert_allclose(dark.encode(X).numpy(), Z.numpy())  # is not stretched
    np.testing.assert_array_equal(spec.decode(Z, 4), X)
    np.testing.assert_array_equal(spec.decode(Z, 3), X[:, 0])
    assert spec.decode(Z, 2).dtype == np.uint8
    np.testing.assert_array_equal(spec.decode(Z, 2), X.reshape(6, 25))
    # out-of-range network outputs are clipped into 0..255
    assert (spec.decode(torch.full((1, 1, 5, 5), 3.0), 4) == 255).all()
    assert (spec.decode(torch.full((1, 1, 5, 5), -3.0), 4) == 0).all()


def test_float_images_use_data_range_and_keep_dtype():
    X = np.linspace(2.0, 6.0, 2 * 16, dtype=np.float32).reshape(2, 16)
    spec = DomainSpec.fit(X, (1, 4, 4))
    Z = spec.encode(X)
    assert float(Z.min()) == pytest.approx(-1) and float(Z.max()) == pytest.approx(1)
    back = spec.decode(Z, 2)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, X, rtol=1e-6)


def test_tabular_is_standardised_per_feature():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    X[:, 2] = 7.0  # constant feature: no division by zero
    spec = DomainSpec.fit(X, (3,))
    Z = spec.encode(X).numpy()
    np.testing.assert_allclose(Z[:, :2].mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(Z[:, :2].std(0), 1, atol=1e-5)
    np.testing.assert_allclose(Z[:, 2], 0)
    np.testing.assert_allclose(spec.decode(torch.from_numpy(Z), 2), X, rtol=1e-5, atol=1e-5)
    # integer input comes back as float64
    assert DomainSpec.fit(np.arange(6).reshape(3, 2), (2,)).dtype == np.float64


def test_quantile_encoding_is_monotone_gaussian_and_round_trips():
    rng = np.random.RandomState(0)
    X = np.c_[np.exp(rng.randn(400)), rng.randn(400) ** 3, rng.randint(0, 3, 400)]
    spec = DomainSpec.fit(X, (3,), encoding="quantile")
    Z = spec.encode(X).numpy()
    # continuous features: standard-normal scores, order kept, back to the values
    for j in (0, 1):
        assert abs(Z[:, j].mean()) < 0.01 and abs(Z[:, j].std() - 1) < 0.05
        assert (np.diff(Z[np.argsort(X[:, j]), j]) >= 0).all()
    np.testing.assert_allclose(spec.decode(torch.from_numpy(Z), 2)[:, :2], X[:, :2],
                               rtol=1e-4, atol=1e-4)
    # a discrete feature: one code per value, in order, decoded back to the value
    codes = [np.unique(Z[X[:, 2] == v, 2]) for v in range(3)]
    assert all(len(c) == 1 for c in codes) and codes[0] < codes[1] < codes[2]
    np.testing.assert_allclose(spec.decode(torch.from_numpy(Z), 2)[:, 2], X[:, 2], atol=1e-4)
    # decoding stays inside the fitted range; the cubic's skew is gone from the codes
    assert spec.decode(torch.full((1, 3), 9.0), 2).max() <= X.max()
    assert abs(np.mean(Z[:, 1] ** 3)) < 0.1 < abs(np.mean(((X[:, 1] - X[:, 1].mean())
                                                            / X[:, 1].std()) ** 4) - 3)
    # images ignore it; anything but the two encodings is an error
    assert DomainSpec.fit(np.zeros((3, 1, 2, 2), np.uint8), (1, 2, 2),
                          encoding="quantile").quantiles is None
    with pytest.raises(ValueError, match="encoding must be"):
        DomainSpec.fit(X, (3,), encoding="rank")


def test_reencoder_maps_one_encoding_to_the_other_exactly():
    rng = np.random.RandomState(1)
    Xa = rng.randn(300, 2) * [1.0, 5.0]
    Xb = np.exp(rng.randn(200, 2)) * [3.0, 0.2]
    X = np.r_[Xa[:50], Xb[:50]]  # rows of both domains, inside both fitted ranges
    X = X[(X >= np.maximum(Xa.min(0), Xb.min(0))).all(1) & (X <= np.minimum(Xa.max(0), Xb.max(0))).all(1)]
    for encoding in ("standard", "quantile"):
        a = DomainSpec.fit(Xa, (2,), encoding=encoding)
        b = DomainSpec.fit(Xb, (2,), encoding=encoding)
        reencoder = a.reencoder(b)
        assert isinstance(reencoder, Reencoder)
        np.testing.assert_allclose(reencoder(a.encode(X)).numpy(), b.encode(X).numpy(),
                                   atol=1e-4)
    # piecewise linear: interpolates between knots, holds the ends beyond them
    r = Reencoder(knots=np.array([[0.0, 0.0], [1.0, 2.0]]), values=np.array([[0.0, 1.0], [2.0, 3.0]]))
    out = r(torch.tensor([[0.5, 1.0], [-1.0, 5.0]])).numpy()
    np.testing.assert_allclose(out, [[1.0, 2.0], [0.0, 3.0]])


def test_unsplit_hides_length_from_sklearn():
    from sklearn.utils.validation import _is_arraylike

    wrapped = Unsplit(np.zeros((10, 2)))
    assert not _is_arraylike(wrapped)
    assert Unsplit(wrapped).data is wrapped.data
