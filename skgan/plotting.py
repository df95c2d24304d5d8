"""Training curves and image grids for skgan estimators (matplotlib optional).

matplotlib is an optional dependency, installed with ``pip install skgan[plot]``;
it is imported only when a function here is called. Every function draws on the
``ax`` it is given, or on a new pyplot figure, and returns the Axes, so plots
compose with the rest of a notebook's figures.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from torchvision.utils import make_grid

from ._data import check_input, sample_shape
from .base import transform_source

__all__ = ["plot_history", "plot_images", "plot_translation"]

_PADDING = 2  # pixels between (and around) the tiles of an image grid


def _pyplot():
    """Import pyplot, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skgan.plotting needs matplotlib, an optional dependency; install it with "
            "`pip install skgan[plot]` (or `pip install matplotlib`)."
        ) from exc
    return plt


def _axes(ax, plt):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return int(value)


# ------------------------------------------------------------------ history
def _history_keys(estimator, history):
    """Default curves: total G and D losses, then each loss term recorded."""
    objective = getattr(getattr(estimator, "net_", None), "objective", None)
    if objective is not None:
        candidates = ["g_loss", "d_loss", *objective.generator_terms,
                      *objective.discriminator_terms]
    else:  # any numeric per-epoch value that is not bookkeeping
        skip = {"epoch", "batches", "dur", "lr", "train_loss", "train_batch_count"}
        candidates = ["g_loss", "d_loss"]
        for row in history:
            candidates += [k for k, v in row.items()
                           if k not in skip and not k.endswith("_best")
                           and isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    present = {k for row in history for k in row}
    return [k for k in dict.fromkeys(candidates) if k in present]


def plot_history(estimator, keys=None, ax=None):
    """Plot a fitted estimator's per-epoch losses from its ``history_``.

    The generator and discriminator totals (``g_loss``, ``d_loss``) are drawn
    as solid lines, each weighted loss term the estimator recorded (e.g.
    ``g_adv``, ``cycle``, ``identity``, ``task``, ``d_adv``) as a dashed line.

    Parameters
    ----------
    estimator : fitted skgan estimator
        Any estimator with a skorch ``History`` in ``history_``
        (:class:`~skgan.CycleGANTranslator`, :class:`~skgan.GANDomainAdapter`).
    keys : str or list of str, default=None
        Per-epoch history entries to plot. None plots ``g_loss``, ``d_loss`` and
        every loss term present in the history.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.

    Returns
    -------
    ax : matplotlib Axes
        One line per key, labelled with the key, against the epoch number.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a requested key is not in the history, or it holds no losses.

    See Also
    --------
    plot_images : a grid of images.
    plot_translation : source, translated and reconstructed images.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skgan import CycleGANTranslator
    >>> from skgan.plotting import plot_history
    >>> rng = np.random.RandomState(0)
    >>> X_a = rng.randn(64, 2)
    >>> tr = CycleGANTranslator(max_epochs=3, random_state=0).fit(X_a, X_target=X_a + 2)
    >>> ax = plot_history(tr)
    >>> [line.get_label() for line in ax.get_lines()]
    ['g_loss', 'd_loss', 'g_adv', 'cycle', 'identity', 'd_adv']
    >>> ax.get_lines()[0].get_xdata().tolist()
    [1, 2, 3]
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    check_is_fitted(estimator)
    history = estimator.history_
    available = _history_keys(estimator, history)
    if keys is None:
        keys = available
    else:
        keys = [keys] if isinstance(keys, str) else list(keys)
        present = {k for row in history for k in row if k != "batches"}
        missing = [k for k in keys if k not in present]
        if missing:
            raise ValueError(
                f"keys {missing} are not in the estimator's history_; per-epoch entries "
                f"recorded: {sorted(present)}."
            )
    if not keys:
        raise ValueError(
            "The estimator's history_ holds no losses to plot (an estimator restored "
            "with load() has no training history)."
        )

    ax = _axes(ax, plt)
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    marker = "o" if len(epochs) <= 20 else None
    for key in keys:
        values = [float(row[key]) if key in row else np.nan for row in history]
        total = key in ("g_loss", "d_loss")
        ax.plot(epochs, values, label=key, marker=marker, markersize=3,
                linestyle="-" if total else "--", linewidth=2.0 if total else 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"{type(estimator).__name__} training losses")
    ax.legend()
    return ax


# ------------------------------------------------------------------- images
def _as_images(X, image_shape=None, *, input_name="X"):
    """Any skgan image layout -> float64 array (n, C, H, W), dtype kept aside."""
    X = check_input(X, input_name=input_name)
    if X.ndim == 2 and image_shape is None:
        raise ValueError(
            f"{input_name} is 2-D with {X.shape[1]} features per sample: tabular data "
            "cannot be shown as images. For flattened images pass image_shape=(C, H, W)."
        )
    shape = sample_shape(X, image_shape, input_name=input_name)
    if shape[0] not in (1, 3):
        raise ValueError(
            f"{input_name} images have {shape[0]} channels; only 1 (grey) or 3 (RGB) "
            f"channels can be shown (e.g. pass {input_name}[:, :3])."
        )
    return X.reshape(len(X), *shape), X.dtype


def _to_unit(X, dtype):
    """Display values in [0, 1]: uint8 / 255, floats in [0, 1] as they are, else min-max."""
    X = np.asarray(X, dtype=np.float64)
    if np.dtype(dtype) == np.uint8:
        return X / 255.0
    lo, hi = float(X.min()), float(X.max())
    if lo >= 0.0 and hi <= 1.0:
        return X
    if hi > lo:
        return (X - lo) / (hi - lo)
    return np.clip(X, 0.0, 1.0)


def _grid(rows, nrow):
    """(n, C, H, W) arrays in [0, 1] -> (H_grid, W_grid, 3) grid via make_grid."""
    tensor = torch.from_numpy(np.ascontiguousarray(np.concatenate(rows)))
    if tensor.shape[1] == 1:
        tensor = tensor.expand(-1, 3, -1, -1)
    if len(tensor) == 1:  # make_grid returns a lone image unpadded; keep one geometry
        grid = F.pad(tensor[0], (_PADDING,) * 4, value=1.0)
    else:
        grid = make_grid(tensor, nrow=nrow, padding=_PADDING, pad_value=1.0)
    return grid.permute(1, 2, 0).numpy()


def _show(ax, grid, title):
    ax.imshow(grid, interpolation="nearest", vmin=0.0, vmax=1.0)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title)


def plot_images(X, image_shape=None, n_images=64, nrow=8, ax=None, title=None):
    """Show the first ``n_images`` images of ``X`` as a grid.

    Accepts every image layout skgan estimators take and return: ``(n, H, W)``,
    ``(n, C, H, W)`` or flattened ``(n, C * H * W)`` with ``image_shape``, as a
    numpy array or torch tensor, with 1 (grey) or 3 (RGB) channels. The grid is
    built with :func:`torchvision.utils.make_grid` (2-pixel white padding).

    Values are mapped to the display range [0, 1]: uint8 as 0-255; floats
    already within [0, 1] unchanged; other floats (e.g. [-1, 1], or 0-255 as
    float) linearly from the shown images' overall min..max, so the images'
    relative brightness is kept. Other dtypes are treated as floats.

    Parameters
    ----------
    X : array-like or torch.Tensor
        Images in one of the layouts above.
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one image when ``X`` is 2-D (flattened); required then.
    n_images : int, default=64
        Show at most this many images, the first ones of ``X``.
    nrow : int, default=8
        Images per grid row.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes
        Holds one ``AxesImage``: the RGB grid of shape
        ``(rows * (H + 2) + 2, cols * (W + 2) + 2, 3)`` with
        ``cols = min(nrow, n)`` and ``rows = ceil(n / cols)``.

    Raises
    ------
    ValueError
        For 2-D ``X`` without ``image_shape`` (tabular data), an
        ``image_shape`` that does not fit ``X``, channels other than 1 or 3, or
        non-positive ``n_images``/``nrow``.

    See Also
    --------
    plot_translation : source, translated and reconstructed images in rows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skgan.plotting import plot_images
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(20, 3, 8, 8), dtype=np.uint8)
    >>> ax = plot_images(X, n_images=12, nrow=6, title="colour images")
    >>> ax.images[0].get_array().shape  # 2 rows x 6 tiles of 8x8, 2-pixel padding
    (22, 62, 3)
    >>> flat = rng.rand(5, 64)  # flattened grey images in [0, 1]
    >>> ax = plot_images(flat, image_shape=(1, 8, 8), ax=ax)
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    n_images = _check_positive_int(n_images, "n_images")
    nrow = _check_positive_int(nrow, "nrow")
    images, dtype = _as_images(X, image_shape)
    images = _to_unit(images[:n_images], dtype)
    ax = _axes(ax, plt)
    _show(ax, _grid([images], nrow), title)
    return ax


