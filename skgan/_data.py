"""Input validation, data layout and scaling shared by every skgan estimator.

User arrays come in one of these layouts:

* ``(n_samples, n_features)`` tabular data;
* ``(n_samples, H, W)`` single-channel images;
* ``(n_samples, C, H, W)`` images;
* ``(n_samples, C * H * W)`` flattened images, with ``image_shape=(C, H, W)``.

Networks see ``float32`` tensors: ``(n, n_features)`` standardised per feature for
tabular data, ``(n, C, H, W)`` in ``[-1, 1]`` for images. :class:`DomainSpec` holds
what is needed to go there and back to the caller's layout, dtype and value range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils.validation import check_array, validate_data

__all__ = ["DomainSpec", "Unsplit", "check_input", "sample_shape", "validate_features"]


class Unsplit:
    """Wrap data that cross-validation must pass through whole.

    scikit-learn's ``GridSearchCV`` and ``cross_validate`` slice every fit
    parameter whose length equals ``len(X)`` along with ``X``. Unlabelled target
    data is not aligned with ``X``, so slicing it silently throws most of it away.
    Wrapping ``X_target`` in ``Unsplit`` hides its length from scikit-learn: it
    reaches the estimator whole in every fold. Estimators accept plain arrays
    too; wrap only when the data goes through cross-validation.

    Parameters
    ----------
    data : array-like or torch.Tensor
        The data to pass through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan import Unsplit
    >>> X_target = np.zeros((100, 4))
    >>> wrapped = Unsplit(X_target)
    >>> wrapped.data.shape
    (100, 4)
    """

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data.data if isinstance(data, Unsplit) else data

    def __repr__(self):
        shape = getattr(self.data, "shape", None)
        return f"Unsplit(shape={tuple(shape)})" if shape is not None else "Unsplit(...)"

    def __getstate__(self):
        return {"data": self.data}

    def __setstate__(self, state):
        self.data = state["data"]


def check_input(X, *, input_name="X", ensure_min_samples=1):
    """Return ``X`` as a finite numeric numpy array of 2 to 4 dimensions.

    uint8 and float dtypes are kept (they decide the output dtype); object arrays of
    numbers become float64, strings and other non-numeric data raise.
    """
    if isinstance(X, Unsplit):
        X = X.data
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = check_array(
        X,
        accept_sparse=False,
        allow_nd=True,
        dtype="numeric",
        ensure_all_finite=True,
        ensure_min_samples=ensure_min_samples,
        input_name=input_name,
    )
    if X.ndim > 4:
        raise ValueError(
            f"{input_name} must be 2-D (n_samples, n_features), 3-D (n_samples, H, W) "
            f"or 4-D (n_samples, C, H, W); got a {X.ndim}-D array of shape {X.shape}."
        )
    if X.ndim >= 3 and min(X.shape[1:]) == 0:
        raise ValueError(f"{input_name} has an empty image dimension: shape {X.shape}.")
    return X


def validate_features(estimator, X_raw, X, *, reset):
    """Set or check ``n_features_in_``/``feature_names_in_`` on the flattened data.

    ``X_raw`` is what the caller passed (a DataFrame keeps its column names), ``X``
    the array returned by :func:`check_input`.
    """
    flat = X_raw if (X.ndim == 2 and hasattr(X_raw, "columns")) else X.reshape(len(X), -1)
    validate_data(estimator, flat, reset=reset, skip_check_array=True)


def sample_shape(X, image_shape=None, *, input_name="X", spatial=None):
    """Per-sample shape the networks see: ``(n_features,)`` or ``(C, H, W)``.

    Parameters
    ----------
    X : ndarray of ndim 2, 3 or 4
    image_shape : tuple of 3 ints or None
        Declared ``(C, H, W)`` of one sample of ``X``.
    input_name : str
        Name used in error messages.
    spatial : tuple (H, W) or None
        When given, a 2-D ``X`` is read as flattened images of this spatial size
        (its channel count is inferred); used for target data whose channel count
        may differ from the source's.
    """
    if image_shape is not None:
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(
                f"image_shape must be a tuple (C, H, W) of positive ints; got {image_shape}."
            )
    if X.ndim == 2:
        n_features = X.shape[1]
        if image_shape is not None:
            if int(np.prod(image_shape)) != n_features:
                raise ValueError(
                    f"image_shape={image_shape} implies {int(np.prod(image_shape))} "
                    f"features per sample, but {input_name} has {n_features}."
                )
            return image_shape
        if spatial is not None:
            h, w = spatial
            if n_features % (h * w):
                raise ValueError(
                    f"{input_name} has {n_features} features, which is not a whole number "
                    f"of {h}x{w} image channels; pass it as a (n, C, H, W) array."
                )
            return (n_features // (h * w), h, w)
        return (n_features,)
    shape = (1, *X.shape[1:]) if X.ndim == 3 else tuple(X.shape[1:])
    if image_shape is not None and image_shape != shape:
        raise ValueError(
            f"image_shape={image_shape} does not match {input_name} of shape {X.shape} "
            f"(one sample is {shape})."
        )
    return shape


def _output_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.uint8 or dtype.kind == "f":
        return dtype
    return np.dtype(np.float64)


@dataclass
class DomainSpec:
    """Layout, dtype and scaling of one domain's data.

    Tabular data is standardised per feature; images map linearly to ``[-1, 1]``
    (uint8 from 0..255, float from the data's min..max). :meth:`decode` maps
    network outputs back: uint8 is rounded and clipped, floats keep their dtype,
    integer inputs come back as float64.

    Parameters
    ----------
    shape : tuple
        Per-sample shape seen by the networks.
    dtype : numpy dtype
        Output dtype.
    offset, scale : ndarray
        ``internal = (x - offset) / scale``.
    """

    shape: tuple
    dtype: np.dtype
    offset: np.ndarray
    scale: np.ndarray

    @property
    def is_image(self):
        return len(self.shape) == 3

    @classmethod
    def fit(cls, X, shape):
        """Fit the scaling of ``X`` (an array from :func:`check_input`)."""
        Xs = X.reshape(len(X), *shape)
        if len(shape) == 3:
            if X.dtype == np.uint8:
                lo, hi = 0.0, 255.0
            else:
                lo, hi = float(Xs.min()), float(Xs.max())
                hi = hi if hi > lo else lo + 1.0
            offset = np.asarray((hi + lo) / 2.0)
            scale = np.asarray((hi - lo) / 2.0)
        else:
            Xf = Xs.astype(np.float64)
            offset = Xf.mean(axis=0)
            scale = Xf.std(axis=0)
            scale[scale < 1e-12 * np.maximum(1.0, np.abs(offset))] = 1.0
        return cls(
            shape=tuple(shape),
            dtype=_output_dtype(X.dtype),
            offset=offset.astype(np.float64),
            scale=scale.astype(np.float64),
        )

    def reencoder(self, other):
        """``(a, b)`` float32 tensors with ``other.encode(x) = self.encode(x) * a + b``.

        Maps data encoded in this domain's scale to ``other``'s (same sample
        shape): the one encoding a network that reads ``other``'s data must see.
        Shaped to broadcast over a batch ``(n, *shape)``.
        """
        if self.shape != other.shape:
            raise ValueError(f"cannot re-encode samples of shape {self.shape} as {other.shape}.")
        a = np.asarray(self.scale / other.scale, dtype=np.float64)
        b = np.asarray((self.offset - other.offset) / other.scale, dtype=np.float64)
        bshape = (1, *self.shape) if a.ndim else ()
        return (torch.from_numpy(np.broadcast_to(a, bshape).astype(np.float32).copy()),
                torch.from_numpy(np.broadcast_to(b, bshape).astype(np.float32).copy()))

    def encode(self, X):
        """``X`` (any layout holding this domain's samples) -> float32 tensor."""
        Xs = X.reshape(len(X), *self.shape).astype(np.float64)
        return torch.from_numpy(((Xs - self.offset) / self.scale).astype(np.float32))

    def decode(self, Z, input_ndim):
        """Network output tensor -> numpy array in the caller's layout.

        ``input_ndim`` is the ndim of the array the caller passed: 2 gives
        ``(n, n_features)``, 3 gives ``(n, H, W)`` (single channel only), 4 gives
        ``(n, C, H, W)``.
        """
        if isinstance(Z, torch.Tensor):
            Z = Z.detach().cpu().numpy()
        X = Z.astype(np.float64) * self.scale + self.offset
        if self.dtype == np.uint8:
            X = np.clip(np.rint(X), 0, 255)
        return self.layout(X, input_ndim)

    def layout(self, X, input_ndim):
        """This domain's samples (in its own value scale) in the caller's layout and dtype."""
        X = np.asarray(X).astype(self.dtype, copy=False)
        n = len(X)
        if input_ndim == 2:
            return X.reshape(n, -1)
        if input_ndim == 3 and self.shape[0] == 1:
            return X.reshape(n, *self.shape[1:])
        return X.reshape(n, *self.shape)
