"""Input validation, data layout and scaling shared by every skgan estimator.

User arrays come in one of these layouts:

* ``(n_samples, n_features)`` tabular data;
* ``(n_samples, H, W)`` single-channel images;
* ``(n_samples, C, H, W)`` images;
* ``(n_samples, C * H * W)`` flattened images, with ``image_shape=(C, H, W)``.

Any of these may be a ``np.memmap`` (it stays on disk), or a map-style
``torch.utils.data.Dataset`` whose items are samples or ``(sample, label)`` pairs
(read through :class:`DatasetArray`, an item at a time).

Networks see ``float32`` tensors: ``(n, n_features)`` standardised per feature for
tabular data (or, with ``encoding="quantile"``, each feature mapped through its
empirical distribution to a standard normal), ``(n, C, H, W)`` in ``[-1, 1]`` for images. :class:`DomainSpec` holds
what is needed to go there and back to the caller's layout, dtype and value range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import ndtri
from sklearn.utils.validation import check_array, validate_data

__all__ = ["DatasetArray", "DomainSpec", "EncodedArray", "Reencoder", "TrainingData", "Unsplit",
           "check_input", "collate_batch", "sample_shape", "spread_rows",
           "validate_features"]

# how many samples fit the scaling of data read an item at a time (a Dataset)
SCALING_SAMPLE = 2048
# rows per chunk when statistics are computed over a large array
_CHUNK_ROWS = 65536
# quantile encoding: at most this many knots per feature, fitted on at most this many rows
N_QUANTILES = 1000
QUANTILE_SAMPLE = 100_000


def spread_rows(n_rows, at_most):
    """Indices of at most ``at_most`` rows spread evenly over ``range(n_rows)``
    (first and last included): a deterministic subsample for statistics.

    >>> spread_rows(10, 4).tolist(), spread_rows(3, 10).tolist()
    ([0, 3, 6, 9], [0, 1, 2])
    """
    return np.unique(np.linspace(0, n_rows - 1, min(n_rows, at_most)).astype(int))


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


class DatasetArray:
    """A map-style ``torch.utils.data.Dataset`` read as an array of its samples.

    Items are samples (tensors, arrays or PIL images) or ``(sample, label, ...)``
    tuples, of which the first element is the sample; every sample must have the
    shape and dtype of the first. PIL images become ``(C, H, W)`` uint8 arrays, as
    torchvision's ``PILToTensor`` makes them (a grey image one channel). Nothing is loaded up front: indexing with an int, a slice
    or an index array reads those items and stacks them into a numpy array. torch
    ``uint8`` images stay ``uint8`` (their scaling is 0..255, declared); other
    dtypes are read as they come (float images from ``ToTensor()`` are float32).

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Map-style (``__len__`` and ``__getitem__``), e.g. a torchvision
        ``ImageFolder`` with a transform to tensors of one size.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from skgan._data import DatasetArray
    >>> data = DatasetArray(TensorDataset(torch.zeros(10, 1, 4, 4, dtype=torch.uint8)))
    >>> data.shape, data.dtype, data[[0, 3]].shape
    ((10, 1, 4, 4), dtype('uint8'), (2, 1, 4, 4))
    """

    def __init__(self, dataset):
        if not hasattr(dataset, "__len__"):
            raise ValueError("a Dataset passed as data must be map-style (define __len__ and "
                             f"__getitem__); got {type(dataset).__name__}.")
        self.dataset = dataset
        n = len(dataset)
        first = self._item(0) if n else np.zeros((0,))
        self.first = first  # checked by check_input without another read
        self.dtype = first.dtype
        self.shape = (n, *first.shape)
        self.ndim = len(self.shape)

    def _item(self, i):
        item = self.dataset[int(i)]
        if isinstance(item, (tuple, list)):
            item = item[0]
        if isinstance(item, torch.Tensor):
            item = item.detach().cpu().numpy()
        elif _is_pil_image(item):  # (H, W[, C]) pixels -> (C, H, W), as PILToTensor
            item = np.asarray(item)
            item = item[None] if item.ndim == 2 else item.transpose(2, 0, 1)
        item = np.asarray(item)
        if item.dtype.kind not in "biuf":
            raise ValueError(f"Dataset item {int(i)} is not numeric (dtype {item.dtype}).")
        return item

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self._item(index)
        rows = np.arange(len(self))[index]
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        for k, i in enumerate(rows):
            item = self._item(i)
            if item.shape != self.shape[1:]:
                raise ValueError(f"Dataset item {int(i)} has shape {item.shape}; the first had "
                                 f"{self.shape[1:]} (give every item one size, e.g. with a "
                                 "Resize transform).")
            out[k] = item
        return out

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)

    def reshape(self, *shape):
        """A reshaped copy of every sample (reads the whole dataset)."""
        return self[:].reshape(*shape)

    def __repr__(self):
        return f"DatasetArray({type(self.dataset).__name__}, shape={self.shape}, dtype={self.dtype})"


def _is_pil_image(item):
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - torchvision brings Pillow
        return False
    return isinstance(item, Image.Image)


def _is_dataset(X):
    return isinstance(X, torch.utils.data.Dataset) and not isinstance(X, DatasetArray)


def check_input(X, *, input_name="X", ensure_min_samples=1):
    """Return ``X`` as a finite numeric array of 2 to 4 dimensions.

    uint8 and float dtypes are kept (they decide the output dtype); object arrays of
    numbers become float64, strings and other non-numeric data raise. A
    ``np.memmap`` is not copied. A map-style ``torch.utils.data.Dataset`` comes
    back as a :class:`DatasetArray` (checked on its first item; the rest are read
    when training or transforming reaches them).
    """
    if isinstance(X, Unsplit):
        X = X.data
    if _is_dataset(X):
        X = DatasetArray(X)
    if isinstance(X, DatasetArray):
        if len(X) < ensure_min_samples:
            raise ValueError(f"{input_name} has {len(X)} samples; at least "
                             f"{ensure_min_samples} are required.")
        first = X.first
        if first.ndim not in (1, 2, 3) or not np.isfinite(first).all():
            raise ValueError(f"{input_name}: Dataset samples must be finite vectors, (H, W) "
                             f"or (C, H, W) images; the first has shape {first.shape}.")
        return X
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
    if isinstance(X, DatasetArray):  # the feature count alone, read from the shape
        flat = np.broadcast_to(np.zeros((), X.dtype), (len(X), int(np.prod(X.shape[1:]))))
    elif X.ndim == 2 and hasattr(X_raw, "columns"):
        flat = X_raw
    else:
        flat = X.reshape(len(X), -1)
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

    Tabular data is standardised per feature, or (``encoding="quantile"``)
    mapped per feature through its empirical distribution to a standard normal;
    images map linearly to ``[-1, 1]`` (uint8 from 0..255, float from the data's
    min..max). :meth:`decode` maps network outputs back: uint8 is rounded and
    clipped, floats keep their dtype, integer inputs come back as float64.

    Parameters
    ----------
    shape : tuple
        Per-sample shape seen by the networks.
    dtype : numpy dtype
        Output dtype.
    offset, scale : ndarray
        ``internal = (x - offset) / scale`` (the features' mean and standard
        deviation for tabular data, kept with the quantile encoding too).
    quantiles : ndarray of shape (n_quantiles, n_features) or None
        Quantile encoding (tabular data only): each column holds a feature's
        values at evenly spaced levels from its minimum to its maximum; value
        ``quantiles[i]`` encodes as ``ndtri((i + 0.5) / n_quantiles)``, values in
        between linearly, values outside the range as the nearest end. The map
        is monotone, so a monotone per-feature change between two domains (a
        sensor's non-linear response) disappears in their encodings. None:
        ``offset`` and ``scale`` alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan._data import DomainSpec
    >>> X = np.exp(np.random.RandomState(0).randn(500, 2))  # skewed features
    >>> spec = DomainSpec.fit(X, (2,), encoding="quantile")
    >>> Z = spec.encode(X)
    >>> bool(abs(float(Z.mean())) < 0.01), bool(abs(float(Z.std()) - 1) < 0.05)
    (True, True)
    >>> bool(np.allclose(spec.decode(Z, 2), X))
    True
    """

    shape: tuple
    dtype: np.dtype
    offset: np.ndarray
    scale: np.ndarray
    quantiles: np.ndarray | None = None

    @property
    def is_image(self):
        return len(self.shape) == 3

    @classmethod
    def fit(cls, X, shape, encoding="standard"):
        """Fit the scaling of ``X`` (an array from :func:`check_input`).

        uint8 images are declared 0..255 (nothing is read). Otherwise the
        statistics come from one pass over the rows, in chunks (no float copy of
        a large array or memmap); a :class:`DatasetArray` contributes at most
        ``SCALING_SAMPLE`` evenly spaced items. ``encoding="quantile"`` (tabular
        data) also fits ``quantiles``, from at most ``QUANTILE_SAMPLE`` evenly
        spaced rows; images ignore it.
        """
        if encoding not in ("standard", "quantile"):
            raise ValueError(f"encoding must be 'standard' or 'quantile'; got {encoding!r}.")
        if isinstance(X, DatasetArray) and not (len(shape) == 3 and X.dtype == np.uint8):
            X = X[spread_rows(len(X), SCALING_SAMPLE)]
        if len(shape) == 3:
            if X.dtype == np.uint8:
                lo, hi = 0.0, 255.0
            else:
                lo, hi = float(X.min()), float(X.max())
                hi = hi if hi > lo else lo + 1.0
            offset = np.asarray((hi + lo) / 2.0)
            scale = np.asarray((hi - lo) / 2.0)
        else:
            offset, scale = _mean_std(X.reshape(len(X), *shape))
            scale[scale < 1e-12 * np.maximum(1.0, np.abs(offset))] = 1.0
        quantiles = None
        if encoding == "quantile" and len(shape) == 1:
            rows = spread_rows(len(X), QUANTILE_SAMPLE)
            sample = np.asarray(X[rows], dtype=np.float64).reshape(len(rows), *shape)
            levels = np.linspace(0.0, 1.0, min(N_QUANTILES, len(sample)))
            quantiles = np.quantile(sample, levels, axis=0)
        return cls(
            shape=tuple(shape),
            dtype=_output_dtype(X.dtype),
            offset=offset.astype(np.float64),
            scale=scale.astype(np.float64),
            quantiles=quantiles,
        )

    def reencoder(self, other):
        """A :class:`Reencoder` with ``other.encode(x) = reencoder(self.encode(x))``.

        Maps data encoded in this domain's scale to ``other``'s (same sample
        shape): the one encoding a network that reads ``other``'s data must see.
        Affine (``x * a + b``) between scalings, piecewise linear per feature
        when either domain has a quantile encoding.
        """
        if self.shape != other.shape:
            raise ValueError(f"cannot re-encode samples of shape {self.shape} as {other.shape}.")
        if self.quantiles is None and other.quantiles is None:
            a = np.asarray(self.scale / other.scale, dtype=np.float64)
            b = np.asarray((self.offset - other.offset) / other.scale, dtype=np.float64)
            bshape = (1, *self.shape) if a.ndim else ()
            return Reencoder(np.broadcast_to(a, bshape), np.broadcast_to(b, bshape))
        # both encodings are piecewise linear in the raw value, with knots at their
        # quantiles: the composition is piecewise linear with knots at all of them
        knots = np.sort(np.concatenate(
            [q for q in (self.quantiles, other.quantiles) if q is not None]
            + [self.offset[None] - 8 * self.scale[None], self.offset[None] + 8 * self.scale[None]]
        ), axis=0)
        return Reencoder(knots=self.encode(knots).numpy(), values=other.encode(knots).numpy())

    def lazy(self, X):
        """``X`` as an :class:`EncodedArray`: encoded a batch at a time, when indexed."""
        return EncodedArray(X, self)

    def encode(self, X):
        """``X`` (any layout holding this domain's samples) -> float32 tensor."""
        Xs = X.reshape(len(X), *self.shape).astype(np.float64)
        if self.quantiles is None:
            return torch.from_numpy(((Xs - self.offset) / self.scale).astype(np.float32))
        q, r = self.quantiles, _normal_scores(len(self.quantiles))
        Z = np.empty(Xs.shape, dtype=np.float32)
        for j in range(Xs.shape[1]):
            # up and down the knots, averaged, so a value repeated over several knots
            # (a discrete feature) encodes as the middle of its run (scikit-learn's
            # QuantileTransformer does the same)
            Z[:, j] = 0.5 * (np.interp(Xs[:, j], q[:, j], r)
                             - np.interp(-Xs[:, j], -q[::-1, j], -r[::-1]))
        return torch.from_numpy(Z)

    def decode(self, Z, input_ndim):
        """Network output tensor -> numpy array in the caller's layout.

        ``input_ndim`` is the ndim of the array the caller passed: 2 gives
        ``(n, n_features)``, 3 gives ``(n, H, W)`` (single channel only), 4 gives
        ``(n, C, H, W)``.
        """
        if isinstance(Z, torch.Tensor):
            Z = Z.detach().cpu().numpy()
        out = np.empty(Z.shape, dtype=self.dtype)
        for start in range(0, len(Z), _CHUNK_ROWS):  # float64 a chunk at a time, in place
            X = Z[start:start + _CHUNK_ROWS].astype(np.float64)
            if self.quantiles is None:
                X *= self.scale
                X += self.offset
            else:
                r = _normal_scores(len(self.quantiles))
                for j in range(X.shape[1]):
                    X[:, j] = np.interp(X[:, j], r, self.quantiles[:, j])
            if self.dtype == np.uint8:
                np.clip(np.rint(X, out=X), 0, 255, out=X)
            out[start:start + _CHUNK_ROWS] = X
        return self.layout(out, input_ndim)

    def layout(self, X, input_ndim):
        """This domain's samples (in its own value scale) in the caller's layout and dtype."""
        X = np.asarray(X).astype(self.dtype, copy=False)
        n = len(X)
        if input_ndim == 2:
            return X.reshape(n, -1)
        if input_ndim == 3 and self.shape[0] == 1:
            return X.reshape(n, *self.shape[1:])
        return X.reshape(n, *self.shape)