# -------------------------------------------------------------- translation
def _domain_to_unit(X, spec):
    """A domain's samples -> (n, C, H, W) in [0, 1], by the range fitted on that domain.

    Estimators map each image domain linearly to [-1, 1] (``offset``, ``scale``);
    inverting that keeps source and reconstruction on the same display scale.
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(X), *spec.shape)
    return np.clip(((X - spec.offset) / spec.scale + 1.0) / 2.0, 0.0, 1.0)


def plot_translation(estimator, X, n_images=8, ax=None):
    """Show source images, their translation and (when possible) reconstruction.

    One grid, one column per image, with the rows

    * ``source``: the first ``n_images`` images of ``X``;
    * ``translated``: ``estimator.transform`` of them;
    * ``reconstructed``: ``estimator.inverse_transform`` of the translations,
      only for estimators that have it (:class:`~skgan.CycleGANTranslator`;
      :class:`~skgan.GANDomainAdapter` shows source and translated rows).

    Each row is shown in its domain's fitted value range (uint8 0-255, or the
    float range seen in ``fit``). When one domain is grey and the other colour,
    grey rows are shown as RGB (the channel repeated) so the rows align.

    Parameters
    ----------
    estimator : fitted skgan estimator
        Fitted on images, with ``transform`` (and optionally ``inverse_transform``).
    X : array-like or torch.Tensor
        Source-domain images in any layout the estimator accepts (flattened
        images use the estimator's ``image_shape``).
    n_images : int, default=8
        Number of images (columns); fewer when ``X`` has fewer.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.

    Returns
    -------
    ax : matplotlib Axes
        Holds one ``AxesImage``, the RGB grid; the rows are named by the y tick
        labels.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If the estimator was fitted on tabular data or on images with channels
        other than 1 or 3, or if ``X`` does not hold source-domain images.

    See Also
    --------
    plot_images : a grid of any images.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from skgan import CycleGANTranslator
    >>> from skgan.datasets import load_digits_domains
    >>> from skgan.plotting import plot_translation
    >>> d = load_digits_domains()  # grey 8x8 digits -> orange 8x8 digits
    >>> tr = CycleGANTranslator(n_filters=4, n_blocks=1, lambda_id=0.0, max_epochs=1,
    ...                         random_state=0)
    >>> tr = tr.fit(d.X_source[:64], X_target=d.X_target[:64])
    >>> ax = plot_translation(tr, d.X_source, n_images=6)
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['source', 'translated', 'reconstructed']
    >>> ax.images[0].get_array().shape  # 3 rows x 6 tiles of 8x8, 2-pixel padding
    (32, 62, 3)
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    check_is_fitted(estimator)
    n_images = _check_positive_int(n_images, "n_images")
    source_spec, target_spec = estimator.source_spec_, estimator.target_spec_
    if not (source_spec.is_image and target_spec.is_image):
        raise ValueError(
            f"plot_translation needs an estimator fitted on images; this "
            f"{type(estimator).__name__} was fitted on tabular data of "
            f"{source_spec.shape[0]} features."
        )
    for name, spec in (("source", source_spec), ("target", target_spec)):
        if spec.shape[0] not in (1, 3):
            raise ValueError(
                f"The {name} domain has {spec.shape[0]} channels; only 1 (grey) or 3 "
                "(RGB) channels can be shown."
            )
    X = check_input(X, input_name="X")[:n_images]
    shape = sample_shape(X, None, input_name="X", spatial=source_spec.shape[1:])
    if shape != source_spec.shape:
        raise ValueError(
            f"X samples have shape {shape} but the estimator's source domain has shape "
            f"{source_spec.shape}; plot_translation takes source-domain images."
        )
    translated = transform_source(estimator, X)
    rows = [("source", _domain_to_unit(X, source_spec)),
            ("translated", _domain_to_unit(translated, target_spec))]
    if hasattr(estimator, "inverse_transform"):
        rows.append(("reconstructed",
                     _domain_to_unit(estimator.inverse_transform(translated), source_spec)))
    channels = max(images.shape[1] for _, images in rows)
    images = [np.repeat(im, channels, axis=1) if im.shape[1] != channels else im
              for _, im in rows]

    ax = _axes(ax, plt)
    n = len(X)
    _show(ax, _grid(images, nrow=n), type(estimator).__name__)
    height = source_spec.shape[1]
    centers = [_PADDING + r * (height + _PADDING) + (height - 1) / 2 for r in range(len(rows))]
    ax.set_yticks(centers, [name for name, _ in rows])
    ax.tick_params(axis="y", length=0)
    return ax
