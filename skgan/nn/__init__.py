"""Torch modules for skgan: generators, discriminators, losses and initialisation.

Torch only: nothing here knows about scikit-learn. Tabular samples are float
tensors ``(N, F)`` (standardised); images are ``(N, C, H, W)`` in [-1, 1].
Shapes passed to the factories are per sample: ``(F,)`` or ``(C, H, W)``.
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
    "DISCRIMINATORS",
    "GENERATORS",
    "LOSSES",
    "ConvClassifier",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GANLoss",
    "MLPClassifier",
    "MLPDiscriminator",
    "MLPGenerator",
    "PatchDiscriminator",
    "ResnetGenerator",
    "UnetGenerator",
    "build_classifier",
    "build_discriminator",
    "build_generator",
    "gradient_penalty",
    "init_weights",
    "resolve_generator_name",
]
