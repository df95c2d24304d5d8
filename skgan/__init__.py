"""skgan: GAN-based transfer learning as scikit-learn estimators."""

from ._data import Unsplit
from .domain_adaptation import GANDomainAdapter
from .translation import CycleGANTranslator

__version__ = "0.1.0"

__all__ = ["CycleGANTranslator", "GANDomainAdapter", "Unsplit", "__version__"]
