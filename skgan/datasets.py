"""Offline datasets: digit domains from local files and from scikit-learn's data.

Nothing here touches the network unless a caller passes ``download=True``.
"""

from __future__ import annotations


import numpy as np
import torch
from sklearn.datasets import load_digits, load_sample_images
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_digits_domains", "load_mnist", "load_usps", "make_mnist_m", "restyle_images"]

_FETCH_HINT = (
    "Pass the folder that holds the files as root, or download=True on a machine "
    "with internet (torchvision fetches them), e.g. "
    "torchvision.datasets.{name}(root, download=True)."
)


def _torchvision_dataset(cls, root, train, download):
    try:
        return cls(root=str(root), train=train, download=download)
    except (RuntimeError, FileNotFoundError) as exc:  # "Dataset not found or corrupted"
        raise FileNotFoundError(
            f"{cls.__name__} files not found under root={str(root)!r}: {exc}. "
            + _FETCH_HINT.format(name=cls.__name__)
        ) from None


def load_mnist(root, *, train=True, download=False):
    """MNIST digits from a local torchvision layout (``root/MNIST/raw/...``).

    Parameters
    ----------
    root : str or Path
        Folder holding ``MNIST/raw`` with the four decompressed IDX files.
    train : bool, default=True
        The 60,000-image training split, else the 10,000-image test split.
    download : bool, default=False
        Let torchvision download missing files (needs internet).

    Returns
    -------
    X : ndarray of shape (n, 28, 28), uint8
    y : ndarray of shape (n,), int64

    Examples
    --------
    >>> from skgan.datasets import load_mnist
    >>> X, y = load_mnist("../shared/data")  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    from torchvision.datasets import MNIST

    ds = _torchvision_dataset(MNIST, root, train, download)
    return ds.data.numpy(), ds.targets.numpy().astype(np.int64)


def load_usps(root, *, train=True, size=16, download=False):
    """USPS digits from a local torchvision layout (``root/usps.bz2``, ``usps.t.bz2``).

    Parameters
    ----------
    root : str or Path
        Folder holding the LIBSVM ``usps.bz2`` (train) / ``usps.t.bz2`` (test) files.
    train : bool, default=True
        7,291 training images, else 2,007 test images.
    size : int, default=16
        Side of the returned images; 28 matches MNIST (bilinear, antialiased).
    download : bool, default=False

    Returns
    -------
    X : ndarray of shape (n, size, size), uint8
    y : ndarray of shape (n,), int64

    Examples
    --------
    >>> from skgan.datasets import load_usps
    >>> X, y = load_usps("../shared/data/usps", size=28)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (7291, 28, 28)
    """
    from torchvision.datasets import USPS
    from torchvision.transforms.functional import resize

    ds = _torchvision_dataset(USPS, root, train, download)
    X = np.asarray(ds.data, dtype=np.uint8)
    if size != X.shape[1]:
        X = resize(torch.from_numpy(X)[:, None], [size, size], antialias=True)[:, 0].numpy()
    return X, np.asarray(ds.targets, dtype=np.int64)


def make_mnist_m(X, *, random_state=None):
    """Blend digits with colour photo patches: the MNIST-M recipe (Ganin et al., 2016).

    Each digit is binarised, a random patch of its size is cropped from one of
    scikit-learn's two sample photos, and the output is ``|patch - digit|`` per
    colour channel, so strokes invert the photo's colours.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, 1, H, W)
        Grey digits, uint8 0..255 or float 0..1.
    random_state : int, RandomState instance or None, default=None
        Picks photos and crop positions.

    Returns
    -------
    X_m : ndarray of shape (n, 3, H, W), uint8

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.datasets import make_mnist_m
    >>> make_mnist_m(np.zeros((2, 28, 28), dtype=np.uint8), random_state=0).shape
    (2, 3, 28, 28)
    """
    X = np.asarray(X)
    if X.ndim == 4 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 3:
        raise ValueError(f"X must be grey digits (n, H, W) or (n, 1, H, W); got {X.shape}.")
    high = 255.0 if X.dtype == np.uint8 or X.max() > 1.0 else 1.0
    digits = np.where(X / high > 0.5, 255, 0).astype(np.int16)
    photos = load_sample_images().images
    rng = check_random_state(random_state)
    n, h, w = X.shape
    out = np.empty((n, 3, h, w), dtype=np.uint8)
    which = rng.randint(len(photos), size=n)
    for i in range(n):
        photo = photos[which[i]]
        top = rng.randint(photo.shape[0] - h + 1)
        left = rng.randint(photo.shape[1] - w + 1)
        patch = photo[top : top + h, left : left + w].astype(np.int16).transpose(2, 0, 1)
        out[i] = np.abs(patch - digits[i][None])
    return out


def restyle_images(X, *, tint=(1.0, 0.6, 0.2), invert=True):
    """Render grey images in another style: optionally inverted, then tinted.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, 1, H, W)
        Grey images with values in [0, 1].
    tint : tuple of float, default=(1.0, 0.6, 0.2)
        Colour multiplied into the (inverted) intensity, one value per output
        channel; its length is the output's channel count.
    invert : bool, default=True
        Use ``1 - X``: dark strokes on a bright background.

    Returns
    -------
    X_styled : ndarray of shape (n, len(tint), H, W), float32 in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from skgan.datasets import restyle_images
    >>> restyle_images(np.zeros((2, 8, 8))).shape
    (2, 3, 8, 8)
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 4:
        if X.shape[1] != 1:
            raise ValueError(f"X must hold grey images; got {X.shape[1]} channels.")
        X = X[:, 0]
    if X.ndim != 3:
        raise ValueError(f"X must be (n, H, W) or (n, 1, H, W); got shape {X.shape}.")
    intensity = 1.0 - X if invert else X
    colour = np.asarray(tint, dtype=np.float32)[None, :, None, None]
    return np.clip(intensity[:, None] * colour, 0.0, 1.0).astype(np.float32)


