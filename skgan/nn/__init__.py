"""Torch modules for skgan: generators, discriminators, losses, initialisation.

Nothing here knows about scikit-learn.
"""

from .classifiers import ConvClassifier, MLPClassifier, build_classifier
from .discriminators import (
    DISCRIMINATORS,
    DCGANDiscriminator,
    MLPDiscriminator,
    PatchDiscriminator,
    build_discriminator,
)
from .generators import (
    GENERATORS,
    DCGANGenerator,
    MLPGenerator,
    ResnetGenerator,
    UnetGenerator,
    build_generator,
    resolve_generator_name,
)
from .init import init_weights
from .losses import LOSSES, GANLoss, gradient_penalty

__all__ = [
    "ConvClassifier",
    "MLPClassifier",
    "build_classifier",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DISCRIMINATORS",
    "GANLoss",
    "GENERATORS",
    "LOSSES",
    "MLPDiscriminator",
    "MLPGenerator",
    "PatchDiscriminator",
    "ResnetGenerator",
    "UnetGenerator",
    "build_discriminator",
    "build_generator",
    "gradient_penalty",
    "init_weights",
    "resolve_generator_name",
]
