"""skgan: GAN-based transfer learning as scikit-learn estimators."""

from ._data import Unsplit
from .adapted_classifier import AdaptedClassifier
from .batches import iter_transform
from .distillation import GANDistiller
from .domain_adaptation import GANDomainAdapter
from .fine_tuning import PretrainedGANFineTuner
from .gan import GAN
from .translation import CycleGANTranslator

__version__ = "0.1.0"

__all__ = ["AdaptedClassifier", "CycleGANTranslator", "GAN", "GANDistiller", "GANDomainAdapter", "PretrainedGANFineTuner", "Unsplit", "__version__",
           "iter_transform"]