def load_digits_domains(*, target="restyled", random_state=0):
    """scikit-learn's 8x8 digits as two domains: grey source, colour target.

    The 1,797 digits are shuffled and split in half. The source half is grey
    ``(n, 1, 8, 8)`` in [0, 1]; the target half, ``(n, 3, 8, 8)`` in [0, 1], is
    either inverted and tinted orange (``"restyled"``, :func:`restyle_images`) or
    blended with photo patches (``"digits-m"``, :func:`make_mnist_m`). The halves
    hold different images, so the pair is unpaired. Target labels are for
    evaluation only.

    Parameters
    ----------
    target : {"restyled", "digits-m"}, default="restyled"
    random_state : int, RandomState instance or None, default=0
        Shuffles the digits before the split (and picks photo patches).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X_source``, ``y_source``, ``X_target``, ``y_target`` (float32 images,
        int labels) and ``DESCR``.

    Examples
    --------
    >>> from skgan.datasets import load_digits_domains
    >>> d = load_digits_domains()
    >>> d.X_source.shape, d.X_target.shape
    ((898, 1, 8, 8), (899, 3, 8, 8))
    """
    if target not in ("restyled", "digits-m"):
        raise ValueError(f"target must be 'restyled' or 'digits-m'; got {target!r}.")
    digits = load_digits()
    rng = check_random_state(random_state)
    order = rng.permutation(len(digits.target))
    images = (digits.images[order] / 16.0).astype(np.float32)
    labels = digits.target[order]
    half = len(labels) // 2
    return Bunch(
        X_source=images[:half, None],
        y_source=labels[:half],
        X_target=(
            restyle_images(images[half:]) if target == "restyled"
            else (make_mnist_m(images[half:], random_state=rng) / 255.0).astype(np.float32)
        ),
        y_target=labels[half:],
        DESCR=f"scikit-learn digits: grey source half, {target} colour target half.",
    )
