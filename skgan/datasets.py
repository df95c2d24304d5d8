"""Offline datasets: small domain pairs that ship with scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_digits_domains", "restyle_images"]


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


def load_digits_domains(*, random_state=0):
    """scikit-learn's 8x8 digits as two domains: grey source, restyled colour target.

    The 1,797 digits are shuffled and split in half. The source half is grey
    ``(n, 1, 8, 8)`` in [0, 1]; the target half is inverted and tinted orange
    ``(n, 3, 8, 8)`` (:func:`restyle_images`). The halves hold different images,
    so the pair is unpaired. Target labels are for evaluation only.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=0
        Shuffles the digits before the split.

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
    digits = load_digits()
    rng = check_random_state(random_state)
    order = rng.permutation(len(digits.target))
    images = (digits.images[order] / 16.0).astype(np.float32)
    labels = digits.target[order]
    half = len(labels) // 2
    return Bunch(
        X_source=images[:half, None],
        y_source=labels[:half],
        X_target=restyle_images(images[half:]),
        y_target=labels[half:],
        DESCR="scikit-learn digits: grey source half, inverted orange target half.",
    )
