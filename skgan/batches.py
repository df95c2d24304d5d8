"""Transform data larger than memory a batch at a time."""

from __future__ import annotations

from numbers import Integral

from ._data import Unsplit, check_input

__all__ = ["iter_transform"]


def iter_transform(estimator, X, *, batch_size=4096, method="transform", **params):
    """Yield ``getattr(estimator, method)(chunk, **params)`` for consecutive chunks of ``X``.

    For inputs too large to translate at once (a ``np.memmap``, a
    ``torch.utils.data.Dataset``): each chunk of ``batch_size`` rows is read,
    transformed and handed over before the next is read, so peak memory grows
    with ``batch_size``, not with ``X``. Write the batches where they belong
    (e.g. into a ``np.lib.format.open_memmap`` file, as in the example).

    The chunks concatenated equal ``getattr(estimator, method)(X, **params)``
    bitwise for skgan's estimators when ``batch_size`` is a multiple of the
    estimator's inference batch (``max(estimator.batch_size, 256)``; the
    default 4096 is, for batch sizes up to 4096 that divide it): their
    networks run on fixed-size batches either way.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like, np.memmap or torch.utils.data.Dataset
    batch_size : int, default=4096
        Rows per chunk.
    method : str, default="transform"
        E.g. ``"inverse_transform"`` or ``"predict_task"``.
    **params
        Passed to the method on every chunk (e.g. ``sample_domain="source"``).

    Yields
    ------
    out : ndarray
        The method's output on one chunk, in order.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skgan import CycleGANTranslator
    >>> from skgan.batches import iter_transform
    >>> rng = np.random.RandomState(0)
    >>> X, Xt = rng.randn(300, 2), rng.randn(300, 2) + 1
    >>> tr = CycleGANTranslator(max_epochs=1, random_state=0).fit(X, X_target=Xt)
    >>> path = os.path.join(tempfile.mkdtemp(), "translated.npy")
    >>> out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=X.shape)
    >>> start = 0
    >>> for batch in iter_transform(tr, X, batch_size=256):
    ...     out[start:start + len(batch)] = batch
    ...     start += len(batch)
    >>> bool(np.array_equal(out, tr.transform(X)))
    True
    """
    if not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    transform = getattr(estimator, method)
    X = check_input(X.data if isinstance(X, Unsplit) else X, input_name="X")
    for start in range(0, len(X), batch_size):
        yield transform(X[start:start + batch_size], **params)