def _normal_scores(n):
    """Standard-normal scores of ``n`` evenly spaced quantile knots (the codes of a
    quantile encoding): ``ndtri((i + 0.5) / n)``."""
    return ndtri((np.arange(n) + 0.5) / n)


class Reencoder:
    """Per-feature map from one domain's encoding to another's (:meth:`DomainSpec.reencoder`).

    Affine, ``x * a + b``, or piecewise linear through ``(knots, values)`` per
    feature (the ends held beyond the outer knots). Called on float tensors
    of shape ``(n, *shape)``, on their device.

    Parameters
    ----------
    a, b : ndarray or None
        Affine coefficients, shaped to broadcast over a batch.
    knots, values : ndarray of shape (n_knots, n_features) or None
        Piecewise-linear map of each feature: ``knots[:, j]`` non-decreasing.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skgan._data import Reencoder
    >>> r = Reencoder(knots=np.array([[0.0], [1.0], [2.0]]), values=np.array([[0.0], [10.0], [11.0]]))
    >>> r(torch.tensor([[-1.0], [0.5], [1.5], [3.0]])).flatten().tolist()
    [0.0, 5.0, 10.5, 11.0]
    """

    def __init__(self, a=None, b=None, *, knots=None, values=None):
        def tensor(x):
            return None if x is None else torch.from_numpy(
                np.ascontiguousarray(x, dtype=np.float32))
        self.a, self.b = tensor(a), tensor(b)
        # per feature along the last dimension, as torch.searchsorted reads it
        self.knots = None if knots is None else tensor(np.asarray(knots).T)
        self.values = None if values is None else tensor(np.asarray(values).T)

    def __call__(self, x):
        if self.knots is None:
            return x * self.a.to(x) + self.b.to(x)
        knots, values = self.knots.to(x), self.values.to(x)
        xt = x.detach().T.contiguous()
        hi = torch.searchsorted(knots, xt, right=True).clamp(1, knots.shape[1] - 1)
        lo = hi - 1
        k0, k1 = knots.gather(1, lo), knots.gather(1, hi)
        v0, v1 = values.gather(1, lo), values.gather(1, hi)
        width = k1 - k0
        w = torch.where(width > 0, (xt - k0) / width.clamp_min(1e-12), torch.zeros_like(xt))
        return (v0 + w.clamp(0, 1) * (v1 - v0)).T


