"""Offline loaders on tiny files the tests write themselves, and the domain recipes."""

import bz2
import struct

import numpy as np
import pytest

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
    # background is the photo patch, strokes are 255 - patch: they sum to 255
    photo_under_stroke = M[:, :, 3:7, 4:8].astype(int)
    assert photo_under_stroke.std() > 0
    # float input in [0, 1] is binarised the same way
    np.testing.assert_array_equal(make_mnist_m(X / 255.0, random_state=0), M)
    with pytest.raises(ValueError, match="grey digits"):
        make_mnist_m(np.zeros((2, 3, 8, 8)))


def test_restyle_and_digit_domains():
    styled = restyle_images(np.ones((2, 1, 8, 8)))
    assert styled.shape == (2, 3, 8, 8) and styled.max() == 0.0  # inverted white = black
    d = load_digits_domains()
    assert d.X_source.shape == (898, 1, 8, 8) and d.X_target.shape == (899, 3, 8, 8)
    assert d.X_source.max() <= 1 and d.X_target.max() <= 1
    assert set(d.y_source) == set(range(10))
    m = load_digits_domains(target="digits-m")
    assert m.X_target.shape == (899, 3, 8, 8) and m.X_target.std() > 0.1
    with pytest.raises(ValueError, match="target must be"):
        load_digits_domains(target="nope")
