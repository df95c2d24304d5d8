"""Feature extractors for the sample distances of :mod:`skgan.metrics`.

* :class:`ClassifierFeatureExtractor`: a small classifier network fitted on
  labelled data, whose penultimate layer gives the features (for digits this is
  the "LeNet FID" used in domain-adaptation and few-shot GAN papers);
* :class:`TorchFeatureExtractor`: any torch module, e.g.
  ``skgan.nn.BackboneFeatures("resnet18", weights="resnet18.pth")`` for a
  torchvision network with weights from a local file (nothing is downloaded).

Both are re-exported by :mod:`skgan.metrics`. Modules are moved to the working
device only while they run and go back where they were afterwards, so a fitted
:class:`ClassifierFeatureExtractor` keeps its network on the CPU and pickles
(and loads) on a machine without a GPU.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from torch import nn

from ._data import DomainSpec, check_input, sample_shape, validate_features
from .base import resolve_device
from .nn import build_classifier
from .training import apply_module, seeded

__all__ = ["ClassifierFeatureExtractor", "TorchFeatureExtractor"]


@contextlib.contextmanager
def _on_device(module, device):
    """Move ``module`` to ``device`` for the ``with`` block, then back to where it was."""
    first = next(itertools.chain(module.parameters(), module.buffers()), None)
    home = None if first is None else first.device
    module.to(device)
    try:
        yield module
    finally:
        if home is not None:
            module.to(home)


class TorchFeatureExtractor:
    """Use a torch module as the feature extractor of FID/KID.

    Arrays are turned into float32 tensors: ``(n, H, W)`` images get a channel
    axis, flattened images are reshaped with ``image_shape``, and with
    ``scale="auto"`` uint8 data (0..255) is mapped to [-1, 1], the range of
    skgan's networks and of :class:`~skgan.nn.BackboneFeatures`; float data is
    passed as it is. The module runs in eval mode without gradients, in
    batches; its outputs are flattened to ``(n, d)``. It is moved to ``device``
    for each call and back to the device it was on afterwards.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a batch to features (e.g. ``skgan.nn.BackboneFeatures("resnet18",
        weights="resnet18.pth")``, or a network's body).
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample when images come flattened as 2-D arrays.
    scale : {"auto", "none"}, default="auto"
        "auto" maps uint8 to [-1, 1]; "none" only casts to float32.
    batch_size : int, default=256
    device : str, default="cpu"

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skgan.feature_extraction import TorchFeatureExtractor
    >>> extract = TorchFeatureExtractor(torch.nn.Conv2d(1, 4, 3), image_shape=(1, 8, 8))
    >>> extract(np.zeros((5, 64), dtype=np.uint8)).shape
    (5, 144)
    """

    def __init__(self, module, *, image_shape=None, scale="auto", batch_size=256, device="cpu"):
        if scale not in ("auto", "none"):
            raise ValueError(f"scale must be 'auto' or 'none'; got {scale!r}.")
        self.module = module
        self.image_shape = image_shape
        self.scale = scale
        self.batch_size = batch_size
        self.device = device

    def __call__(self, X):
        X = check_input(X, input_name="X")
        uint8 = X.dtype == np.uint8
        if X.ndim == 3:
            X = X[:, None]
        elif X.ndim == 2 and self.image_shape is not None:
            X = X.reshape(len(X), *sample_shape(X, self.image_shape))
        T = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        if uint8 and self.scale == "auto":
            T = T / 127.5 - 1.0
        with _on_device(self.module, self.device):
            out = apply_module(self.module, T, batch_size=self.batch_size, device=self.device)
        return out.reshape(len(out), -1).numpy()


class ClassifierFeatureExtractor(TransformerMixin, BaseEstimator):
    """Features from a small classifier network fitted on labelled data ("LeNet FID").

    Inception features mean little for 28x28 digits; few-shot GAN and domain
    adaptation work on digits measures FID in the feature space of a small
    classifier trained on the target domain's labelled data. ``fit`` trains
    skgan's LeNet-style :class:`~skgan.nn.ConvClassifier` (an MLP for tabular
    data) with Adam and cross-entropy; ``transform`` (or calling the fitted
    object) returns its penultimate-layer activations, which is what
    :func:`frechet_distance` and :func:`kernel_distance` take as
    ``feature_extractor``. Data are scaled as the GAN estimators scale them
    (uint8 0..255 to [-1, 1], float images by the fitted data's range,
    tabular data standardised), fitted once and applied to every sample.

    The fitted network lives on the CPU: it is moved to ``device_`` only while
    ``transform``, ``predict`` or ``score`` run, so an extractor fitted on a GPU
    pickles and loads on a machine without one (where it then runs on the CPU).

    Parameters
    ----------
    n_filters : int, default=32
        Channels of the first convolution; the features have ``4 * n_filters``
        dimensions (``max(n_filters, 16)`` for tabular data).
    max_epochs : int, default=5
    batch_size : int, default=128
    lr : float, default=1e-3
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one sample when images come flattened.
    device : str, default="auto"
        Device to train and run the network on ("auto": CUDA when available).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and shuffling (locally).

    Attributes
    ----------
    module_ : torch.nn.Module
        The fitted classifier, on the CPU.
    classes_ : ndarray
    spec_ : skgan._data.DomainSpec
        Layout and scaling of the data.
    n_features_in_ : int
    n_features_out_ : int
        Feature dimension.
    device_ : str
        Device the network runs on in ``transform``, ``predict`` and ``score``.

    See Also
    --------
    TorchFeatureExtractor : features from any torch module.
    skgan.metrics.frechet_distance : FID with these features.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgan.feature_extraction import ClassifierFeatureExtractor
    >>> from skgan.metrics import frechet_distance
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 8, 8) / 16.0
    >>> lenet = ClassifierFeatureExtractor(n_filters=8, max_epochs=2, random_state=0).fit(X, y)
    >>> lenet.transform(X[:5]).shape
    (5, 32)
    >>> round(frechet_distance(X[:500], X[:500], feature_extractor=lenet), 6)
    0.0
    """

    _parameter_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "image_shape": [tuple, list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_filters=32, max_epochs=5, batch_size=128, lr=1e-3, image_shape=None,
                 device="auto", random_state=None):
        self.n_filters = n_filters
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the classifier on labelled samples.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Tabular data, images, or flattened images with ``image_shape``.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : ClassifierFeatureExtractor
        """
        X_raw = X
        X = check_input(X, ensure_min_samples=2)
        validate_features(self, X_raw, X, reset=True)
        shape = sample_shape(X, self.image_shape)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} labels but X has {len(X)} samples.")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y has a single class ({encoder.classes_[0]!r}); a classifier "
                             "needs at least two.")
        spec = DomainSpec.fit(X, shape)
        init_seed, train_seed = (int(s) for s in
                                 check_random_state(self.random_state).randint(0, 2**31 - 1, 2))
        with seeded(init_seed):
            module = build_classifier(in_shape=shape, n_classes=len(encoder.classes_),
                                      n_filters=self.n_filters)
        device = resolve_device(self.device)
        net = NeuralNetClassifier(
            module, criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=self.lr,
            batch_size=self.batch_size, max_epochs=self.max_epochs, train_split=None,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(train_seed),
            device=device, verbose=0,
        )
        net.fit(spec.encode(X), torch.from_numpy(encoder.transform(y).astype(np.int64)))
        self.module_ = net.module_.cpu().eval()
        self.classes_ = encoder.classes_
        self.spec_ = spec
        self.device_ = device
        self.n_features_out_ = int(self.module_.blocks[-1].in_features)
        return self

    def _check(self, X):
        check_is_fitted(self)
        X_raw = X
        X = check_input(X)
        validate_features(self, X_raw, X, reset=False)
        image_shape = self.spec_.shape if (self.spec_.is_image and X.ndim == 2) else None
        spatial = self.spec_.shape[1:] if self.spec_.is_image else None
        shape = sample_shape(X, image_shape, spatial=spatial)
        if shape != self.spec_.shape:
            raise ValueError(f"X samples have shape {shape} but the classifier was fitted on "
                             f"samples of shape {self.spec_.shape}.")
        return self.spec_.encode(X)

    def _run(self, module, X):
        """Run ``module`` (``module_`` or a part of it) on ``device_``, then back to the CPU."""
        X = self._check(X)
        with _on_device(self.module_, self.device_):
            return apply_module(module, X, batch_size=max(self.batch_size, 256),
                                device=self.device_)

    def transform(self, X):
        """Penultimate-layer activations of the classifier.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out_), float32
        """
        return self._run(self.module_.blocks[:-1], X).flatten(1).numpy()

    __call__ = transform

    def predict(self, X):
        """Class predictions of the classifier.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[self._run(self.module_, X).argmax(1).numpy()]

    def score(self, X, y):
        """Accuracy of the classifier on ``(X, y)`` (to check the features are meaningful).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)

        Returns
        -------
        accuracy : float
        """
        return float(accuracy_score(column_or_1d(y), self.predict(X)))

    def __setstate__(self, state):
        super().__setstate__(state)
        device = getattr(self, "device_", None)
        if device is not None and torch.device(device).type == "cuda" \
                and not torch.cuda.is_available():
            warnings.warn(f"{type(self).__name__} was fitted with device_={device!r} but CUDA "
                          "is not available here; it runs on the CPU.", UserWarning,
                          stacklevel=2)
            self.device_ = "cpu"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        tags.non_deterministic = False
        return tags