def _mean_std(X):
    """Per-column mean and standard deviation of a 2-D array, in float64; arrays
    of more than ``_CHUNK_ROWS`` rows are summed a chunk at a time."""
    if len(X) <= _CHUNK_ROWS:
        Xf = np.asarray(X, dtype=np.float64)
        return Xf.mean(axis=0), Xf.std(axis=0)
    total = np.zeros(X.shape[1])
    for start in range(0, len(X), _CHUNK_ROWS):
        total += np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64).sum(axis=0)
    mean = total / len(X)
    squares = np.zeros(X.shape[1])
    for start in range(0, len(X), _CHUNK_ROWS):
        chunk = np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64) - mean
        squares += (chunk * chunk).sum(axis=0)
    return mean, np.sqrt(squares / len(X))


class EncodedArray:
    """A domain's samples, encoded into the networks' float32 scale when indexed.

    Training and inference read ``X`` (an array, a ``np.memmap``, a
    :class:`DatasetArray`) a batch at a time, so peak memory grows with the
    batch, not with the data: uint8 images stay uint8 until a batch is taken.
    ``encoded[idx]`` equals ``spec.encode(X)[idx]`` bitwise.

    Parameters
    ----------
    X : array-like
        Samples in any layout :meth:`DomainSpec.encode` takes.
    spec : DomainSpec
        The domain's fitted scaling.

    Examples
    --------
    >>> import numpy as np
    >>> from skgan._data import DomainSpec
    >>> X = np.arange(12, dtype=np.uint8).reshape(3, 1, 2, 2)
    >>> spec = DomainSpec.fit(X, (1, 2, 2))
    >>> lazy = spec.lazy(X)
    >>> len(lazy), tuple(lazy[[2, 0]].shape), bool((lazy[:] == spec.encode(X)).all())
    (3, (2, 1, 2, 2), True)
    """

    def __init__(self, X, spec):
        self.X = X
        self.spec = spec

    def __len__(self):
        return len(self.X)

    @property
    def shape(self):
        return (len(self.X), *self.spec.shape)

    def dim(self):
        return 1 + len(self.spec.shape)

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        if isinstance(index, (int, np.integer)):
            return self.spec.encode(self.X[index:index + 1])[0]
        return self.spec.encode(self.X[index])


