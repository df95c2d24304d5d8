"""Offline loaders on tiny files the tests write themselves, and the domain recipes."""

import bz2
import struct

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skgan.datasets import (
    load_digits_domains,
    load_mnist,
    load_usps,
    make_mnist_m,
    restyle_images,
)


def write_fake_mnist(root, n=6):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.RandomState(0)
    for prefix in ("train", "t10k"):
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
            struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
            struct.pack(">II", 2049, n) + labels.tobytes())
    return images, labels


def write_fake_usps(root, n=5):
    rng = np.random.RandomState(0)
    pixels = rng.uniform(-1, 1, size=(n, 256))
    labels = np.arange(n) % 10
    for name in ("usps.bz2", "usps.t.bz2"):
        lines = [
            f"{label + 1} " + " ".join(f"{j + 1}:{v:.6f}" for j, v in enumerate(row))
            for label, row in zip(labels, pixels)
        ]
        (root / name).write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))
    return pixels, labels


def test_load_mnist_reads_a_local_root(tmp_path):
    images, labels = write_fake_mnist(tmp_path)
    X, y = load_mnist(tmp_path, train=False)
    assert X.shape == (6, 28, 28) and X.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)


def test_load_usps_reads_and_resizes(tmp_path):
    pixels, labels = write_fake_usps(tmp_path)
    X16, y = load_usps(tmp_path)
    assert X16.shape == (5, 16, 16) and X16.dtype == np.uint8
    np.testing.assert_array_equal(y, labels)
    expected = ((pixels.reshape(5, 16, 16).astype(np.float32) + 1) / 2 * 255).astype(np.uint8)
    np.testing.assert_array_equal(X16, expected)
    X28, _ = load_usps(tmp_path, size=28, train=False)
    assert X28.shape == (5, 28, 28) and X28.dtype == np.uint8
    assert abs(float(X28.mean()) - float(X16.mean())) < 10  # same picture, resized


@pytest.mark.parametrize("loader", [load_mnist, load_usps])
def test_missing_files_say_how_to_get_them(tmp_path, loader):
    with pytest.raises(FileNotFoundError, match="download=True"):
        loader(tmp_path / "nowhere")


def test_make_mnist_m_follows_the_recipe():
    X = np.zeros((4, 1, 10, 12), dtype=np.uint8)
    X[:, :, 3:7, 4:8] = 255
    M = make_mnist_m(X, random_state=0)
    assert M.shape == (4, 3, 10, 12) and M.dtype == np.uint8
    np.testing.assert_array_equal(M, make_mnist_m(X, random_state=0))
    assert not np.array_equal(M, make_mnist_m(X, random_state=1))
    # background is the photo patch, strokes are 255 - patch: with the same seed a blank
    # digit gets the same patches, shown as they are
    patches = make_mnist_m(np.zeros_like(X), random_state=0).astype(int)
    stroke = np.zeros((10, 12), bool)
    stroke[3:7, 4:8] = True
    np.testing.assert_array_equal(M[:, :, ~stroke], patches[:, :, ~stroke])
    np.testing.assert_array_equal(M[:, :, stroke], 255 - patches[:, :, stroke])
    assert patches.std() > 10  # photo texture, not a flat colour
    # float input in [0, 1] is binarised the same way
    np.testing.assert_array_equal(make_mnist_m(X / 255.0, random_state=0), M)
    with pytest.raises(ValueError, match="grey digits"):
        make_mnist_m(np.zeros((2, 3, 8, 8)))


def test_restyle_and_digit_domains():
    styled = restyle_images(np.ones((2, 1, 8, 8)))
    assert styled.shape == (2, 3, 8, 8) and styled.max() == 0.0  # inverted white = black
    # inverted black takes the tint; 0.25 grey -> 0.75 of it in each channel
    np.testing.assert_allclose(restyle_images(np.zeros((1, 2, 2)))[0, :, 0, 0], [1.0, 0.6, 0.2])
    np.testing.assert_allclose(restyle_images(np.full((1, 2, 2), 0.25), tint=(1.0, 0.5))[0, :, 1, 1],
                               [0.75, 0.375])
    assert restyle_images(np.full((1, 2, 2), 0.25), invert=False, tint=(1.0,))[0, 0, 0, 0] == 0.25
    d = load_digits_domains()
    assert d.X_source.shape == (898, 1, 8, 8) and d.X_target.shape == (899, 3, 8, 8)
    # the source is sklearn's digits in [0, 1], shuffled with the seed; the target the
    # other half, restyled; labels follow their images
    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))
    images = (digits.images[order] / 16.0).astype(np.float32)
    np.testing.assert_array_equal(d.X_source[:, 0], images[:898])
    np.testing.assert_array_equal(d.y_source, digits.target[order][:898])
    np.testing.assert_allclose(d.X_target, restyle_images(images[898:]))
    np.testing.assert_array_equal(d.y_target, digits.target[order][898:])
    assert set(d.y_source) == set(range(10))
    m = load_digits_domains(target="digits-m")
    assert m.X_target.shape == (899, 3, 8, 8) and m.X_target.dtype == np.float32
    np.testing.assert_array_equal(m.y_target, d.y_target)  # same images, other style
    # the same digits through make_mnist_m, its photo patches drawn from the seed's
    # generator after the shuffle
    rng = np.random.RandomState(0)
    rng.permutation(len(digits.target))
    np.testing.assert_allclose(m.X_target, make_mnist_m(images[898:], random_state=rng) / 255.0,
                               rtol=1e-6)
    with pytest.raises(ValueError, match="target must be"):
        load_digits_domains(target="nope")