class TrainingData(torch.utils.data.Dataset):
    """Training samples (and labels) that a ``DataLoader`` fetches a batch at a time.

    ``__getitems__`` (which ``DataLoader`` calls with a batch's indices) reads
    the batch's rows in one indexing of ``X``; use :func:`collate_batch` as the
    loader's ``collate_fn``. Batches are ``(samples, labels)``, ``labels`` None
    when there are none.

    Parameters
    ----------
    X : EncodedArray or torch.Tensor
    y : torch.Tensor or None

    Examples
    --------
    >>> import numpy as np, torch
    >>> from torch.utils.data import DataLoader
    >>> from skgan._data import DomainSpec, TrainingData, collate_batch
    >>> X = np.arange(40, dtype=np.uint8).reshape(10, 1, 2, 2)
    >>> data = TrainingData(DomainSpec.fit(X, (1, 2, 2)).lazy(X), torch.arange(10))
    >>> xb, yb = next(iter(DataLoader(data, batch_size=4, collate_fn=collate_batch)))
    >>> tuple(xb.shape), yb.tolist()
    ((4, 1, 2, 2), [0, 1, 2, 3])
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], None if self.y is None else self.y[i]

    def __getitems__(self, indices):
        rows = np.asarray(indices, dtype=np.int64)
        labels = None if self.y is None else self.y[torch.from_numpy(rows)]
        return self.X[rows if isinstance(self.X, EncodedArray) else torch.from_numpy(rows)], labels


def collate_batch(batch):
    """``collate_fn`` for :class:`TrainingData`: its batches come assembled.

    Examples
    --------
    >>> from skgan._data import collate_batch
    >>> collate_batch(("samples", None))
    ('samples', None)
    """
    return batch
